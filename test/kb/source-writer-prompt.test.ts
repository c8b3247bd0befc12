/**
 * What the Claude writer is sent for an atom that cites a section of a long source: the sources
 * index, then that section's text, never another section's; and what the script step hashes.
 * The real runner, KB loader and SDK, writing to the loopback Anthropic fake.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { SourcesIndex } from "../../shared/sources.ts";
import { buildUserMessage } from "../../worker/agents/prompt.ts";
import { loadKnowledgeBase } from "../../worker/kb/load.ts";
import { openSourceSection } from "../../worker/kb/sources-open.ts";
import { summarizeSources } from "../../worker/kb/sources.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { inputHash } from "../../worker/pipeline/plan.ts";
import { defaultKbLoader, runPipeline } from "../../worker/pipeline/runner.ts";
import type { KnowledgeBase, PlannedStep } from "../../worker/pipeline/types.ts";
import { type ScriptStepInputs, contentStage } from "../../worker/steps/content-stage.ts";
import { FakeAnthropic, draftFromPrompt } from "../fakes/anthropic.ts";
import { repoDir as projectDir } from "../content/helpers.ts";
import { atomJson, courseJson } from "./helpers.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
const PATH = "kb/sources/cd400-manual.md";

let repo: string;
let index: SourcesIndex;
let STO: number;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "source-writer-"));
  mkdirSync(join(repo, "kb/sources"), { recursive: true });
  mkdirSync(join(repo, "kb/atoms"), { recursive: true });
  mkdirSync(join(repo, "kb/courses"), { recursive: true });
  writeFileSync(join(repo, PATH), MANUAL);
  index = (await summarizeSources(repo)).index;
  STO = index.sources[0]!.sections.find((s) => s.title === "3.2 Safe torque off")!.n;
  const write = (id: string, sources: unknown[]) => writeFileSync(join(repo, `kb/atoms/${id}.json`), JSON.stringify(atomJson(id, { sources })));
  write("sto-wiring", [{ title: "CD-400 manual, 3.2", path: PATH, section: STO }]);
  write("plain", [{ title: "IEC 61131-3", publisher: "IEC" }]);
  writeFileSync(join(repo, "kb/courses/drive.json"), JSON.stringify(courseJson("drive", ["plain", "sto-wiring"])));
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const planned = (kb: KnowledgeBase, env: Record<string, string | undefined> = {}) =>
  contentStage({ env }).plan({ kb, settings: {}, job: null, snapshot: { dir: repo, sha: null, repository: "local", branch: "main", changes: null } });
const stepHash = (steps: PlannedStep[], key: string) => {
  const step = steps.find((s) => s.key === key)!;
  return inputHash(step.kind, step.version, step.inputs({}));
};

describe("the Claude writer's prompt for an atom citing a source section", () => {
  let fake: FakeAnthropic;
  beforeEach(async () => {
    fake = await FakeAnthropic.start();
    // The fake drafts one section per "## " heading: only the atom's own, not the manual's.
    fake.defaultInput = (prompt) => draftFromPrompt(prompt.split("\n<sources>\n")[0]!);
  });
  afterEach(async () => {
    expect(fake.problems).toEqual([]);
    await fake.close();
  });

  test("holds the sources index, then the cited section's text, and no other section's text", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "source-writer-work-"));
    const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
    try {
      const out = await runPipeline({
        job: null,
        snapshot: { dir: repo, sha: null, repository: "local", branch: "main", changes: null },
        stages: [contentStage({ env: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL }, sleep: async () => {} })],
        ledger,
        settings: { content: { model: fake.model } },
        workDir,
        loadKb: defaultKbLoader,
        log: silentLogger,
        signal: new AbortController().signal,
      });
      expect(out.kind).toBe("completed");
    } finally {
      ledger.close();
      rmSync(workDir, { recursive: true, force: true });
    }
    const prompts = fake.requests.map((r) => r.body.messages[0].content as string);
    expect(prompts).toHaveLength(2);
    const sto = prompts.find((p) => p.includes('<atom id="sto-wiring"'))!;
    const cited = (await openSourceSection(repo, PATH, STO, index)).text;
    expect(sto).toContain(cited);
    expect(sto.indexOf("Sources index (kb/sources/index.json")).toBeLessThan(sto.indexOf(cited));
    for (const s of index.sources[0]!.sections.filter((x) => x.n !== STO)) {
      expect(sto).not.toContain((await openSourceSection(repo, PATH, s.n, index)).text);
    }
    // An atom citing nothing under kb/sources/ is sent exactly what it was sent before.
    const { kb } = await loadKnowledgeBase(repo, { sources: true });
    const plainInputs = planned(kb!).find((s) => s.key === "script:plain")!.inputs({}) as ScriptStepInputs;
    expect(prompts.find((p) => p.includes('<atom id="plain"'))).toBe(buildUserMessage(plainInputs));
  });
});

describe("the script step's hash", () => {
  test("an atom citing no kb/sources file hashes as before; one citing a section hashes that section's digest", async () => {
    const withSources = (await loadKnowledgeBase(repo, { sources: true })).kb!;
    const without = (await loadKnowledgeBase(repo)).kb!;
    expect(without.sources).toBeUndefined();
    expect(Object.keys(withSources.sources!.digests)).toEqual([`${PATH}#${STO}`]);
    for (const env of [{}, { ANTHROPIC_API_KEY: "k" }]) {
      const a = planned(withSources, env);
      const b = planned(without, env);
      expect(stepHash(a, "script:plain")).toBe(stepHash(b, "script:plain"));
      expect(Object.keys(a.find((s) => s.key === "script:plain")!.inputs({}) as object).sort()).toEqual(["atom", "courses", "model", "prerequisites", "promptVersion", "writer"]);
      expect(stepHash(a, "script:sto-wiring")).not.toBe(stepHash(b, "script:sto-wiring"));
      expect((a.find((s) => s.key === "script:sto-wiring")!.inputs({}) as ScriptStepInputs).sourceDigests).toEqual([
        { path: PATH, section: STO, sha256: withSources.sources!.digests[`${PATH}#${STO}`] },
      ]);
    }
  });

  test("the starter knowledge base, which cites no kb/sources file, plans the same hashes as without sources", async () => {
    const withSources = (await loadKnowledgeBase(projectDir, { sources: true })).kb!;
    const without = (await loadKnowledgeBase(projectDir)).kb!;
    expect(withSources.sources).toBeUndefined();
    const a = planned(withSources);
    const b = planned(without);
    expect(a.map((s) => stepHash(a, s.key))).toEqual(b.map((s) => stepHash(b, s.key)));
  });
});
