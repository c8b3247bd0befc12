/**
 * Runs a job's plan against the ledger: the thin shell around plan.ts.
 *
 * Steps run one at a time, in plan order. Each step is either skipped (a finished run with the
 * same input hash is in the ledger: its output is reused) or run, with "running" written to the
 * ledger before and its output after, so a worker killed at any moment resumes at the first
 * unfinished step. Between steps the runner checks the soft stop (shutdown, lost lease) and
 * hands back "stopped" rather than starting the next step.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Job, JobResult, Progress, StepReport } from "../../shared/jobs.ts";
import type { Ledger, StepId } from "../ledger.ts";
import { assemblePlan, decideStep, depsOf } from "./plan.ts";
import { requestedCount, selectLessons } from "./lesson-count.ts";
import {
  StepError,
  type KnowledgeBase,
  type Logger,
  type PipelineSettings,
  type RepoSnapshot,
  type Stage,
  type StepContext,
  type StepOutput,
} from "./types.ts";

/** Loads the knowledge base of a checkout: the KB, or a formatted report of its problems. */
export type KbLoader = (repoDir: string) => Promise<{ kb: KnowledgeBase | null; problems: string | null }>;

/** Everything one pipeline run needs; I/O and time come in from outside. */
export interface RunPipelineOptions {
  job: Job | null;
  snapshot: RepoSnapshot;
  stages: readonly Stage[];
  ledger: Ledger;
  settings: PipelineSettings;
  /** WORK_DIR, absolute. */
  workDir: string;
  loadKb: KbLoader;
  log: Logger;
  /** Hard stop, handed to every step: the step should stop at its next safe point. */
  signal: AbortSignal;
  /** Soft stop, checked between steps: no further step starts. */
  stopAtBoundary?: AbortSignal;
  now?: () => number;
  /** Overall progress (drives heartbeats and the progress bar). */
  onProgress?: (p: Progress) => void;
}

/** How a pipeline run ended. `result` always says what ran before the end. */
export type PipelineOutcome =
  | { kind: "completed"; result: JobResult }
  | { kind: "failed"; error: string; retryable: boolean; retryAt?: number; result: JobResult }
  | { kind: "stopped"; reason: string; result: JobResult };

/** Runs the pipeline for one job (or one local run). Never throws for a step's failure. */
export async function runPipeline(o: RunPipelineOptions): Promise<PipelineOutcome> {
  const now = o.now ?? Date.now;
  const repository = o.snapshot.repository;
  const artifactsDir = join(o.workDir, "artifacts");
  const reports: StepReport[] = [];
  const outputs = new Map<string, StepOutput>();
  const headlines: string[] = [];
  const result = () => summarise(o.snapshot.sha, reports, headlines);
  const stopReason = () => stopReasonOf(o.stopAtBoundary) ?? stopReasonOf(o.signal);

  const fail = (e: unknown, step?: string): PipelineOutcome => {
    const err = e instanceof StepError ? e : null;
    const message = (err?.message ?? (e instanceof Error ? e.message : String(e))) || "unknown error";
    o.log.error(`failed: ${message}`, { step: step ?? null, retryable: err ? err.retryable : true });
    return {
      kind: "failed",
      error: (step ? `step ${step}: ${message}` : message).slice(0, 8000),
      // An unexpected exception (not a StepError) may be transient: let the relay's attempts decide.
      retryable: err ? err.retryable : true,
      ...(err?.retryAt !== undefined ? { retryAt: err.retryAt } : {}),
      result: result(),
    };
  };

  let kb: KnowledgeBase | null;
  try {
    const loaded = await o.loadKb(o.snapshot.dir);
    if (loaded.problems) {
      return fail(new StepError(`the knowledge base has problems; fix them and push again:\n${loaded.problems}`, false), "kb-load");
    }
    kb = loaded.kb;
  } catch (e) {
    return fail(e, "kb-load");
  }

  // "Make the next N lessons": the lessons made so far plus the next N in course order.
  let only: Set<string> | undefined;
  const count = requestedCount(o.job);
  if (kb && count !== null) {
    const made = new Set(o.ledger.listStepRuns({ kind: "publish", repository }).flatMap((r) => (r.state === "done" ? [r.key.replace(/^publish:/, "")] : [])));
    const pick = selectLessons(kb, made, count);
    only = pick.only;
    o.log.info(
      `count ${count}: ${pick.fresh.length ? `new lessons ${pick.fresh.join(", ")}` : "no lesson left to make"}; ${pick.waiting} wait for a later job`,
      { fresh: pick.fresh, waiting: pick.waiting },
    );
  }

  let plan;
  try {
    plan = assemblePlan(o.stages, { snapshot: o.snapshot, kb, settings: o.settings, job: o.job, ...(only ? { only } : {}) });
  } catch (e) {
    return fail(e instanceof StepError ? e : new StepError(`planning failed: ${(e as Error).message}`, false));
  }
  o.log.info(`plan: ${plan.length} step(s)`, { steps: plan.map((s) => s.key) });

  for (const [index, step] of plan.entries()) {
    const why = stopReason();
    if (why) return { kind: "stopped", reason: why, result: result() };
    const log = o.log.child({ step: step.key });
    const deps = depsOf(step, outputs);
    let decision;
    try {
      decision = decideStep(step, deps, (key, hash) => {
        const done = o.ledger.findDone({ repository, key, inputHash: hash })?.output ?? null;
        // A finished run whose files were deleted (disk clean-up) is made again; steps with
        // outside side effects resume from their recorded ids, so nothing is published twice.
        const missing = done && Object.values(done.files ?? {}).find((f) => !existsSync(resolve(artifactsDir, f)));
        if (missing) log.info(`running again: its output ${missing} is gone`);
        return missing ? null : done;
      });
    } catch (e) {
      return fail(e, step.key);
    }
    if (decision.action === "skip") {
      outputs.set(step.key, decision.output);
      reports.push({ key: step.key, kind: step.kind, status: "skipped", ms: 0, produced: [], note: "unchanged" });
      log.info("skipped: unchanged since its last run");
      continue;
    }

    const id: StepId = { repository, key: step.key, inputHash: decision.inputHash };
    const recorded = o.ledger.recorded(id);
    o.ledger.startStep(id, step.kind, o.job?.id ?? null, now());
    const started = now();
    // Progress.step is at most 200 characters on the wire.
    o.onProgress?.({ step: step.key.slice(0, 200), fraction: index / plan.length });
    log.info(Object.keys(recorded).length ? "resuming with recorded values" : "running", {
      recorded: Object.keys(recorded),
    });
    const ctx: StepContext = {
      job: o.job,
      snapshot: o.snapshot,
      kb,
      workDir: o.workDir,
      artifactsDir,
      settings: o.settings,
      signal: o.signal,
      log,
      deps,
      recorded,
      record: (name, value) => o.ledger.record(id, name, value, now()),
      // Oldest first, so the latest finished run of a key is the one kept.
      doneOutputs: (kind) => new Map(o.ledger.listStepRuns({ kind, repository }).flatMap((r) => (r.state === "done" && r.output ? [[r.key, r.output] as const] : []))),
      progress: (fraction, message) =>
        o.onProgress?.({
          step: step.key.slice(0, 200),
          fraction: (index + Math.min(Math.max(fraction, 0), 1)) / plan.length,
          ...(message ? { message: message.slice(0, 1000) } : {}),
        }),
    };
    let output: StepOutput;
    try {
      output = await step.run(ctx);
      // Recorded as JSON: refuse now what could not be read back later.
      JSON.parse(JSON.stringify(output ?? {}));
    } catch (e) {
      const interrupted = o.signal.aborted && !(e instanceof StepError);
      const message = interrupted ? `interrupted: ${stopReasonOf(o.signal)}` : e instanceof Error ? e.message : String(e);
      o.ledger.failStep(id, message, now());
      if (interrupted) {
        log.warn("interrupted; it will run again on the next attempt");
        return { kind: "stopped", reason: stopReasonOf(o.signal) ?? "aborted", result: result() };
      }
      reports.push({ key: step.key, kind: step.kind, status: "failed", ms: now() - started, produced: [], note: message.slice(0, 500) });
      return fail(e, step.key);
    }
    output = output ?? {};
    o.ledger.finishStep(id, output, now());
    outputs.set(step.key, output);
    if (output.headline) headlines.push(output.headline);
    const produced = producedBy(output);
    reports.push({
      key: step.key,
      kind: step.kind,
      status: "ran",
      ms: Math.max(0, now() - started),
      produced,
      ...(output.note ? { note: output.note.slice(0, 500) } : {}),
    });
    log.info(output.note ? `done: ${output.note}` : "done", { produced });
  }
  o.onProgress?.({ fraction: 1, message: "done" });
  return { kind: "completed", result: result() };
}

/** Files (relative to artifacts/) and external ids ("videoId=abc") a step produced. */
function producedBy(out: StepOutput): string[] {
  return [
    ...Object.values(out.files ?? {}),
    ...Object.entries(out.external ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
}

function summarise(sha: string | null, steps: StepReport[], headlines: readonly string[] = []): JobResult {
  const ran = steps.filter((s) => s.status === "ran").length;
  const skipped = steps.filter((s) => s.status === "skipped").length;
  const produced = steps.flatMap((s) => s.produced);
  const failed = steps.find((s) => s.status === "failed");
  const summary =
    `${ran} step(s) ran, ${skipped} skipped as unchanged` +
    (produced.length ? `, produced ${produced.length} item(s)` : "") +
    (failed ? `; ${failed.key} failed` : "") +
    headlines.map((h) => `; ${h}`).join("");
  return { sha, steps: steps.slice(0, 500), ran, skipped, produced: produced.slice(0, 1000), summary: summary.slice(0, 2000) };
}

function stopReasonOf(signal: AbortSignal | undefined): string | null {
  if (!signal?.aborted) return null;
  const r: unknown = signal.reason;
  if (r instanceof Error) return r.message;
  return typeof r === "string" ? r : "stopped";
}

/** The real knowledge-base loader (worker/kb/load.ts) in the runner's shape. */
export const defaultKbLoader: KbLoader = async (repoDir) => {
  const { loadKnowledgeBase, formatProblems } = await import("../kb/load.ts");
  const { kb, problems } = await loadKnowledgeBase(repoDir, { sources: true });
  return { kb, problems: problems.length ? formatProblems(problems) : null };
};
