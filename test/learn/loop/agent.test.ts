import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimTask } from "../../../shared/sim.ts";
import { ClaudeProgramWriter, LEARN_INVALID_KEY_MESSAGE } from "../../../worker/learn/agent.ts";
import { ST_TOOL_NAME, type RoundInput } from "../../../worker/learn/prompt.ts";
import { StepError } from "../../../worker/pipeline/types.ts";
import { FakeAnthropic } from "../../fakes/anthropic.ts";
import { PROGRAMS, fixturesDir } from "./helpers.ts";

let fake: FakeAnthropic;
let slept: number[];
const task = SimTask.parse(JSON.parse(readFileSync(join(fixturesDir, "sim/seal-in-test.json"), "utf8")));
const input: RoundInput = { task, round: 1, maxRounds: 5, previous: null };
const signal = () => new AbortController().signal;

function writer(over: Partial<ConstructorParameters<typeof ClaudeProgramWriter>[0]> = {}) {
  return new ClaudeProgramWriter({
    apiKey: fake.apiKey,
    model: fake.model,
    maxTokens: 4096,
    baseURL: fake.baseURL,
    maxAttempts: 4,
    timeoutMs: 10_000,
    sleep: async (ms) => void slept.push(ms),
    now: () => Date.UTC(2026, 11, 1),
    random: () => 0.5,
    ...over,
  });
}

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  fake.toolName = ST_TOOL_NAME;
  slept = [];
});
afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

describe("ClaudeProgramWriter against the Messages API", () => {
  it("forces submit_st_program with a cached system prompt and returns the program", async () => {
    fake.replies.push({ kind: "script", input: { program: PROGRAMS.passing, notes: "seal-in" } });
    const w = await writer().write(input, signal());
    expect(w.program).toBe(PROGRAMS.passing);
    expect(w.notes).toBe("seal-in");
    expect(w.requests).toBe(1);
    const body = fake.requests[0]!.body;
    expect(body.tool_choice).toEqual({ type: "tool", name: ST_TOOL_NAME });
    expect(body.system[0].cache_control).toEqual({ type: "ephemeral" });
    expect(body.system[0].text).not.toContain(task.id); // nothing per-task in the cached prefix
  });

  it("honours retry-after on 429 and 529, then succeeds", async () => {
    fake.replies.push({ kind: "error", status: 429, retryAfter: "7" }, { kind: "error", status: 529 }, { kind: "script", input: { program: PROGRAMS.passing } });
    const w = await writer().write(input, signal());
    expect(w.program).toBe(PROGRAMS.passing);
    expect(slept[0]).toBe(7000);
    expect(slept).toHaveLength(2);
  });

  it("asks once for a repair of an invalid answer, with the validation errors, and sums usage", async () => {
    fake.replies.push({ kind: "script", input: { notes: "forgot the program" } }, { kind: "script", input: { program: PROGRAMS.passing } });
    const w = await writer().write(input, signal());
    expect(w.requests).toBe(2);
    const repair = fake.requests[1]!.body.messages;
    expect(repair).toHaveLength(3);
    expect(JSON.stringify(repair[2])).toContain("program:");
    expect(w.usage.outputTokens).toBe(fake.requests[0]!.usage.output_tokens + fake.requests[1]!.usage.output_tokens);
  });

  it("fails after a second invalid answer, naming the task", async () => {
    fake.replies.push({ kind: "script", input: {} }, { kind: "script", input: { program: "" } });
    await expect(writer().write(input, signal())).rejects.toThrow(/program for task "seal-in-test" is invalid after one repair request/);
  });

  it("stops at once on a refused key with a message that says how to set it", async () => {
    const err = await writer({ apiKey: "sk-ant-wrong-000000" }).write(input, signal()).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.message).toBe(LEARN_INVALID_KEY_MESSAGE);
    expect(err.retryable).toBe(false);
    expect(fake.requests).toHaveLength(1);
  });
});
