import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PLCAtom } from "../../shared/models.ts";
import { type KnowledgeBase, type PlannedStep, StepError } from "../../worker/pipeline/types.ts";
import { type ScriptStepInputs, contentStage, sourceHash } from "../../worker/steps/content-stage.ts";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { starterKb, stepContext } from "./helpers.ts";

const plan = (kb: KnowledgeBase | null, env: Record<string, string | undefined> = {}, settings: Record<string, unknown> = {}) =>
  contentStage({ env, sleep: async () => {} }).plan({ kb, settings, job: null, snapshot: { dir: "/x", sha: null, repository: "local", branch: "main", changes: null } });

/** Step key → hash of its inputs, as the runner sees them. */
const hashes = (steps: PlannedStep[]) => new Map(steps.map((s) => [s.key, sourceHash(s.inputs({}) as ScriptStepInputs)]));

function edit(kb: KnowledgeBase, id: string, change: Partial<PLCAtom>): KnowledgeBase {
  return { ...kb, atoms: kb.atoms.map((a) => (a.id === id ? { ...a, ...change } : a)) };
}

function changedKeys(before: KnowledgeBase, after: KnowledgeBase): string[] {
  const a = hashes(plan(before));
  const b = hashes(plan(after));
  return [...b.keys()].filter((k) => a.get(k) !== b.get(k)).sort();
}

let kb: KnowledgeBase;
beforeEach(async () => {
  kb ??= await starterKb();
});

describe("content stage planning", () => {
  it("plans one write-script step per atom, in teaching order, and nothing without a knowledge base", () => {
    const steps = plan(kb);
    expect(steps).toHaveLength(kb.atoms.length);
    expect(steps.every((s) => s.kind === "write-script" && s.dependsOn.length === 0)).toBe(true);
    expect(steps[0]?.key).toBe("script:ohms-law");
    expect(steps[1]?.key).toBe("script:what-is-a-plc");
    expect(plan(null)).toEqual([]);
  });

  it("gives an unchanged knowledge base the same hashes on a second plan", () => {
    expect(changedKeys(kb, structuredClone(kb))).toEqual([]);
  });

  it("rewrites only the atom whose body changed", () => {
    const body = `${kb.atoms.find((a) => a.id === "tof-timer")!.body}\n\nOne more sentence.`;
    expect(changedKeys(kb, edit(kb, "tof-timer", { body }))).toEqual(["script:tof-timer"]);
  });

  it("rewrites the atoms whose prerequisite's summary changed, but not for a prerequisite's body change", () => {
    const summary = "A TON timer waits for its input to stay true for the preset time before turning on.";
    expect(changedKeys(kb, edit(kb, "ton-timer", { summary }))).toEqual(["script:ton-timer", "script:tof-timer"].sort());
    expect(changedKeys(kb, edit(kb, "ton-timer", { body: "## Changed\nA completely new body for the on-delay timer." }))).toEqual(["script:ton-timer"]);
  });

  it("puts the writer and model in the hash: switching to Claude or to another model rewrites everything", () => {
    const offline = hashes(plan(kb));
    const claude = hashes(plan(kb, { ANTHROPIC_API_KEY: "k" }));
    const other = hashes(plan(kb, { ANTHROPIC_API_KEY: "k" }, { content: { model: "claude-haiku-4-5" } }));
    for (const [key, h] of offline) {
      expect(claude.get(key)).not.toBe(h);
      expect(other.get(key)).not.toBe(claude.get(key));
    }
  });

  it("refuses invalid settings with the field's name", () => {
    expect(() => plan(kb, {}, { content: { maxTokens: 5 } })).toThrow(/settings\.content\.maxTokens/);
  });
});

describe("content stage steps", () => {
  let fake: FakeAnthropic;
  beforeEach(async () => {
    fake = await FakeAnthropic.start();
  });
  afterEach(async () => {
    expect(fake.problems).toEqual([]);
    await fake.close();
  });

  it("writes the offline script to artifacts/scripts/<id>.json and reports zero tokens", async () => {
    const step = plan(kb).find((s) => s.key === "script:seal-in-circuit")!;
    const ctx = await stepContext(kb);
    const out = await step.run(ctx);
    expect(out.files).toEqual({ script: "scripts/seal-in-circuit.json" });
    expect(out.usage).toEqual({ inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 });
    const onDisk = JSON.parse(await readFile(join(ctx.artifactsDir, "scripts/seal-in-circuit.json"), "utf8"));
    expect(onDisk).toEqual(out.data);
    expect(onDisk.provenance.sourceHash).toBe(sourceHash(step.inputs({}) as ScriptStepInputs));
    expect(fake.requests).toHaveLength(0);
  });

  it("writes with Claude when ANTHROPIC_API_KEY is set, recording the tokens in usage", async () => {
    const env = { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL };
    const step = plan(kb, env).find((s) => s.key === "script:ohms-law")!;
    const out = await step.run(await stepContext(kb));
    expect((out.data as { provenance: { writer: string } }).provenance.writer).toBe("claude");
    expect(out.usage).toEqual({
      inputTokens: fake.requests[0]!.usage.input_tokens,
      outputTokens: fake.requests[0]!.usage.output_tokens,
      cacheCreationInputTokens: fake.requests[0]!.usage.cache_creation_input_tokens,
      cacheReadInputTokens: 0,
    });
    expect(out.usage!.inputTokens).toBeGreaterThan(0);
  });

  it("fails with a clear, non-retryable error when Claude is forced but no key is set", async () => {
    const step = plan(kb, {}, { content: { writer: "claude" } })[0]!;
    const err = await step.run(await stepContext(kb)).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("ANTHROPIC_API_KEY is not set");
  });
});
