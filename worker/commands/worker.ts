/**
 * `factory worker`: the long-running worker. Also the pieces `factory run` shares with it:
 * opening the runtime (logger, ledger, relay client) and the job handler (payload → sync →
 * pipeline), so a test entry point can start the same worker with its own stages.
 */
import type { Command } from "commander";
import {
  APPROVE_JOB_TYPE,
  ApprovePayload,
  DispatchPayload,
  KB_REQUEST_JOB_TYPE,
  KbRequestPayload,
  LEARN_JOB_TYPE,
  RELEASE_JOB_TYPE,
  SYNC_JOB_TYPE,
  SyncPayload,
  type ChangedPaths,
  type Job,
  type JobResult,
} from "../../shared/jobs.ts";
import { requireRelay, type WorkerConfig } from "../config.ts";
import { Ledger } from "../ledger.ts";
import { createProcessLogger } from "../log.ts";
import { CLI_APPROVAL_MARK, configOrExit, EXIT } from "./runtime.ts";
import { runLoop, systemClock, type Clock, type JobHandler, type WakeSource } from "../loop.ts";
import { WakeChannel } from "../wake.ts";
import { defaultKbLoader, runPipeline, type KbLoader, type PipelineOutcome } from "../pipeline/runner.ts";
import { StepError, type Logger, type Stage } from "../pipeline/types.ts";
import { RelayClient, UnauthorizedError } from "../relay-client.ts";
import { syncRepository } from "../sync.ts";
import { terminalProgress, type TerminalProgress } from "../terminal-progress.ts";
import { join } from "node:path";
import type { LearnStageDeps } from "../steps/learn-stage.ts";


/** What the worker runs; defaults are the product's, tests pass their own. */
export interface WorkerParts {
  stages?: Stage[];
  loadKb?: KbLoader;
  log?: Logger;
  clock?: Clock;
  /** What `factory.learn` jobs use from outside (tests inject the judge and the environment). */
  learn?: LearnStageDeps;
  /** Commit statuses (tests pass their own; default: GitHub's REST API when GITHUB_TOKEN is set). */
  statuses?: import("../github/jobs.ts").CommitStatusReporter;
}

// Re-exported for commands/learn.ts, which imports it from here (the others use ./runtime.ts).
export { configOrExit };

/** Where the sync of a job should go. */
export interface JobTarget {
  repository: string;
  cloneUrl: string;
  branch: string | null;
  sha: string | null;
  changes: ChangedPaths | null;
}

const issues = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");

/**
 * What a `factory.publish.approve` job asks for: its payload as the dashboard enqueues it, or
 * (from a GitHub `repository_dispatch`) the dispatch's client_payload. Throws a non-retryable
 * StepError when it is malformed: the same payload would fail the same way every time.
 */
export function approveRequest(job: Job): ApprovePayload {
  let raw: unknown = job.payload;
  if (job.payload.trigger === "dispatch") {
    const d = DispatchPayload.safeParse(job.payload);
    if (!d.success) throw new StepError(`job ${job.id} has a malformed ${job.type} payload (${issues(d.error)})`, false);
    raw = { repository: d.data.repository, ...d.data.clientPayload };
  }
  const p = ApprovePayload.safeParse(raw);
  if (!p.success) {
    throw new StepError(
      `job ${job.id} is not a valid approval (${issues(p.error)}): approve again from the dashboard with the atom id \`factory publish list\` shows.`,
      false,
    );
  }
  return p.data;
}

/** Reads what to sync from a job's payload (and the per-repository overrides). Throws StepError. */
export function jobTarget(job: Job, config: Pick<WorkerConfig, "repositories">): JobTarget {
  let t: JobTarget;
  if (job.type === SYNC_JOB_TYPE) {
    const p = SyncPayload.safeParse(job.payload);
    if (!p.success) throw new StepError(`job ${job.id} has a malformed ${job.type} payload (${issues(p.error)})`, false);
    t = { repository: p.data.repository, cloneUrl: p.data.cloneUrl, branch: p.data.branch, sha: p.data.after, changes: p.data.changes };
  } else if (job.type === KB_REQUEST_JOB_TYPE) {
    // An issue asking for an atom: the request is drafted on the default branch's head.
    const p = KbRequestPayload.safeParse(job.payload);
    if (!p.success) throw new StepError(`job ${job.id} has a malformed ${job.type} payload (${issues(p.error)})`, false);
    t = { repository: p.data.repository, cloneUrl: p.data.cloneUrl ?? `https://github.com/${p.data.repository}.git`, branch: null, sha: null, changes: null };
  } else if (job.type.startsWith("factory.")) {
    const p = DispatchPayload.safeParse(job.payload);
    if (!p.success) throw new StepError(`job ${job.id} has a malformed ${job.type} payload (${issues(p.error)})`, false);
    t = { repository: p.data.repository, cloneUrl: p.data.cloneUrl, branch: p.data.branch, sha: null, changes: null };
  } else {
    throw new StepError(
      `this worker does not know job type "${job.type}": it runs ${SYNC_JOB_TYPE} and factory.* jobs. Upgrade the worker (git pull && npm ci), then run "npx factory retry ${job.id}"; or leave the job dead.`,
      false,
    );
  }
  const override = config.repositories[t.repository];
  return {
    ...t,
    cloneUrl: override?.cloneUrl ?? t.cloneUrl,
    branch: t.branch ?? override?.branch ?? null,
  };
}

/** The handler the loop calls for each leased job: sync the repository, then run the pipeline. */
export function createJobHandler(config: WorkerConfig, ledger: Ledger, parts: WorkerParts = {}): JobHandler {
  let stages: Stage[] | undefined = parts.stages;
  const loadKb = parts.loadKb ?? defaultKbLoader;
  const clock = parts.clock ?? systemClock;
  // With concurrency > 1, two jobs of one repository would share its checkout: run them one after another.
  const busy = new Map<string, Promise<unknown>>();
  const handle: JobHandler = async (lease, control) => {
    const job = lease.job;
    if (job.type === APPROVE_JOB_TYPE) return runApprove(job, config, ledger, clock, control.log);
    if (job.type === RELEASE_JOB_TYPE) return runRelease(job, config, ledger, clock, control);
    const statuses = parts.statuses ?? (await import("../github/jobs.ts")).commitStatusReporter(config, control.log);
    let target: JobTarget | null = null;
    let outcome: PipelineOutcome;
    let reported: { repository: string; sha: string } | null = null;
    try {
      target = jobTarget(job, config);
      // A factory.learn job learns the one task it names (checked before the sync); others run the sync pipeline.
      const learn = job.type === LEARN_JOB_TYPE ? await learnJobParts(job, parts) : null;
      ledger.startJob(job.id, target.repository, target.sha, clock.now());
      control.progress({ step: "sync", message: `syncing ${target.repository}` });
      const synced = await syncRepository({
        workDir: config.workDir,
        repository: target.repository,
        cloneUrl: target.cloneUrl,
        branch: target.branch,
        sha: target.sha,
        githubToken: config.githubToken,
        signal: control.signal,
        log: control.log.child({ step: "sync" }),
      });
      if (job.type === SYNC_JOB_TYPE && synced.sha) {
        // The owner sees the factory's verdict beside the commit on GitHub.
        reported = { repository: target.repository, sha: synced.sha };
        await statuses.start(reported.repository, reported.sha);
      }
      if (job.type === KB_REQUEST_JOB_TYPE) {
        const { runKbRequestJob } = await import("../github/jobs.ts");
        // With ANTHROPIC_API_KEY, Claude drafts the atom (settings.content's model); else the offline draft.
        const { kbRequestWriterFor } = await import("../github/kb-request-writer.ts");
        const writer = kbRequestWriterFor(config.settings, process.env, { signal: control.signal });
        control.progress({ step: "kb-request", message: `drafting the requested atom${writer ? ` with ${writer.model}` : ""}` });
        const r = await runKbRequestJob(job, config, { dir: synced.dir, branch: synced.branch }, { now: () => new Date(clock.now()), writer });
        outcome = { kind: "completed", result: { sha: synced.sha, steps: [], ran: 1, skipped: 0, produced: [], summary: r.summary } };
        ledger.finishJob(job.id, "completed", r.summary, clock.now(), synced.sha);
        return outcome;
      }
      if (!learn) stages ??= await loadDefaultStages();
      outcome = await runPipeline({
        job,
        snapshot: { dir: synced.dir, sha: synced.sha, repository: target.repository, branch: synced.branch, changes: target.changes },
        stages: learn?.stages ?? stages!,
        ledger,
        settings: config.settings,
        workDir: config.workDir,
        loadKb: learn?.loadKb ?? loadKb,
        log: control.log,
        signal: control.signal,
        stopAtBoundary: control.stopAtBoundary,
        now: () => clock.now(),
        onProgress: control.progress,
      });
      // The relay's scheduled ticks are when the publishing calendar gives lessons their slots.
      if (job.type === SYNC_JOB_TYPE && job.payload.trigger === "schedule" && config.calendar && outcome.kind !== "stopped") {
        outcome = await withCalendarTick(outcome, { config, ledger, repoDir: synced.dir, repository: target.repository, clock, log: control.log, signal: control.signal });
      }
    } catch (e) {
      const stopped = control.signal.aborted && !(e instanceof StepError);
      const result = { steps: [], ran: 0, skipped: 0, produced: [] };
      outcome = stopped ? { kind: "stopped", reason: e instanceof Error ? e.message : String(e), result } : failedOutcome(e, result, true);
      if (outcome.kind === "failed") control.log.error(`failed: ${outcome.error}`, { step: "sync", retryable: outcome.retryable });
    }
    if (reported) {
      await statuses.finish(
        reported.repository,
        reported.sha,
        outcome.kind === "completed"
          ? { kind: "completed", ...(outcome.result.summary ? { summary: outcome.result.summary } : {}) }
          : outcome.kind === "failed"
            ? { kind: "failed", error: outcome.error, retryable: outcome.retryable }
            : { kind: "stopped" },
      );
    }
    if (target) {
      const state = outcome.kind === "completed" ? "completed" : outcome.kind === "failed" ? "failed" : "released";
      const summary = outcome.kind === "failed" ? outcome.error : outcome.kind === "stopped" ? outcome.reason : (outcome.result.summary ?? null);
      ledger.finishJob(job.id, state, summary, clock.now(), outcome.result.sha ?? null);
    }
    return outcome;
  };
  return async (lease, control) => {
    const repo = typeof lease.job.payload.repository === "string" ? lease.job.payload.repository : "";
    const before = busy.get(repo) ?? Promise.resolve();
    const mine = before.then(() => handle(lease, control));
    const settled = mine.catch(() => undefined);
    busy.set(repo, settled);
    try {
      return await mine;
    } finally {
      if (busy.get(repo) === settled) busy.delete(repo);
    }
  };
}

/**
 * The failed outcome of what a job threw: a StepError keeps its retryability and retry time;
 * anything else is retryable when `unexpectedRetryable`. The message (after `prefix`) is capped.
 */
function failedOutcome(e: unknown, result: JobResult, unexpectedRetryable: boolean, prefix = ""): Extract<PipelineOutcome, { kind: "failed" }> {
  const err = e instanceof StepError ? e : null;
  return {
    kind: "failed",
    error: `${prefix}${e instanceof Error ? e.message : String(e)}`.slice(0, 8000),
    retryable: err ? err.retryable : unexpectedRetryable,
    ...(err?.retryAt !== undefined ? { retryAt: err.retryAt } : {}),
    result,
  };
}

/**
 * Runs the publishing calendar's tick after a scheduled sync's pipeline and folds what it did
 * into the job's outcome: its line joins the summary; a failure of the tick fails the job with
 * the tick's retryability (the pipeline's steps are ledger hits on the retry).
 */
async function withCalendarTick(
  outcome: PipelineOutcome,
  o: { config: WorkerConfig; ledger: Ledger; repoDir: string; repository: string; clock: Clock; log: Logger; signal: AbortSignal },
): Promise<PipelineOutcome> {
  const { runCalendarTick } = await import("../publish/calendar-tick.ts");
  try {
    const tick = await runCalendarTick({
      repository: o.repository,
      repoDir: o.repoDir,
      workDir: o.config.workDir,
      settings: o.config.settings,
      calendar: o.config.calendar!,
      ledger: o.ledger,
      now: () => o.clock.now(),
      log: o.log.child({ step: "calendar" }),
      signal: o.signal,
    });
    o.log.info(tick.summary, { step: "calendar" });
    if (outcome.kind === "failed") return { ...outcome, error: `${outcome.error}\n(${tick.summary})`.slice(0, 8000) };
    if (outcome.kind !== "completed") return outcome;
    const summary = [outcome.result.summary, tick.summary].filter(Boolean).join("; ").slice(0, 2000);
    return { ...outcome, result: { ...outcome.result, summary } };
  } catch (e) {
    const failed = failedOutcome(e, outcome.result, true, "calendar: ");
    o.log.error(`failed: ${failed.error}`, { step: "calendar" });
    return outcome.kind === "completed" ? failed : outcome;
  }
}

/**
 * The stages of a `factory.learn` job (worker/steps/learn-stage.ts), imported on use. The job
 * needs no lesson knowledge base, so the atoms are not loaded: a broken atom does not stop it.
 * Throws a non-retryable StepError when the request is malformed.
 */
async function learnJobParts(job: Job, parts: WorkerParts): Promise<{ stages: Stage[]; loadKb: KbLoader }> {
  const { learnJobStages, learnRequest } = await import("../steps/learn-stage.ts");
  return { stages: learnJobStages(learnRequest(job), parts.learn ?? {}), loadKb: async () => ({ kb: null, problems: null }) };
}

/**
 * Runs a `factory.release.publish` job: the lessons made at the release's tag go public (or into
 * the calendar's slots), once per release id (worker/github/release-publish.ts syncs itself).
 * Errors keep their StepError retryability.
 */
async function runRelease(job: Job, config: WorkerConfig, ledger: Ledger, clock: Clock, control: { log: Logger; signal: AbortSignal }): Promise<PipelineOutcome> {
  const empty = { steps: [], ran: 0, skipped: 0, produced: [] };
  const repository = typeof job.payload.repository === "string" ? job.payload.repository : "";
  ledger.startJob(job.id, repository, null, clock.now());
  try {
    const { handleReleaseJob } = await import("../github/release-publish.ts");
    const r = await handleReleaseJob(job, config, ledger, { now: () => clock.now(), log: control.log, signal: control.signal });
    ledger.finishJob(job.id, "completed", r.summary, clock.now(), r.sha ?? null);
    return { kind: "completed", result: { ...empty, ...(r.sha ? { sha: r.sha } : {}), ran: r.published.length + r.scheduled.length, skipped: r.skipped.length, summary: r.summary } };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    control.log.error(`failed: ${message}`, { step: "release" });
    ledger.finishJob(job.id, "failed", message, clock.now());
    return failedOutcome(e, empty, true);
  }
}

/**
 * Runs a review-gate approval (the dashboard's Approve button): no sync, no pipeline, just
 * `approvePublished` against this worker's ledger and publisher. Errors keep their StepError
 * retryability (network, quota); any other error is the owner's input (unknown atom, a time
 * in the past, a lesson published from several repositories) and fails without retries.
 */
async function runApprove(job: Job, config: WorkerConfig, ledger: Ledger, clock: Clock, log: Logger): Promise<PipelineOutcome> {
  const started = clock.now();
  const empty: JobResult = { steps: [], ran: 0, skipped: 0, produced: [] };
  let req: ApprovePayload | null = null;
  let outcome: PipelineOutcome;
  try {
    req = approveRequest(job);
    ledger.startJob(job.id, req.repository ?? "", null, started);
    if (job.payload.approvedBy === CLI_APPROVAL_MARK) {
      // `factory publish approve` already approved it here; the job only tells the dashboard.
      const note = `${req.atomId}: approved from the command line on this machine`;
      log.info(note, { step: "approve" });
      outcome = { kind: "completed", result: { ...empty, summary: note } };
      ledger.finishJob(job.id, "completed", note, clock.now());
      return outcome;
    }
    let report: string;
    if (req.calendar) {
      const { approveLessonForCalendar } = await import("../publish/calendar-tick.ts");
      report = await approveLessonForCalendar({ workDir: config.workDir, ledger, now: () => clock.now(), calendar: config.calendar }, req.atomId, req.repository);
    } else {
      // Imported on use: the publish command pulls in googleapis, which a sync-only worker never needs.
      const { approvePublished } = await import("./publish.ts");
      const env = { workDir: config.workDir, settings: config.settings, now: () => clock.now() };
      report = await approvePublished(env, req.atomId, {
        ...(req.at ? { at: req.at } : {}),
        ...(req.repository ? { repository: req.repository } : {}),
      });
    }
    log.info(report, { step: "approve" });
    const step = { key: `approve:${req.atomId}`, kind: "approve", status: "ran" as const, ms: clock.now() - started, produced: [], note: report.slice(0, 500) };
    outcome = { kind: "completed", result: { steps: [step], ran: 1, skipped: 0, produced: [], summary: report.slice(0, 2000) } };
  } catch (e) {
    const failed = failedOutcome(e, empty, false);
    outcome = failed;
    log.error(`failed: ${failed.error}`, { step: "approve", retryable: failed.retryable });
  }
  if (req) {
    const summary = outcome.kind === "failed" ? outcome.error : (outcome.result.summary ?? null);
    ledger.finishJob(job.id, outcome.kind === "completed" ? "completed" : "failed", summary, clock.now());
  }
  return outcome;
}

/**
 * The product's stages, imported on first use: the stage modules pull in media and publishing
 * code that a worker run with its own stages (tests, `--help`) never needs to load.
 */
export async function loadDefaultStages(): Promise<Stage[]> {
  const { defaultStages } = await import("../pipeline/stages.ts");
  return defaultStages();
}

/** Options of one worker run. */
export interface StartWorkerOptions extends WorkerParts {
  once?: boolean;
  /** Install SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean;
  /** The relay client (default: one built from the configuration). */
  relayClient?: RelayClient;
  /** A wake-up channel to use instead of the one built from the configuration (tests). */
  wake?: WakeSource;
}

/**
 * Runs the worker until stopped (or one job with `once`). Returns the process exit code;
 * never throws for an expected failure (bad token, bad config), it logs what to do instead.
 */
export async function startWorker(config: WorkerConfig, o: StartWorkerOptions = {}): Promise<number> {
  // In a terminal, a progress bar for the running job; a service or a test gets log lines only.
  const bar = o.log || config.concurrency > 1 ? null : terminalProgress(config);
  const log = o.log ?? bar?.log ?? createProcessLogger(config);
  for (const w of config.warnings) log.warn(w);
  let relay: { relayUrl: string; workerToken: string };
  try {
    relay = requireRelay(config);
  } catch (e) {
    log.error((e as Error).message);
    return EXIT.config;
  }
  const ledger = Ledger.open(join(config.workDir, "ledger.sqlite"));
  const client =
    o.relayClient ?? new RelayClient({ baseUrl: relay.relayUrl, token: relay.workerToken, workerName: config.workerName });
  const stop = new AbortController();
  const kill = new AbortController();
  const running = { jobs: 0 };
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      // The loop says itself how long it lets a running step finish; idle, there is nothing to drain.
      log.info(running.jobs > 0 ? `${sig}: exiting after the running step; send it again to exit at once` : `${sig}: no job running; exiting`);
      stop.abort(new Error(sig));
      return;
    }
    log.warn(`${sig} again: exiting now; any job still leased returns to the queue when its lease expires`);
    kill.abort(new Error(sig));
    ledger.close();
    process.exit(EXIT.interrupted);
  };
  if (o.handleSignals !== false) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  log.info(
    `worker ${config.workerName} polling ${relay.relayUrl} (concurrency ${config.concurrency}, work dir ${config.workDir})`,
  );
  // The wake-up channel lets the relay's queue object hibernate while this worker idles (docs/cost.md).
  const channel = new AbortController();
  const wake =
    o.wake ??
    (config.transport === "websocket" && !o.once
      ? new WakeChannel({ baseUrl: relay.relayUrl, token: relay.workerToken, workerName: config.workerName, log })
      : undefined);
  const waking = wake instanceof WakeChannel ? wake.run(AbortSignal.any([channel.signal, stop.signal])) : Promise.resolve();
  try {
    const exit = await runLoop(
      { client, handle: counted(withBar(createJobHandler(config, ledger, { ...o, log }), bar), running), log, clock: o.clock, ...(wake ? { wake } : {}) },
      { concurrency: o.once ? 1 : config.concurrency, waitSeconds: config.waitSeconds, drainMs: config.drainMs, once: o.once },
      { stop: stop.signal, kill: kill.signal },
    );
    if (o.once && exit.jobs === 0) log.info("no job was waiting");
    const failed = exit.outcomes.some((x) => x.outcome === "failed" || x.outcome === "error");
    return o.once && failed ? EXIT.failed : EXIT.ok;
  } catch (e) {
    if (e instanceof UnauthorizedError) {
      log.error(e.message);
      return EXIT.unauthorized;
    }
    throw e;
  } finally {
    bar?.stop();
    channel.abort();
    await waking;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    ledger.close();
  }
}

/** Counts the jobs in hand, so a signal can say whether anything is left to finish. */
function counted(handle: JobHandler, running: { jobs: number }): JobHandler {
  return async (lease, control) => {
    running.jobs++;
    try {
      return await handle(lease, control);
    } finally {
      running.jobs--;
    }
  };
}

/** Shows a job's progress on the terminal bar too (the loop sends it with each heartbeat); no bar between jobs. */
function withBar(handle: JobHandler, bar: TerminalProgress | null): JobHandler {
  if (!bar) return handle;
  return async (lease, control) => {
    try {
      return await handle(lease, {
        ...control,
        progress: (p) => {
          control.progress(p);
          bar.update(p);
        },
      });
    } finally {
      bar.idle();
    }
  };
}

/** Registers `factory worker`, and `factory start` (a natural guess) for the same thing. */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .alias("start")
    .description("Run the home worker in this terminal: long-poll the relay, sync the repository, run the pipeline (Ctrl-C drains). As a background service: factory service install")
    .option("-c, --concurrency <n>", "jobs at once (overrides WORKER_CONCURRENCY)", (v) => Number.parseInt(v, 10))
    .action(async (opts: { concurrency?: number }) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      if (opts.concurrency !== undefined) {
        if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1 || opts.concurrency > 16) {
          createProcessLogger(config).error("--concurrency must be a whole number from 1 to 16");
          return void (process.exitCode = EXIT.config);
        }
        config.concurrency = opts.concurrency;
      }
      process.exitCode = await startWorker(config);
    });
}
