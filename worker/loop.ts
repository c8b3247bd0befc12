/**
 * The worker loop: lease → run → complete / fail / release, for as long as it is allowed to.
 *
 * - Long polls the relay with `wait` near its maximum; a network outage is retried with
 *   exponential backoff and jitter (capped at a minute) and logged once when it starts and once
 *   when it ends, not once per try. A 401 ends the loop with {@link UnauthorizedError}.
 * - While a job runs it heartbeats every third of the lease. A 409 means the lease is lost: the
 *   job stops at its next step boundary and is neither acked nor failed (another worker has it).
 * - `stop` (first SIGINT/SIGTERM): no new job; the running step may finish up to `drainMs`,
 *   then its signal is aborted; the lease is released either way. `kill` (second signal)
 *   aborts everything at once.
 * - `concurrency` slots run side by side, each its own lease.
 * - On stop the loop withdraws its polls still parked at the relay (`DELETE /v1/jobs/next`), so
 *   no job is handed to a poll nobody reads; and a lease the relay marks `confirmBy` is
 *   confirmed at once by a first heartbeat (unconfirmed, the relay soon takes it back).
 *
 * Time comes from an injected {@link Clock}, so tests drive it without sleeping.
 */
import type { LeaseResponse, Progress } from "../shared/jobs.ts";
import { backoffDelay, RECONNECT_POLICY, type BackoffPolicy } from "./backoff.ts";
import type { PipelineOutcome } from "./pipeline/runner.ts";
import type { Logger } from "./pipeline/types.ts";
import { LeaseLostError, RelayHttpError, UnauthorizedError, type RelayClient } from "./relay-client.ts";

/** Time, injected. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/**
 * A wake-up channel (worker/wake.ts). While connected the loop polls with `wait=0` and then
 * waits for a wake-up instead of holding a long poll open inside the relay.
 */
export interface WakeSource {
  readonly connected: boolean;
  /** Bumped on every wake-up and every connection change. */
  readonly seq: number;
  /** Resolves once seq > after, after `ms`, or when `signal` aborts. */
  wait(after: number, ms: number, signal: AbortSignal): Promise<void>;
}

/** While the wake-up channel is up, poll anyway this often in case a wake-up was missed. */
export const SAFETY_POLL_MS = 5 * 60_000;

/** What a job handler gets besides the lease. */
export interface JobControl {
  /** Hard stop (drain deadline, second signal): pass to steps. */
  signal: AbortSignal;
  /** Soft stop (shutdown requested, lease lost): start no further step. */
  stopAtBoundary: AbortSignal;
  /** Latest progress; sent with the next heartbeat. */
  progress(p: Progress): void;
  log: Logger;
}

/** Runs one leased job to an outcome. Exceptions count as retryable failures. */
export type JobHandler = (lease: LeaseResponse, control: JobControl) => Promise<PipelineOutcome>;

/** The relay calls the loop makes (`withdraw` optional: a client without it skips that step). */
export type LoopClient = Pick<RelayClient, "next" | "heartbeat" | "complete" | "fail" | "release"> &
  Partial<Pick<RelayClient, "withdraw">>;

export interface LoopDeps {
  client: LoopClient;
  handle: JobHandler;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** Optional wake-up channel; without one (or while it is down) the loop long-polls. */
  wake?: WakeSource;
}

export interface LoopOptions {
  concurrency: number;
  /** Long-poll wait in seconds. */
  waitSeconds: number;
  /** How long a graceful stop lets the running step finish (ms). */
  drainMs: number;
  /** Take one job (or none if none comes within one poll), run it, return. */
  once?: boolean;
  backoff?: BackoffPolicy;
  /** After the hard abort, how long to wait for a step to notice before giving the lease back anyway (ms). */
  abortGraceMs?: number;
}

export interface LoopSignals {
  /** Graceful stop. */
  stop: AbortSignal;
  /** Immediate stop. */
  kill?: AbortSignal;
}

/** How the loop ended. */
export interface LoopExit {
  reason: "stopped" | "once";
  /** Jobs taken by this loop. */
  jobs: number;
  /** How each job ended here. */
  outcomes: { jobId: string; outcome: PipelineOutcome["kind"] | "lease-lost" | "error" }[];
}

/** Runs the loop until `stop`, `once` completes, or the token is rejected (throws). */
export async function runLoop(deps: LoopDeps, opts: LoopOptions, signals: LoopSignals): Promise<LoopExit> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const policy = opts.backoff ?? RECONNECT_POLICY;
  const fatal = new AbortController();
  const kill = signals.kill ? AbortSignal.any([signals.kill, fatal.signal]) : fatal.signal;
  const stop = AbortSignal.any([signals.stop, kill]);
  const outage = new OutageLog(deps.log, clock);
  const exit: LoopExit = { reason: opts.once ? "once" : "stopped", jobs: 0, outcomes: [] };
  let fatalError: unknown = null;
  // Shutdown: the aborted polls' connections close, but a relay that does not notice the
  // hang-up (`wrangler dev`) would hand the next job to them; withdraw them by name.
  let withdrawn: Promise<unknown> = Promise.resolve();
  const withdraw = () => {
    if (deps.client.withdraw) withdrawn = deps.client.withdraw().catch(() => null);
  };
  if (stop.aborted) withdraw();
  else stop.addEventListener("abort", withdraw, { once: true });

  const slot = async (n: number) => {
    const log = opts.concurrency > 1 ? deps.log.child({ slot: n }) : deps.log;
    let failures = 0;
    while (!stop.aborted) {
      let lease: LeaseResponse | null;
      const wake = opts.once ? undefined : deps.wake;
      const seq = wake?.seq ?? 0;
      const woken = wake?.connected === true;
      try {
        lease = await deps.client.next(woken ? 0 : opts.waitSeconds, stop);
        outage.ok();
        failures = 0;
      } catch (e) {
        if (stop.aborted) break;
        if (e instanceof UnauthorizedError) throw e;
        outage.fail(e);
        await clock.sleep(backoffDelay(failures++, policy, random), stop);
        continue;
      }
      if (!lease) {
        if (opts.once) return;
        if (woken) await wake!.wait(seq, SAFETY_POLL_MS, stop);
        continue;
      }
      exit.jobs++;
      const outcome = await runOne(lease, { deps, opts, clock, random, policy, log, stop: signals.stop, kill, outage });
      exit.outcomes.push({ jobId: lease.job.id, outcome });
      if (opts.once) return;
    }
  };

  const slots = Array.from({ length: Math.max(1, opts.concurrency) }, (_, i) =>
    slot(i).catch((e) => {
      // The first fatal error (a rejected token) stops every slot; the others end quietly.
      if (fatalError === null) fatalError = e;
      fatal.abort(e);
    }),
  );
  await Promise.all(slots);
  stop.removeEventListener("abort", withdraw);
  await withdrawn;
  if (fatalError !== null) throw fatalError;
  return exit;
}

interface RunContext {
  deps: LoopDeps;
  opts: LoopOptions;
  clock: Clock;
  random: () => number;
  policy: BackoffPolicy;
  log: Logger;
  stop: AbortSignal;
  kill: AbortSignal;
  outage: OutageLog;
}

async function runOne(lease: LeaseResponse, c: RunContext): Promise<LoopExit["outcomes"][number]["outcome"]> {
  const { job } = lease;
  const token = lease.lease.token;
  let expiresAt = lease.lease.expiresAt;
  const log = c.log.child({ jobId: job.id });
  const soft = new AbortController();
  const hard = new AbortController();
  const finished = new AbortController();
  let leaseLost = false;
  let progress: Progress | undefined;
  log.info(`leased ${job.type} (attempt ${job.attempts} of ${job.maxAttempts})`, { type: job.type });

  // Shutdown: stop at the next step boundary now, abort the step at the drain deadline.
  const onStop = () => {
    if (soft.signal.aborted) return;
    soft.abort(new Error("the worker is shutting down"));
    log.info(`shutting down: letting the running step finish (up to ${Math.round(c.opts.drainMs / 1000)} s)`);
    void c.clock.sleep(c.opts.drainMs, finished.signal).then(() => {
      if (!finished.signal.aborted) hard.abort(new Error("the shutdown deadline passed"));
    });
  };
  const onKill = () => hard.abort(new Error("the worker was told to exit at once"));
  if (c.stop.aborted) onStop();
  else c.stop.addEventListener("abort", onStop, { once: true });
  if (c.kill.aborted) onKill();
  else c.kill.addEventListener("abort", onKill, { once: true });

  // A lease just handed out is confirmed at once; after that, a heartbeat every third of it.
  let confirm = lease.lease.confirmBy !== undefined;
  const heartbeats = (async () => {
    while (!finished.signal.aborted) {
      if (!confirm) await c.clock.sleep(Math.max(1000, Math.floor((expiresAt - c.clock.now()) / 3)), finished.signal);
      confirm = false;
      if (finished.signal.aborted) return;
      try {
        const r = await c.deps.client.heartbeat(job.id, token, progress, finished.signal);
        expiresAt = r.expiresAt;
        c.outage.ok();
      } catch (e) {
        if (finished.signal.aborted) return;
        if (e instanceof LeaseLostError) {
          leaseLost = true;
          log.warn("lease lost (the relay gave this job to another worker or expired it): stopping at the next step boundary");
          soft.abort(new Error("the lease was lost"));
          return;
        }
        if (e instanceof UnauthorizedError) {
          log.error(e.message);
          soft.abort(e);
          return;
        }
        c.outage.fail(e);
      }
    }
  })();

  const control: JobControl = {
    signal: hard.signal,
    stopAtBoundary: soft.signal,
    progress: (p) => {
      progress = p;
    },
    log,
  };
  const handled = c.deps.handle(lease, control).catch(
    (e): PipelineOutcome => ({
      kind: "failed",
      error: `unexpected error: ${e instanceof Error ? e.message : String(e)}`,
      retryable: true,
      result: { steps: [], ran: 0, skipped: 0, produced: [] },
    }),
  );
  // A step that ignores its aborted signal must not keep the lease (and the process) forever.
  const graceMs = c.opts.abortGraceMs ?? 5000;
  const abandoned = new Promise<PipelineOutcome>((resolve) => {
    const giveUp = () =>
      void c.clock.sleep(graceMs, finished.signal).then(() => {
        if (!finished.signal.aborted) {
          resolve({ kind: "stopped", reason: "the step did not stop when aborted", result: { steps: [], ran: 0, skipped: 0, produced: [] } });
        }
      });
    if (hard.signal.aborted) giveUp();
    else hard.signal.addEventListener("abort", giveUp, { once: true });
  });
  const outcome = await Promise.race([handled, abandoned]);
  finished.abort();
  c.stop.removeEventListener("abort", onStop);
  c.kill.removeEventListener("abort", onKill);
  await heartbeats;

  if (leaseLost) {
    log.warn(`not acknowledging (${outcome.kind}): the lease is no longer ours; finished steps stay in the ledger`);
    return "lease-lost";
  }
  const ack = async (what: string, call: () => Promise<unknown>) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await call();
        c.outage.ok();
        return true;
      } catch (e) {
        if (e instanceof LeaseLostError) {
          log.warn(`${what} refused: the lease expired or moved; the relay will redeliver and finished steps will be skipped`);
          return false;
        }
        if (e instanceof UnauthorizedError) throw e;
        if (e instanceof RelayHttpError && isFinalRefusal(e.status)) {
          log.error(`${what} refused by the relay: ${e.message}`);
          return false;
        }
        // Retrying past the lease's end is pointless: the relay has already taken the job back.
        if (c.kill.aborted || c.clock.now() >= expiresAt) {
          log.error(`${what} not delivered (${(e as Error).message}); the relay will redeliver the job`);
          return false;
        }
        c.outage.fail(e);
        await c.clock.sleep(Math.min(backoffDelay(attempt, c.policy, c.random), Math.max(0, expiresAt - c.clock.now())), c.kill);
      }
    }
  };

  switch (outcome.kind) {
    case "completed":
      if (await ack("complete", () => c.deps.client.complete(job.id, token, outcome.result))) {
        log.info(`completed: ${outcome.result.summary ?? ""}`.trim());
      }
      break;
    case "failed":
      await ack("fail", async () => {
        const r = await c.deps.client.fail(job.id, {
          leaseToken: token,
          error: outcome.error,
          retryable: outcome.retryable,
          ...(outcome.retryAt !== undefined ? { retryAt: outcome.retryAt } : {}),
        });
        log.warn(
          r.state === "dead"
            ? `failed for good (dead after ${r.attempts} attempt(s)): ${outcome.error}`
            : `failed; the relay will retry at ${new Date(r.runAt ?? 0).toISOString()}: ${outcome.error}`,
        );
      });
      break;
    case "stopped":
      if (await ack("release", () => c.deps.client.release(job.id, token))) {
        log.info(`released the lease (${outcome.reason}); the job goes back to the queue without spending an attempt`);
      }
      break;
  }
  return outcome.kind;
}

/** A 4xx other than timeouts and rate limits: asking again gets the same answer. */
function isFinalRefusal(status: number | null): boolean {
  return status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Logs a relay outage once when it starts and once when it ends. */
class OutageLog {
  private since: number | null = null;
  private tries = 0;
  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  fail(e: unknown): void {
    this.tries++;
    if (this.since !== null) return;
    this.since = this.clock.now();
    this.log.warn(
      `relay unreachable: ${(e as Error)?.message ?? String(e)}. Retrying with backoff (up to ${Math.round(RECONNECT_POLICY.capMs / 1000)} s between tries); the next line will say when it is back.`,
    );
  }

  ok(): void {
    if (this.since === null) return;
    const secs = Math.round((this.clock.now() - this.since) / 1000);
    this.log.info(`relay reachable again after ${secs} s (${this.tries} failed tr${this.tries === 1 ? "y" : "ies"})`);
    this.since = null;
    this.tries = 0;
  }
}
