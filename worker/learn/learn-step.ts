/**
 * One task learnt as a pipeline step (`learn:<task>`, kind "learn"): the one place where the
 * loop, the writer, the judge, the artifacts and the ledger meet. `factory learn`, the
 * `factory.learn` job and the learn stage of a push all run this step through the pipeline
 * runner, so they share its ledger key and input hash: an unchanged task is skipped (0 tokens).
 *
 * The hashed inputs are the task, the writer ("claude" with its model and prompt version, or
 * "reference" with the reference source), the rounds and the plant. The reference solution is
 * not an input of a Claude run: the model never sees it.
 *
 * Without ANTHROPIC_API_KEY the writer is "reference": the task's own kb/sim/<id>.st goes
 * through the same judge in one round, and everything says that no model was asked.
 */
import type { SimTask } from "../../shared/sim.ts";
import { costUsd, priceOf } from "../agents/pricing.ts";
import { zeroUsage } from "../agents/usage.ts";
import { inputHash } from "../pipeline/plan.ts";
import { type PlannedStep, StepError, type StepContext, type StepOutput } from "../pipeline/types.ts";
import { chooseWriter, parseContentSettings } from "../steps/content-stage.ts";
import { ClaudeProgramWriter } from "./agent.ts";
import { forcedToolOptions } from "../agents/forced-tool.ts";
import { type LearnSummary, learnRunDir, roundLines, writeRound, writeRunFiles } from "./artifacts.ts";
import { DEFAULT_ROUNDS, type Judge, type RoundRecord, type RoundWriter, describeVerdict, runLearningLoop } from "./loop.ts";
import { LEARN_PROMPT_VERSION } from "./prompt.ts";

export const LEARN_STEP_KIND = "learn";
/** Bump when this file or the judge changes what a run would conclude: every task is then learnt again. */
export const LEARN_STEP_VERSION = 1;
export const learnStepKey = (taskId: string) => `learn:${taskId}`;

export type PlantKind = "builtin" | "factoryio";
export type LearnWriter = "claude" | "reference";

/** The sentence every no-key run prints. */
export const NO_MODEL_ASKED = "No ANTHROPIC_API_KEY is set, so no model was asked: the task's reference solution was checked through the same judge.";

/** What decides a learning run's result; hashed into the ledger key. */
export interface LearnStepInputs {
  task: SimTask;
  writer: LearnWriter;
  model: string | null;
  promptVersion: string | null;
  maxRounds: number;
  plant: PlantKind;
  /** The reference source, only when writer = "reference". */
  reference: string | null;
}

/** A task with its reference solution, as the step reads it. */
export interface TaskSource {
  task: SimTask;
  reference: string | null;
}

/** What a finished learn step leaves in the ledger (StepOutput.data). */
export interface LearnStepData extends LearnSummary {
  /** The passing program, for the write-back. */
  solution: string | null;
}

/** Builds the judge of one task; the default compiles with the ST engine and runs a plant. */
export type JudgeFactory = (
  task: SimTask,
  plant: PlantKind,
  ctx: { settings: Record<string, unknown>; signal: AbortSignal; writer: LearnWriter; env: Record<string, string | undefined> },
) => Judge | Promise<Judge>;

/** What the step takes from outside, injectable for tests. */
export interface LearnStepDeps {
  env?: Record<string, string | undefined>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  makeJudge?: JudgeFactory;
  /** Called after each judged round (the CLI prints it). */
  onRound?: (taskId: string, round: RoundRecord, writer: LearnWriter) => void;
}

/** Which writer a run uses and with which model, from settings.content and the environment. */
export function learnWriter(settings: Record<string, unknown>, env: Record<string, string | undefined>): { writer: LearnWriter; model: string | null } {
  const s = parseContentSettings(settings);
  const w = chooseWriter(s, env);
  return w === "claude" ? { writer: "claude", model: s.model } : { writer: "reference", model: null };
}

/** The step's hashed inputs. Pure. */
export function learnInputs(src: TaskSource, o: { writer: LearnWriter; model: string | null; maxRounds: number; plant: PlantKind }): LearnStepInputs {
  const claude = o.writer === "claude";
  return {
    task: src.task,
    writer: o.writer,
    model: claude ? o.model : null,
    promptVersion: claude ? LEARN_PROMPT_VERSION : null,
    maxRounds: claude ? o.maxRounds : 1,
    plant: o.plant,
    reference: claude ? null : src.reference,
  };
}

/** The ledger hash of a run (the same the pipeline runner computes). */
export const learnHash = (inputs: LearnStepInputs) => inputHash(LEARN_STEP_KIND, LEARN_STEP_VERSION, inputs);

/** The writer that hands in the task's reference solution: one round, no model, no tokens. */
function referenceWriter(reference: string): RoundWriter {
  return { write: async () => ({ program: reference, notes: null, model: "reference", usage: zeroUsage(), requests: 0, prompt: "" }) };
}

const defaultJudge: JudgeFactory = async (task, plant, ctx) => {
  // Imported on use: the engine and the plants are not needed to plan, or for a skipped step.
  const { createTaskJudge } = await import("./judge-program.ts");
  return createTaskJudge(task, plant, ctx.settings, { writer: ctx.writer, env: ctx.env });
};

export interface LearnStepOptions {
  taskId: string;
  dependsOn: string[];
  /** The task and its reference: fixed (the CLI read it) or from a dependency's output (a push). */
  source: (deps: Readonly<Record<string, StepOutput>>) => TaskSource;
  settings: Record<string, unknown>;
  maxRounds?: number;
  plant?: PlantKind;
  deps?: LearnStepDeps;
}

/** The `learn:<task>` step. Planning is pure; run() asks, judges, writes the artifacts. */
export function learnStep(o: LearnStepOptions): PlannedStep {
  const d = o.deps ?? {};
  const env = d.env ?? process.env;
  const { writer, model } = learnWriter(o.settings, env);
  const maxRounds = o.maxRounds ?? DEFAULT_ROUNDS;
  const plant = o.plant ?? "builtin";
  return {
    key: learnStepKey(o.taskId),
    kind: LEARN_STEP_KIND,
    version: LEARN_STEP_VERSION,
    dependsOn: o.dependsOn,
    inputs: (deps) => learnInputs(o.source(deps), { writer, model, maxRounds, plant }),
    run: (ctx) => {
      const src = o.source(ctx.deps);
      return runLearnStep(ctx, src, learnInputs(src, { writer, model, maxRounds, plant }), o.settings, d, env);
    },
  };
}

async function runLearnStep(
  ctx: StepContext,
  src: TaskSource,
  inputs: LearnStepInputs,
  settings: Record<string, unknown>,
  d: LearnStepDeps,
  env: Record<string, string | undefined>,
): Promise<StepOutput> {
  const { task } = src;
  const hash = learnHash(inputs);
  const dir = learnRunDir(task.id, hash);
  let writer: RoundWriter;
  if (inputs.writer === "reference") {
    if (src.reference === null) {
      throw new StepError(`No ANTHROPIC_API_KEY is set, so no model was asked, and task "${task.id}" has no reference solution (kb/sim/${task.id}.st) to check. Add one, or set ANTHROPIC_API_KEY to let Claude write the program.`, false);
    }
    writer = referenceWriter(src.reference);
  } else {
    const s = parseContentSettings(settings);
    const apiKey = env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      throw new StepError('settings.content.writer is "claude" but ANTHROPIC_API_KEY is not set: export it in the worker\'s environment, or set the writer to "auto".', false);
    }
    writer = new ClaudeProgramWriter(forcedToolOptions(apiKey, s, env, d));
  }
  const judge = await (d.makeJudge ?? defaultJudge)(task, inputs.plant, { settings, signal: ctx.signal, writer: inputs.writer, env });
  const files: Record<string, string> = {};
  ctx.progress(0, inputs.writer === "claude" ? `learning ${task.id} with ${inputs.model}` : `checking the reference solution of ${task.id}`);
  const result = await runLearningLoop({
    task,
    maxRounds: inputs.maxRounds,
    writer,
    judge,
    signal: ctx.signal,
    ...(d.now ? { now: d.now } : {}),
    onRound: async (r) => {
      Object.assign(files, await writeRound(ctx.artifactsDir, dir, r));
      ctx.log.info(`round ${r.round}: ${describeVerdict(r.verdict)}`, { task: task.id });
      ctx.progress(r.round / inputs.maxRounds, `round ${r.round}: ${describeVerdict(r.verdict)}`);
      d.onRound?.(task.id, r, inputs.writer);
    },
  });
  const price = result.model && inputs.writer === "claude" ? priceOf(result.model) : null;
  const summary: LearnSummary = {
    task: task.id,
    title: task.title,
    writer: inputs.writer,
    model: inputs.writer === "claude" ? (result.model ?? inputs.model) : null,
    promptVersion: inputs.promptVersion ?? "none",
    plant: inputs.plant,
    maxRounds: inputs.maxRounds,
    passed: result.passed,
    passingRound: result.passingRound,
    rounds: roundLines(result),
    usage: result.usage,
    requests: result.requests,
    costUsd: price ? costUsd(result.usage, price) : null,
    hash,
  };
  Object.assign(files, await writeRunFiles(ctx.artifactsDir, dir, result, summary));
  ctx.progress(1);
  const data: LearnStepData = { ...summary, solution: result.solution };
  const who = inputs.writer === "claude" ? `${summary.model}` : "reference solution (no model was asked)";
  const tokens = inputs.writer === "claude" ? `, ${result.usage.inputTokens} in + ${result.usage.cacheReadInputTokens} cached + ${result.usage.outputTokens} out tokens` : "";
  return {
    data,
    files,
    usage: { ...result.usage, rounds: result.rounds.length },
    note: result.passed
      ? `${task.id}: passed every criterion in round ${result.passingRound} of ${inputs.maxRounds} (${who}${tokens})`
      : `${task.id}: no pass within ${inputs.maxRounds} round(s) (${who}${tokens}); last: ${describeVerdict(result.rounds[result.rounds.length - 1]!.verdict)}`,
  };
}
