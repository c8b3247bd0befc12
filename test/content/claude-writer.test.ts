import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClaudeWriter, INVALID_KEY_MESSAGE } from "../../worker/agents/content.ts";
import { PROMPT_VERSION } from "../../worker/agents/prompt.ts";
import type { KnowledgeBase } from "../../worker/pipeline/types.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { inputFor, starterKb } from "./helpers.ts";

let fake: FakeAnthropic;
let kb: KnowledgeBase;
let slept: number[];
const NOW = Date.UTC(2026, 10, 25, 9, 0, 0);

function writer(over: Partial<ConstructorParameters<typeof ClaudeWriter>[0]> = {}) {
  return new ClaudeWriter({
    apiKey: fake.apiKey,
    model: fake.model,
    maxTokens: 4096,
    baseURL: fake.baseURL,
    maxAttempts: 4,
    timeoutMs: 10_000,
    sleep: async (ms) => {
      slept.push(ms);
    },
    now: () => NOW,
    random: () => 0.5,
    ...over,
  });
}

/** Points the fake at one atom: its body must be in the prompt, no other atom's body may be. */
function expectOnly(id: string) {
  const atom = kb.atoms.find((a) => a.id === id)!;
  fake.expectInPrompt = atom.body.trim();
  fake.forbidden = kb.atoms.filter((a) => a.id !== id).map((a) => a.body.trim());
}

const signal = () => new AbortController().signal;

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  kb ??= await starterKb();
  slept = [];
});
afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

describe("ClaudeWriter against the Messages API", () => {
  it("writes a valid script from one atom, with a cached system prompt and claude provenance", async () => {
    expectOnly("seal-in-circuit");
    const { script, usage, requests } = await writer().write(inputFor(kb, "seal-in-circuit"), "hash-1", signal());
    expect(requests).toBe(1);
    expect(script.atomId).toBe("seal-in-circuit");
    expect(script.sections.map((s) => s.heading)).toEqual(["The problem", "The rung", "Stop wins", "No restart after a power cut"]);
    expect(script.provenance).toEqual({
      sourceHash: "hash-1",
      writer: "claude",
      model: fake.model,
      promptVersion: PROMPT_VERSION,
      createdAt: new Date(NOW).toISOString(),
    });
    expect(usage.cacheCreationInputTokens).toBeGreaterThan(0);
    expect(usage.inputTokens).toBe(fake.requests[0]!.usage.input_tokens);
    const prompt: string = fake.requests[0]!.body.messages[0].content;
    expect(prompt).toContain("Contacts and Coils"); // a prerequisite's title from the index…
    expect(prompt).toContain(kb.atoms.find((a) => a.id === "contacts-and-coils")!.summary); // …and its one-line summary
  });

  it("reads the cached prefix for the second atom instead of writing it again", async () => {
    const w = writer();
    const first = await w.write(inputFor(kb, "ohms-law"), "h1", signal());
    const second = await w.write(inputFor(kb, "ton-timer"), "h2", signal());
    expect(first.usage.cacheReadInputTokens).toBe(0);
    expect(second.usage.cacheCreationInputTokens).toBe(0);
    expect(second.usage.cacheReadInputTokens).toBe(first.usage.cacheCreationInputTokens);
  });

  it("sends one repair request with the validation errors when the answer is invalid", async () => {
    fake.replies.push({ kind: "invalid" });
    const { script, usage, requests } = await writer().write(inputFor(kb, "ton-timer"), "h", signal());
    expect(requests).toBe(2);
    expect(script.sections.length).toBeGreaterThan(0);
    const repair = fake.requests[1]!.body.messages;
    expect(repair).toHaveLength(3);
    const result = repair[2].content.find((b: { type: string }) => b.type === "tool_result");
    expect(result.is_error).toBe(true);
    expect(result.content).toContain("sections");
    expect(result.content).toContain("youtube.title");
    expect(usage.outputTokens).toBe(fake.requests[0]!.usage.output_tokens + fake.requests[1]!.usage.output_tokens);
  });

  it("fails the step, not retryable, when the repaired answer is still invalid", async () => {
    fake.replies.push({ kind: "invalid" }, { kind: "invalid" });
    const err = await writer().write(inputFor(kb, "ton-timer"), "h", signal()).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/script for atom "ton-timer" is invalid after one repair request: .*sections/);
    expect(fake.requests).toHaveLength(2);
  });

  it("waits as long as retry-after says on 429, then succeeds", async () => {
    fake.replies.push({ kind: "error", status: 429, retryAfter: "7" });
    const { requests } = await writer().write(inputFor(kb, "ohms-law"), "h", signal());
    expect(slept).toEqual([7000]);
    expect(requests).toBe(1);
    expect(fake.requests.map((r) => r.reply)).toEqual(["error", "script"]);
  });

  it("backs off on 529 overloaded without retry-after, then succeeds", async () => {
    fake.replies.push({ kind: "error", status: 529 }, { kind: "error", status: 529 });
    await writer().write(inputFor(kb, "ohms-law"), "h", signal());
    expect(slept).toEqual([750, 1500]); // equal jitter with random 0.5 over 1 s, 2 s
  });

  it("gives up retryable after the last attempt, with the time the server asked for", async () => {
    for (let i = 0; i < 3; i++) fake.replies.push({ kind: "error", status: 429, retryAfter: "30" });
    const err = await writer({ maxAttempts: 3 }).write(inputFor(kb, "ohms-law"), "h", signal()).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(true);
    expect(err.retryAt).toBe(NOW + 30_000);
    expect(err.message).toContain("(429 rate limited) after 3 attempts");
    expect(slept).toEqual([30_000, 30_000]);
  });

  it("fails at once on an invalid key, says how to set it and never shows the key", async () => {
    const err = await writer({ apiKey: "sk-ant-wrong-secret" }).write(inputFor(kb, "ohms-law"), "h", signal()).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(INVALID_KEY_MESSAGE);
    expect(err.message).toContain("ANTHROPIC_API_KEY");
    expect(err.message).not.toContain("sk-ant-wrong-secret");
    expect(fake.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("treats a scripted 401 the same way, without retrying", async () => {
    fake.replies.push({ kind: "error", status: 401 });
    const err = await writer().write(inputFor(kb, "ohms-law"), "h", signal()).catch((e) => e);
    expect(err.message).toBe(INVALID_KEY_MESSAGE);
    expect(fake.requests).toHaveLength(1);
  });

  it("stops waiting when the job is aborted during a backoff", async () => {
    fake.replies.push({ kind: "error", status: 529 });
    const ac = new AbortController();
    const w = writer({
      sleep: async () => {
        ac.abort(new Error("shutdown"));
        throw new Error("shutdown");
      },
    });
    const err = await w.write(inputFor(kb, "ohms-law"), "h", ac.signal).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("interrupted");
  });
});
