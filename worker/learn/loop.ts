/**
 * The learning loop, pure: ask for a program, judge it (compile → run against the plant →
 * check every criterion), give the verdict back, until every criterion passes or the rounds
 * run out. The writer (Claude, or a fake), the judge (the ST engine and a plant) and the clock
 * come in from outside, so the loop is tested without a network, a plant or real time.
 */
import { type TokenUsage, zeroUsage } from "../agents/usage.ts";
import type { Feedback, LearnTask, RoundInput } from "./prompt.ts";
import type { TimingTrace } from "./timing-svg.ts";

/** The default number of rounds (issue 12: pass within 5). */
export const DEFAULT_ROUNDS = 5;

/** One criterion's result as the judge reports it. */
export interface CriterionResult {
  id: string;
  text: string;
  pass: boolean;
  /** When it was first violated (simulated ms), for a failed criterion. */
  atMs: number | null;
  /** The judge's explanation, for a failed criterion. */
  reason?: string;
}

/** What the judge made of one program. */
export type RoundVerdict =
  | { kind: "compile-error"; message: string }
  | { kind: "runtime-error"; message: string; atMs: number | null }
  | {
      kind: "fail";
      criteria: CriterionResult[];
      /** The first violated criterion (earliest in time), with the trace excerpt around it. */
      first: { id: string; text: string; atMs: number | null; reason: string; excerpt: string };
    }
  | { kind: "pass"; criteria: CriterionResult[] };

/** A judged run: the verdict, and the trace of the run when there was one (for the timing diagram). */
export interface JudgedRun {
  verdict: RoundVerdict;
  trace?: TimingTrace;
  /** A few lines summarising the run (parts moved, outputs' activity), for the artifacts. */
  summary?: string;
}

/** Compiles, runs and judges one program of a task. */
export type Judge = (program: string, round: number, signal: AbortSignal) => Promise<JudgedRun>;

/** One program as a writer returns it. */
export interface WrittenProgram {
  program: string;
  notes: string | null;
  /** The model that answered (as the API names it). */
  model: string;
  usage: TokenUsage;
  requests: number;
  /** The user message of the round, for the record (and the tests). */
  prompt: string;
}

/** Writes one round's program (ClaudeProgramWriter, or a fake in tests). The loop depends on this, not on Claude. */
export interface RoundWriter {
  write(input: RoundInput, signal: AbortSignal): Promise<WrittenProgram>;
}

/** One round as the loop records it. */
export interface RoundRecord {
  round: number;
  program: string;
  notes: string | null;
  prompt: string;
  verdict: RoundVerdict;
  usage: TokenUsage;
  requests: number;
  /** Wall ms the round took (writer + judge), from the injected clock. */
  ms: number;
  /** The run's trace when the program ran (for the round's timing diagram); not recorded in the ledger. */
  trace?: TimingTrace;
}

/** How a loop ended. */
export interface LoopResult {
  passed: boolean;
  rounds: RoundRecord[];
  /** The round whose program passed, or null. */
  passingRound: number | null;
  solution: string | null;
  /** The passing run's trace and summary (null when nothing passed). */
  trace: TimingTrace | null;
  summary: string | null;
  usage: TokenUsage;
  requests: number;
  model: string | null;
}

export interface LoopOptions {
  task: LearnTask;
  maxRounds?: number;
  writer: RoundWriter;
  judge: Judge;
  signal: AbortSignal;
  now?: () => number;
  /** Called after each judged round (progress, artifacts). */
  onRound?: (round: RoundRecord) => void | Promise<void>;
}

/** What the model is told about a verdict that is not a pass. */
export function feedbackOf(verdict: Exclude<RoundVerdict, { kind: "pass" }>): Feedback {
  switch (verdict.kind) {
    case "compile-error":
      return { kind: "compile-error", message: verdict.message };
    case "runtime-error":
      return { kind: "runtime-error", message: verdict.message };
    case "fail":
      return {
        kind: "criterion-failed",
        criterionId: verdict.first.id,
        criterionText: verdict.first.text,
        atMs: verdict.first.atMs,
        reason: verdict.first.reason,
        excerpt: verdict.first.excerpt,
        results: verdict.criteria.map((c) => ({ id: c.id, pass: c.pass })),
      };
  }
}

/** One line for a verdict: "pass (7/7 criteria)", "compile error: ...", "C3 failed at 4.2 s". */
export function describeVerdict(v: RoundVerdict): string {
  switch (v.kind) {
    case "pass":
      return `pass (${v.criteria.length}/${v.criteria.length} criteria)`;
    case "compile-error":
      return `compile error: ${v.message.split("\n")[0]}`;
    case "runtime-error":
      return `runtime error: ${v.message.split("\n")[0]}`;
    case "fail": {
      const passed = v.criteria.filter((c) => c.pass).length;
      const at = v.first.atMs === null ? "" : ` at ${v.first.atMs} ms`;
      return `criterion ${v.first.id} failed${at} (${passed}/${v.criteria.length} criteria pass)`;
    }
  }
}

const add = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
  cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
});

/**
 * Runs the loop: at most `maxRounds` rounds of write → judge, stopping at the first pass.
 * Writer errors (a refused key, an exhausted retry budget) propagate: they are not the
 * program's fault and must not be counted as a failed round.
 */
export async function runLearningLoop(o: LoopOptions): Promise<LoopResult> {
  const maxRounds = o.maxRounds ?? DEFAULT_ROUNDS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1 || maxRounds > 20) throw new RangeError(`rounds must be a whole number from 1 to 20, not ${maxRounds}`);
  const now = o.now ?? Date.now;
  const rounds: RoundRecord[] = [];
  let usage = zeroUsage();
  let requests = 0;
  let model: string | null = null;
  let previous: RoundInput["previous"] = null;
  for (let round = 1; round <= maxRounds; round++) {
    const started = now();
    const written = await o.writer.write({ task: o.task, round, maxRounds, previous }, o.signal);
    usage = add(usage, written.usage);
    requests += written.requests;
    model = written.model;
    const judged = await o.judge(written.program, round, o.signal);
    const record: RoundRecord = {
      round,
      program: written.program,
      notes: written.notes,
      prompt: written.prompt,
      verdict: judged.verdict,
      usage: written.usage,
      requests: written.requests,
      ms: Math.max(0, now() - started),
      ...(judged.trace ? { trace: judged.trace } : {}),
    };
    rounds.push(record);
    await o.onRound?.(record);
    if (judged.verdict.kind === "pass") {
      return { passed: true, rounds, passingRound: round, solution: written.program, trace: judged.trace ?? null, summary: judged.summary ?? null, usage, requests, model };
    }
    previous = { program: written.program, feedback: feedbackOf(judged.verdict) };
  }
  return { passed: false, rounds, passingRound: null, solution: null, trace: null, summary: null, usage, requests, model };
}
