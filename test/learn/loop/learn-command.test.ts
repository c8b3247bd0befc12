import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { learnCommand } from "../../../worker/commands/learn.ts";
import { ST_TOOL_NAME } from "../../../worker/learn/prompt.ts";
import { FakeAnthropic } from "../../fakes/anthropic.ts";
import { PROGRAMS, tempKb, testConfig } from "./helpers.ts";

let fake: FakeAnthropic;
let lines: string[];
const opts = (kb: string, over: Partial<{ rounds: number; json: boolean }> = {}) => ({ rounds: 5, plant: "builtin" as const, kb, json: false, ...over });

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  fake.toolName = ST_TOOL_NAME;
  lines = [];
});
afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

/** The real judge (ST engine + built-in From A to B plant); only the Messages API is a loopback fake. */
function withKey() {
  return {
    env: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL },
    sleep: async () => {},
    say: (l: string) => lines.push(l),
  };
}

const verdictOf = (dir: string, round: number) => JSON.parse(readFileSync(join(dir, `round-${round}.verdict.json`), "utf8")).verdict;

describe("factory learn with a model (Messages API loopback fake)", () => {
  it("passes in round 3 after a compile error and a violated criterion, feeding each back", async () => {
    const { kbDir, workDir } = await tempKb();
    const reference = readFileSync(join(kbDir, "sim/seal-in-test.st"), "utf8");
    const other = JSON.parse(readFileSync(join(kbDir, "sim/other-task.json"), "utf8"));
    fake.forbidden = [other.behaviour, "REFERENCE-SOLUTION-MARKER", other.title];
    fake.expectInPrompt = "| Stop | Stop | VAR_INPUT | BOOL |";
    fake.replies.push(
      { kind: "script", input: { program: PROGRAMS.compileError } },
      { kind: "script", input: { program: PROGRAMS.noSealIn, notes: "fixed the missing semicolon" } },
      { kind: "script", input: { program: PROGRAMS.passing } },
    );
    const r = await learnCommand(testConfig(workDir, { content: { model: fake.model } }), "seal-in-test", opts(kbDir), withKey());

    expect(r.error).toBeNull();
    expect(r.exit).toBe(0);
    expect(r.result?.passed).toBe(true);
    expect(r.result?.passingRound).toBe(3);
    expect(r.result?.rounds.map((x) => x.kind)).toEqual(["compile-error", "fail", "pass"]);
    expect(fake.requests).toHaveLength(3);
    const dir = r.artifacts!;
    const compileError = verdictOf(dir, 1).message as string;
    expect(compileError).toMatch(/^round-1\.st:\d+:\d+: error: /); // the engine's own words, whatever they are
    const failed = verdictOf(dir, 2);
    expect(failed.first).toMatchObject({ id: "start-runs", atMs: 700 });

    const prompts = fake.requests.map((q) => q.body.messages[0].content as string);
    // Round 1: the task only.
    expect(prompts[0]).toContain("start-runs: Whenever Start is pressed");
    expect(prompts[0]).not.toContain("previous_program");
    // Round 2: the previous program and the compiler's message, verbatim.
    expect(prompts[1]).toContain(PROGRAMS.compileError.trim());
    expect(prompts[1]).toContain(`<compile_errors>\n${compileError}\n</compile_errors>`);
    // Round 3: the violated criterion's id, its time and the trace excerpt.
    expect(prompts[2]).toContain("criterion start-runs failed at t = 700 ms");
    expect(prompts[2]).toContain(failed.first.excerpt);
    expect(failed.first.excerpt).toContain(">>    700 |");
    expect(prompts[2]).toContain(PROGRAMS.noSealIn.trim());
    expect(prompts[2]).not.toContain(compileError);
    // Never the reference solution, never another task, one fresh turn per round.
    for (const p of prompts) {
      expect(p).not.toContain(reference.trim());
      expect(p).not.toContain("OTHER-TASK-MARKER");
    }
    expect(fake.requests.every((q) => q.body.messages.length === 1)).toBe(true);

    // Tokens are summed over the rounds as the API reported them.
    const sum = fake.requests.reduce((n, q) => n + q.usage.output_tokens, 0);
    expect(r.result?.usage.outputTokens).toBe(sum);
    expect(r.result?.requests).toBe(3);
    expect(r.result?.costUsd).toBeGreaterThan(0);

    // Artifacts of every round and of the passing run.
    for (const f of ["round-1.st", "round-1.verdict.json", "round-2.st", "round-2.timing.svg", "round-3.st", "round-3.prompt.txt", "solution.st", "timing.svg", "trace-summary.txt", "learn.json"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readFileSync(join(dir, "solution.st"), "utf8")).toBe(PROGRAMS.passing);
    expect(readFileSync(join(dir, "timing.svg"), "utf8")).toContain("Conveyor");
    expect(readFileSync(join(dir, "round-2.timing.svg"), "utf8")).toContain("start-runs violated");
    expect(existsSync(join(dir, "round-1.timing.svg"))).toBe(false); // it never ran
    expect(readFileSync(join(dir, "trace-summary.txt"), "utf8")).toContain("Every criterion passed (2): start-runs, stop-stops.");
    expect(lines).toContain(`round 1: compile error: ${compileError}`);
    expect(lines.some((l) => l.startsWith("PASS: seal-in-test passed every criterion in round 3 of 5."))).toBe(true);
  });

  it("costs 0 requests on a re-run of the unchanged task, and learns again when the task changes", async () => {
    const { kbDir, workDir } = await tempKb();
    const config = testConfig(workDir, { content: { model: fake.model } });
    fake.replies.push({ kind: "script", input: { program: PROGRAMS.passing } });
    const first = await learnCommand(config, "seal-in-test", opts(kbDir), withKey());
    expect(first.exit).toBe(0);
    expect(fake.requests).toHaveLength(1);

    const judged: string[] = [];
    const again = await learnCommand(config, "seal-in-test", opts(kbDir), { ...withKey(), makeJudge: () => async (p) => (judged.push(p), { verdict: { kind: "pass", criteria: [] } }) });
    expect(again.exit).toBe(0);
    expect(again.unchanged).toBe(true);
    expect(fake.requests).toHaveLength(1);
    expect(judged).toEqual([]);
    expect(again.result?.passingRound).toBe(1);
    expect(lines.some((l) => l.includes("0 tokens"))).toBe(true);

    // A changed task is a different run.
    const file = join(kbDir, "sim/seal-in-test.json");
    const task = JSON.parse(readFileSync(file, "utf8"));
    task.behaviour += " The conveyor must also stop when the run ends.";
    writeFileSync(file, JSON.stringify(task));
    fake.replies.push({ kind: "script", input: { program: PROGRAMS.passing } });
    const changed = await learnCommand(config, "seal-in-test", opts(kbDir), withKey());
    expect(changed.unchanged).toBe(false);
    expect(fake.requests).toHaveLength(2);
  });

  it("exits 1 when no round passes, with every round recorded", async () => {
    const { kbDir, workDir } = await tempKb();
    fake.replies.push({ kind: "script", input: { program: PROGRAMS.noSealIn } }, { kind: "script", input: { program: PROGRAMS.noSealIn } });
    const r = await learnCommand(testConfig(workDir, { content: { model: fake.model } }), "seal-in-test", opts(kbDir, { rounds: 2 }), withKey());
    expect(r.exit).toBe(1);
    expect(r.result?.passed).toBe(false);
    expect(r.result?.rounds).toHaveLength(2);
    expect(existsSync(join(r.artifacts!, "solution.st"))).toBe(false);
    expect(lines.some((l) => l.startsWith("NO PASS: seal-in-test did not pass within 2 round(s)."))).toBe(true);
  });

  it("says how to set the key when the API refuses it, and fails without a verdict", async () => {
    const { kbDir, workDir } = await tempKb();
    const parts = { ...withKey(), env: { ANTHROPIC_API_KEY: "sk-ant-wrong-key-000", ANTHROPIC_BASE_URL: fake.baseURL } };
    const r = await learnCommand(testConfig(workDir, { content: { model: fake.model } }), "seal-in-test", opts(kbDir), parts);
    expect(r.exit).toBe(1);
    expect(r.error).toContain("rejected ANTHROPIC_API_KEY (401 authentication_error)");
    expect(r.error).not.toContain("sk-ant-wrong-key-000");
    fake.problems.length = 0; // the 401 was the point
  });
});

describe("factory learn without ANTHROPIC_API_KEY", () => {
  it("checks the reference solution through the same judge and says no model was asked", async () => {
    const { kbDir, workDir } = await tempKb();
    const r = await learnCommand(testConfig(workDir), "seal-in-test", opts(kbDir), { env: {}, say: (l) => lines.push(l) });
    expect(r.exit).toBe(0);
    expect(r.result?.writer).toBe("reference");
    expect(r.result?.model).toBeNull();
    expect(r.result?.usage).toEqual({ inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 });
    expect(r.result?.rounds).toEqual([expect.objectContaining({ round: 1, kind: "pass", verdict: "pass (2/2 criteria)" })]);
    expect(readFileSync(join(r.artifacts!, "solution.st"), "utf8")).toBe(readFileSync(join(kbDir, "sim/seal-in-test.st"), "utf8"));
    expect(fake.requests).toHaveLength(0);
    expect(lines[0]).toContain("no model was asked");
    expect(lines.some((l) => l.startsWith("PASS: the reference solution of seal-in-test passes every criterion (2). No model was asked."))).toBe(true);
    expect(existsSync(join(r.artifacts!, "timing.svg"))).toBe(true);
    expect(existsSync(join(r.artifacts!, "round-1.prompt.txt"))).toBe(false);
  });

  it("prints the result as JSON with --json, saying no model was asked", async () => {
    const { kbDir, workDir } = await tempKb();
    const r = await learnCommand(testConfig(workDir), "seal-in-test", opts(kbDir, { json: true }), { env: {}, say: (l) => lines.push(l) });
    expect(r.exit).toBe(0);
    expect(lines).toHaveLength(1); // stdout is one JSON document
    const json = JSON.parse(lines[0]!);
    expect(json.note).toContain("no model was asked");
    expect(json).toMatchObject({ task: "seal-in-test", writer: "reference", noModelAsked: true, passed: true, passingRound: 1, unchanged: false, artifacts: r.artifacts });
  });

  it("refuses an unknown task with the list of tasks, and a task without a reference", async () => {
    const { kbDir, workDir } = await tempKb();
    const say = (l: string) => lines.push(l);
    const unknown = await learnCommand(testConfig(workDir), "no-such-task", opts(kbDir), { env: {}, say });
    expect(unknown.exit).toBe(2);
    expect(unknown.error).toContain("no task \"no-such-task\"");
    expect(unknown.error).toContain("other-task, seal-in-test");
    const noRef = await learnCommand(testConfig(workDir), "other-task", opts(kbDir), { env: {}, say });
    expect(noRef.exit).toBe(2);
    expect(noRef.error).toContain("has no reference solution");
    const badRounds = await learnCommand(testConfig(workDir), "seal-in-test", opts(kbDir, { rounds: 0 }), { env: {}, say });
    expect(badRounds.exit).toBe(2);
    expect(badRounds.error).toBe("--rounds must be a whole number from 1 to 20");
  });
});
