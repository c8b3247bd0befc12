/**
 * `factory learn <task-id> [--rounds 5] [--plant builtin|factoryio] [--kb <dir>] [--json]`:
 * Claude writes a Structured Text program for one simulation task, the program runs against
 * the plant, the judge's verdict goes back, until every acceptance criterion passes.
 *
 * Without ANTHROPIC_API_KEY no model is asked: the task's reference solution goes through the
 * same judge, and the output says so plainly. The run is the `learn:<task>` step of the
 * pipeline (worker/learn/learn-step.ts) under the worker's ledger, so running it again on an
 * unchanged task costs 0 tokens and prints the recorded result.
 *
 * Exit codes: 0 every criterion passed, 1 no pass within the rounds (or the run failed),
 * 2 bad input (unknown task, invalid task file, bad option).
 */
import type { Command } from "commander";
import { join, resolve } from "node:path";
import type { WorkerConfig } from "../config.ts";
import { Ledger } from "../ledger.ts";
import { learnRunDir } from "../learn/artifacts.ts";
// Types only: the step pulls in the Anthropic SDK, the ST engine and the plants, which every other
// `factory` command would pay for at start-up (docs/decisions.md); learnCommand imports them on use.
import type { LearnStepData, LearnStepDeps, PlantKind } from "../learn/learn-step.ts";
import { DEFAULT_ROUNDS, describeVerdict } from "../learn/loop.ts";
import { createLogger, maskSecrets, processSecrets, silentLogger } from "../log.ts";
import { runPipeline } from "../pipeline/runner.ts";
import { StepError, type Logger } from "../pipeline/types.ts";
import { configOrExit } from "./worker.ts";

/** Exit codes of `factory learn`. */
export const LEARN_EXIT = { passed: 0, notPassed: 1, badInput: 2 } as const;

/** Options of one `factory learn` run. */
export interface LearnCommandOptions {
  rounds: number;
  plant: PlantKind;
  /** The knowledge-base folder holding sim/ (default ./kb). */
  kb: string;
  json: boolean;
}

/** What the command did, for tests and --json. */
export interface LearnCommandResult {
  exit: number;
  /** The run's result (recorded or new); null when it never ran. */
  result: LearnStepData | null;
  /** True when the ledger held this exact run: nothing was asked or judged again. */
  unchanged: boolean;
  /** The run's artifacts folder (absolute), when it ran or was recorded. */
  artifacts: string | null;
  error: string | null;
}

const tokensLine = (r: LearnStepData) =>
  `${r.usage.inputTokens} input + ${r.usage.cacheCreationInputTokens} cache write + ${r.usage.cacheReadInputTokens} cache read + ${r.usage.outputTokens} output tokens in ${r.requests} request(s)` +
  (r.costUsd === null ? (r.model ? ` (price of ${r.model} unknown)` : "") : `, $${r.costUsd.toFixed(4)}`);

/** Validates the parsed options; returns an error sentence or null. */
export function checkLearnOptions(o: { rounds: number; plant: string }): string | null {
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 20) return "--rounds must be a whole number from 1 to 20";
  if (o.plant !== "builtin" && o.plant !== "factoryio") return `--plant must be "builtin" or "factoryio", not "${o.plant}"`;
  return null;
}

/**
 * Runs `factory learn` for one task. Never throws for expected failures: the message is printed
 * (through `say`) and the exit code returned.
 */
export async function learnCommand(
  config: WorkerConfig,
  taskId: string,
  o: LearnCommandOptions,
  parts: LearnStepDeps & { say?: (line: string) => void; log?: Logger; signal?: AbortSignal } = {},
): Promise<LearnCommandResult> {
  const say = parts.say ?? ((l: string) => console.log(l));
  const env = parts.env ?? process.env;
  const done = (exit: number, raw: string | null, extra: Partial<LearnCommandResult> = {}): LearnCommandResult => {
    // An SDK or network message may quote a URL or a header: never let a secret through.
    const error = raw === null ? null : maskSecrets(raw, processSecrets(config, env));
    if (error) say(error);
    return { exit, result: null, unchanged: false, artifacts: null, error, ...extra };
  };
  const bad = checkLearnOptions(o);
  if (bad) return done(LEARN_EXIT.badInput, bad);
  const { NO_MODEL_ASKED, learnHash, learnInputs, learnStep, learnStepKey, learnWriter } = await import("../learn/learn-step.ts");
  const { TaskFileError, loadSimTask } = await import("../learn/task-file.ts");
  const kbDir = resolve(o.kb);
  let loaded;
  let writer;
  try {
    loaded = await loadSimTask(kbDir, taskId);
    writer = learnWriter(config.settings, env);
  } catch (e) {
    if (e instanceof TaskFileError || e instanceof StepError) return done(LEARN_EXIT.badInput, e.message);
    throw e;
  }
  const { task } = loaded;
  if (writer.writer === "reference") {
    if (!o.json) say(NO_MODEL_ASKED); // --json carries it as "note", so stdout stays one JSON document
    if (loaded.reference === null) {
      return done(LEARN_EXIT.badInput, `Task "${task.id}" has no reference solution (${loaded.referenceFile}) to check. Add one, or set ANTHROPIC_API_KEY to let Claude write the program.`);
    }
  } else if (!o.json) {
    say(`Learning ${task.id} ("${task.title}") with ${writer.model}: up to ${o.rounds} round(s) against the ${o.plant} plant.`);
  }
  const inputs = learnInputs(loaded, { ...writer, maxRounds: o.rounds, plant: o.plant });
  const hash = learnHash(inputs);
  const key = learnStepKey(task.id);
  const step = learnStep({
    taskId: task.id,
    dependsOn: [],
    source: () => loaded,
    settings: config.settings,
    maxRounds: o.rounds,
    plant: o.plant,
    deps: {
      ...parts,
      env,
      onRound: (id, r, w) => {
        if (!o.json) say(w === "reference" ? `reference solution ${loaded.referenceFile}: ${describeVerdict(r.verdict)}` : `round ${r.round}: ${describeVerdict(r.verdict)}`);
        parts.onRound?.(id, r, w);
      },
    },
  });
  // The command prints the outcome itself; the runner's log lines only with FACTORY_LOG_LEVEL set.
  const log = parts.log ?? (process.env.FACTORY_LOG_LEVEL ? createLogger({ secrets: processSecrets(config, env) }) : silentLogger);
  const ledger = Ledger.open(join(config.workDir, "ledger.sqlite"));
  try {
    const outcome = await runPipeline({
      job: null,
      snapshot: { dir: resolve(kbDir, ".."), sha: null, repository: "local", branch: "local", changes: null },
      stages: [{ name: "learn", plan: () => [step] }],
      ledger,
      settings: config.settings,
      workDir: config.workDir,
      loadKb: async () => ({ kb: null, problems: null }),
      log,
      signal: parts.signal ?? new AbortController().signal,
    });
    if (outcome.kind === "failed") return done(LEARN_EXIT.notPassed, outcome.error.replace(/^step \S+: /, ""));
    if (outcome.kind === "stopped") return done(LEARN_EXIT.notPassed, `stopped: ${outcome.reason}`);
    const unchanged = outcome.result.steps.some((s) => s.key === key && s.status === "skipped");
    const run = ledger.findDone({ repository: "local", key, inputHash: hash });
    const result = (run?.output?.data ?? null) as LearnStepData | null;
    if (!result) return done(LEARN_EXIT.notPassed, `the ledger holds no result for ${key}: run it again`);
    const artifacts = join(config.workDir, "artifacts", learnRunDir(task.id, hash));
    const exit = result.passed ? LEARN_EXIT.passed : LEARN_EXIT.notPassed;
    if (o.json) {
      const noModelAsked = result.writer === "reference";
      say(JSON.stringify({ ...result, unchanged, artifacts, noModelAsked, ...(noModelAsked ? { note: NO_MODEL_ASKED } : {}) }, null, 2));
    } else {
      if (unchanged) say(`Unchanged since the last run (same task, ${result.writer === "claude" ? "prompt version and model" : "reference solution"}): nothing was asked or run again, 0 tokens.`);
      if (unchanged) for (const r of result.rounds) say(`${result.writer === "reference" ? "reference solution" : `round ${r.round}`}: ${r.verdict}`);
      if (result.writer === "reference") {
        say(result.passed ? `PASS: the reference solution of ${task.id} passes every criterion (${task.criteria.length}). No model was asked.` : `FAIL: the reference solution of ${task.id} does not pass. No model was asked.`);
      } else if (result.passed) {
        say(`PASS: ${task.id} passed every criterion in round ${result.passingRound} of ${result.maxRounds}. ${tokensLine(result)}${unchanged ? " (recorded)" : ""}.`);
      } else {
        say(`NO PASS: ${task.id} did not pass within ${result.maxRounds} round(s). ${tokensLine(result)}. Run with more --rounds to try again.`);
      }
      say(`Artifacts: ${artifacts}`);
    }
    return { exit, result, unchanged, artifacts, error: null };
  } finally {
    ledger.close();
  }
}

/** Registers `factory learn`. */
export function registerLearnCommand(program: Command): void {
  program
    .command("learn")
    .description("Let Claude write a Structured Text program for a simulation task until every criterion passes (no key: check the reference solution)")
    .argument("<task-id>", "a task of kb/sim/ (the file name without .json)")
    .option("--rounds <n>", "at most this many rounds", (v) => Number(v), DEFAULT_ROUNDS)
    .option("--plant <plant>", "builtin or factoryio", "builtin")
    .option("--kb <dir>", "the knowledge-base folder that holds sim/", "kb")
    .option("--json", "print the result as JSON")
    .action(async (taskId: string, opts: { rounds: number; plant: string; kb: string; json?: boolean }) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = LEARN_EXIT.badInput);
      const r = await learnCommand(config, taskId, { rounds: opts.rounds, plant: opts.plant as PlantKind, kb: opts.kb, json: Boolean(opts.json) });
      process.exitCode = r.exit;
    });
}
