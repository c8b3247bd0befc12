import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SimTask } from "../../../shared/sim.ts";
import { zeroUsage } from "../../../worker/agents/usage.ts";
import { type JudgedRun, type RoundWriter, runLearningLoop } from "../../../worker/learn/loop.ts";
import type { RoundInput } from "../../../worker/learn/prompt.ts";
import { fixturesDir } from "./helpers.ts";

const task = SimTask.parse(JSON.parse(readFileSync(join(fixturesDir, "sim/seal-in-test.json"), "utf8")));
const signal = new AbortController().signal;
const usage = (n: number) => ({ ...zeroUsage(), inputTokens: n, outputTokens: 1 });

/** A writer that hands out the given programs in turn and remembers what it was asked. */
function writer(programs: string[], asked: RoundInput[] = []): RoundWriter {
  return {
    write: async (input) => {
      asked.push(input);
      return { program: programs[input.round - 1]!, notes: null, model: "m", usage: usage(10 * input.round), requests: 1, prompt: `prompt ${input.round}` };
    },
  };
}

const verdicts: Record<string, JudgedRun> = {
  bad: { verdict: { kind: "compile-error", message: "p.st:1:1: error: nope" } },
  crash: { verdict: { kind: "runtime-error", message: "p.st:3:5: runtime error: division by zero", atMs: 40 } },
  good: { verdict: { kind: "pass", criteria: [{ id: "a", text: "A", pass: true, atMs: null }] } },
};
const judge = async (program: string) => verdicts[program]!;

describe("the learning loop (pure core)", () => {
  it("stops at the first pass, feeding each failure into the next round", async () => {
    const asked: RoundInput[] = [];
    let t = 0;
    const r = await runLearningLoop({ task, writer: writer(["bad", "crash", "good", "never"], asked), judge, signal, now: () => (t += 5) });
    expect(r.passed).toBe(true);
    expect(r.passingRound).toBe(3);
    expect(r.solution).toBe("good");
    expect(asked.map((a) => a.previous?.feedback.kind ?? null)).toEqual([null, "compile-error", "runtime-error"]);
    expect(asked[2]!.previous).toEqual({ program: "crash", feedback: { kind: "runtime-error", message: "p.st:3:5: runtime error: division by zero" } });
    expect(r.usage.inputTokens).toBe(10 + 20 + 30);
    expect(r.requests).toBe(3);
    expect(r.rounds.map((x) => x.ms)).toEqual([5, 5, 5]);
  });

  it("gives up after maxRounds with no solution", async () => {
    const r = await runLearningLoop({ task, maxRounds: 2, writer: writer(["bad", "bad", "good"]), judge, signal });
    expect(r).toMatchObject({ passed: false, passingRound: null, solution: null });
    expect(r.rounds).toHaveLength(2);
  });

  it("lets a writer's error through instead of counting it as a failed round", async () => {
    const failing: RoundWriter = { write: async () => Promise.reject(new Error("key refused")) };
    await expect(runLearningLoop({ task, writer: failing, judge, signal })).rejects.toThrow("key refused");
  });

  it("refuses a number of rounds outside 1..20", async () => {
    await expect(runLearningLoop({ task, maxRounds: 0, writer: writer([]), judge, signal })).rejects.toThrow("rounds must be a whole number from 1 to 20");
  });
});
