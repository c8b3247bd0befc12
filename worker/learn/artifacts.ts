/**
 * The files one learning run leaves, under WORK_DIR/artifacts/learn/<task>/<hash>/ (the hash of
 * the run's inputs, so runs of different task versions or models never overwrite each other):
 *
 *   round-N.prompt.txt     what the model was told in round N (absent for a reference check)
 *   round-N.st             the program of round N
 *   round-N.verdict.json   its verdict, tokens and notes
 *   round-N.timing.svg     the timing diagram of a round that ran and failed, its first violation marked
 *   solution.st            the passing program
 *   trace-summary.txt      a few lines on the passing run
 *   timing.svg             the timing diagram of the passing run
 *   learn.json             rounds, verdicts in one line each, tokens, cost: the run's summary
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TokenUsage } from "../agents/usage.ts";
import { type LoopResult, type RoundRecord, describeVerdict } from "./loop.ts";
import { timingDiagramSvg } from "./timing-svg.ts";

/** The run's folder, relative to the artifacts dir. */
export const learnRunDir = (taskId: string, hash: string) => `learn/${taskId}/${hash.slice(0, 16)}`;

/** learn.json: what `factory learn --json`, the ledger and the benchmark read. */
export interface LearnSummary {
  task: string;
  title: string;
  /** "claude": the model wrote it; "reference": the task's reference solution was checked, no model was asked. */
  writer: "claude" | "reference";
  model: string | null;
  promptVersion: string;
  plant: string;
  maxRounds: number;
  passed: boolean;
  passingRound: number | null;
  rounds: { round: number; verdict: string; kind: string; tokens: TokenUsage; requests: number; ms: number }[];
  usage: TokenUsage;
  requests: number;
  /** US dollars at the model's list price, or null when the price is unknown (or no model was asked). */
  costUsd: number | null;
  /** The inputs' hash (the ledger key). */
  hash: string;
}

async function put(root: string, rel: string, text: string): Promise<string> {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return rel;
}

/** Writes one round's files as soon as it is judged (a crash later keeps what was learnt). */
export async function writeRound(artifactsDir: string, dir: string, r: RoundRecord): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  if (r.prompt) files[`round${r.round}Prompt`] = await put(artifactsDir, `${dir}/round-${r.round}.prompt.txt`, `${r.prompt}\n`);
  files[`round${r.round}Program`] = await put(artifactsDir, `${dir}/round-${r.round}.st`, r.program.endsWith("\n") ? r.program : `${r.program}\n`);
  const verdict = { round: r.round, verdict: r.verdict, summary: describeVerdict(r.verdict), notes: r.notes, tokens: r.usage, requests: r.requests, ms: r.ms };
  files[`round${r.round}Verdict`] = await put(artifactsDir, `${dir}/round-${r.round}.verdict.json`, `${JSON.stringify(verdict, null, 2)}\n`);
  if (r.trace && r.verdict.kind === "fail") {
    const title = `round ${r.round}: ${describeVerdict(r.verdict)}`;
    files[`round${r.round}Timing`] = await put(artifactsDir, `${dir}/round-${r.round}.timing.svg`, timingDiagramSvg(r.trace, title));
  }
  return files;
}

/** Writes the run's closing files (solution, trace summary, timing diagram, learn.json). */
export async function writeRunFiles(
  artifactsDir: string,
  dir: string,
  result: LoopResult,
  summary: LearnSummary,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  if (result.solution !== null) {
    files.solution = await put(artifactsDir, `${dir}/solution.st`, result.solution.endsWith("\n") ? result.solution : `${result.solution}\n`);
  }
  if (result.summary) files.traceSummary = await put(artifactsDir, `${dir}/trace-summary.txt`, `${result.summary.trim()}\n`);
  if (result.trace) {
    const who = summary.writer === "claude" ? `${summary.model}, round ${summary.passingRound}` : "reference solution";
    const title = `${summary.task}: ${summary.title} (passed, ${who})`;
    files.timing = await put(artifactsDir, `${dir}/timing.svg`, timingDiagramSvg(result.trace, title));
  }
  files.summary = await put(artifactsDir, `${dir}/learn.json`, `${JSON.stringify(summary, null, 2)}\n`);
  return files;
}

/** The run's rounds as learn.json lists them. */
export function roundLines(result: LoopResult): LearnSummary["rounds"] {
  return result.rounds.map((r) => ({ round: r.round, verdict: describeVerdict(r.verdict), kind: r.verdict.kind, tokens: r.usage, requests: r.requests, ms: r.ms }));
}
