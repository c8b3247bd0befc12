/**
 * The job queue: one SQLite-backed Durable Object holds every job, lease and attempt.
 *
 * Every state change is ONE guarded SQL statement (`... WHERE id = ? AND state = ? AND
 * lease_token = ?`) with bound parameters, so a stale caller can never move a job it no
 * longer holds. The object is single-threaded and SQL calls are synchronous, so the read that
 * picks a job and the write that leases it cannot interleave with another request.
 * Durability: a reply leaves the object only after its writes are committed (output gate).
 *
 * Long polls wait in memory (`waiters`): whatever makes a job ready (enqueue, release, retry,
 * an alarm) hands it straight to the oldest waiter in the same turn, so wake-up is immediate.
 * Hibernatable WebSockets (`/v1/jobs/ws`) get a "ready" message instead: an idle worker then
 * costs no Durable Object duration at all (see docs/cost.md).
 */
import { DurableObject } from "cloudflare:workers";
import type {
  EnqueueResponse,
  FailResponse,
  Job,
  JobDetail,
  JobList,
  JobState,
  LeaseResponse,
  Progress,
  Stats,
  WakeMessage,
} from "../../shared/jobs.ts";
import { GroupCommit } from "./batch.ts";
import { type CancelOutcome, cancelQueued } from "./cancel.ts";
import { queueConfig, type QueueVars } from "./config.ts";
import { dismissDead, undismissedDead } from "./dismiss.ts";
import { InstanceRegistry } from "./instances.ts";
import { endAttempt, endLease, expireDue, extendLease, type Holder, leaseOldestReady, reclaimFromPredecessors, releaseLease } from "./leases.ts";
import { LoginLimiter, type LoginVerdict } from "./login-limit.ts";
import { listJobs, readJob, readStats, recentDeliveries } from "./reads.ts";
import { recentRefusals, recordRefusal } from "./refusals.ts";
import { type JobRow, migrate, rowToJob } from "./schema.ts";
import { nextAfterFailure, type QueueConfig } from "./rules.ts";
import { WaitingPolls } from "./polls.ts";
import { listRepositories, rememberRepository, storeJob } from "./store.ts";
import type { DashboardSnapshot, EnqueueSpec, Outcome, RefusedDelivery, SeenRepository } from "./types.ts";

export type { CancelOutcome } from "./cancel.ts";
export type { DashboardSnapshot, EnqueueSpec, Outcome, RecentDelivery, RefusedDelivery, SeenRepository } from "./types.ts";

/** Marks a `next` that registered a waiter instead of answering. */
const WAITING = Symbol("waiting");

/** How often a worker's "last seen" is written at most (reads merge the in-memory value); every
 * write is a billed row, and an idle worker polls all day (docs/cost.md). */
const WORKER_SEEN_WRITE_MS = 5 * 60_000;
const LIST_MAX = 200;
/** Alarms are set at most this far ahead; one that fires early just plans the next. */
const MAX_ALARM_AHEAD_MS = 7 * 86_400_000;

export class QueueObject extends DurableObject<QueueVars> {
  /** The clock; tests replace it through `runInDurableObject`. */
  now: () => number = () => Date.now();
  /** Uniform [0, 1) for retry jitter; replaceable in tests. */
  random: () => number = () => Math.random();
  /** Cryptographic random bytes for ids and lease tokens. */
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n));

  private readonly sql: SqlStorage;
  private readonly config: QueueConfig;
  private readonly waiters = new WaitingPolls();
  private readonly instances = new InstanceRegistry();
  private readonly logins = new LoginLimiter();
  private readonly writes: GroupCommit;
  /** Set by a write that may have made a job ready; the batch then hands jobs to waiters. */
  private readyChanged = false;
  /** Earliest alarm the current batch asked for. */
  private alarmWanted = Infinity;
  private readonly workerSeen = new Map<string, { at: number; written: number }>();
  /** The alarm time we know is set; null = none; undefined = not read yet. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: QueueVars) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.config = queueConfig(env);
    this.writes = new GroupCommit({
      transaction: (fn) => ctx.storage.transactionSync(fn),
      now: () => this.now(),
      before: (now) => this.expireLeases(now),
      inside: (now) => this.handOff(now),
      after: () => this.afterBatch(),
      durable: () => ctx.storage.sync(),
    });
    migrate(this.sql);
    // Keep-alive pings are answered by the runtime without waking a hibernated object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Long polls currently waiting (for tests and stats). */
  get waitingPolls(): number {
    return this.waiters.length;
  }

  // ---- enqueue -------------------------------------------------------------------------

  /** Stores a job (or finds its duplicate, or merges it into a queued sync) and wakes a poller. */
  async enqueue(spec: EnqueueSpec, seen?: SeenRepository): Promise<EnqueueResponse> {
    return this.writes.run((now) => {
      if (seen) rememberRepository(this.sql, seen, now);
      const response = storeJob(this.sql, spec, now, this.config.maxAttempts, this.randomBytes);
      if (!response.deduplicated && spec.runAt !== undefined && spec.runAt > now) this.wantAlarm(spec.runAt);
      this.readyChanged = true;
      return response;
    });
  }

  /**
   * Cancels the job queued under `coalesceKey` (an issue request whose issue was closed or
   * un-labelled); a running one is left to finish. `reason` is kept in the job's result.
   */
  async cancelQueued(coalesceKey: string, reason: string, deliveryId?: string, seen?: SeenRepository): Promise<CancelOutcome> {
    return this.writes.run((now) => {
      if (seen) rememberRepository(this.sql, seen, now);
      const out = cancelQueued(this.sql, coalesceKey, reason, deliveryId, now);
      if (out.cancelled.length > 0 && !out.deduplicated) this.wantAlarm(now + this.config.doneRetentionMs);
      return out;
    });
  }

  /** Records a repository seen in a signed webhook that produced no job (e.g. `ping`). */
  async rememberRepositoryOnly(seen: SeenRepository): Promise<void> {
    return this.writes.run((now) => rememberRepository(this.sql, seen, now));
  }

  /** Repositories seen in webhooks, oldest first. */
  async repositories(): Promise<SeenRepository[]> {
    return listRepositories(this.sql);
  }

  // ---- leasing -------------------------------------------------------------------------

  /**
   * Leases the next ready job to `worker`, waiting up to `waitMs` for one. Resolves null when
   * the wait passes with nothing ready. `instance` is the polling process's id: the first poll
   * of a new process under a worker name takes back what its predecessor held (leases.ts).
   */
  async next(worker: string, waitMs: number, pollId?: string, instance?: string): Promise<LeaseResponse | null> {
    const holder: Holder = { worker, instance: instance ?? null };
    return new Promise<LeaseResponse | null>((resolve, reject) => {
      this.writes
        .run((now) => {
          this.touchWorker(worker, now);
          if (holder.instance !== null && this.instances.firstSeen(worker, holder.instance)) this.takeOver(holder, now);
          const lease = this.leaseOne(holder, now);
          if (lease) return lease;
          // Registered inside the batch, so a job made ready later in this batch still finds it.
          if (waitMs > 0) this.waiters.add(worker, holder.instance, waitMs, resolve, pollId);
          return waitMs > 0 ? WAITING : null;
        })
        .then((r) => {
          if (r !== WAITING) resolve(r);
        }, reject);
    });
  }

  /**
   * A new process of `holder.worker`: the polls its predecessor left waiting are answered 204
   * (nobody reads them) and its leases come back, so the next job goes to the live process.
   */
  private takeOver(holder: Holder, now: number): void {
    this.waiters.withdraw((w) => w.worker === holder.worker && w.instance !== holder.instance);
    if (reclaimFromPredecessors(this.sql, holder, now).ready > 0) this.readyChanged = true;
  }

  /**
   * Withdraws a waiting poll whose client hung up, so no job is leased to nobody. Returns
   * whether it was still waiting.
   */
  async cancelPoll(pollId: string): Promise<boolean> {
    return this.waiters.withdraw((w) => w.pollId === pollId) > 0;
  }

  /**
   * Withdraws every waiting poll of `worker` (of one process, with `instance`), answered 204: a
   * worker calls this when it shuts down, for runtimes that do not report the hang-up (e.g.
   * `wrangler dev`'s proxy).
   */
  async cancelPollsOf(worker: string, instance?: string): Promise<number> {
    return this.waiters.withdraw((w) => w.worker === worker && (instance === undefined || w.instance === instance));
  }

  /** One guarded statement moves the oldest ready job from queued to leased (unconfirmed). */
  private leaseOne(holder: Holder, now: number): LeaseResponse | null {
    const lease = leaseOldestReady(this.sql, holder, now, this.config.claimMs, this.randomBytes);
    if (lease) this.wantAlarm(lease.lease.expiresAt);
    return lease;
  }

  /** Takes back expired leases before every batch (so no read or write sees a stale lease). */
  private expireLeases(now: number): void {
    const r = expireDue(this.sql, now, this.config, this.random);
    if (r.ready > 0) this.readyChanged = true;
    if (r.nextRunAt !== null) this.wantAlarm(r.nextRunAt);
  }

  /**
   * Leases ready jobs to waiting polls, oldest poll first (inside the batch's transaction);
   * returns the answers to send once it has committed.
   */
  private handOff(now: number): Array<() => void> {
    const answers: Array<() => void> = [];
    if (!this.readyChanged) return answers;
    this.readyChanged = false;
    for (let waiter = this.waiters.oldest(); waiter; waiter = this.waiters.oldest()) {
      const lease = this.leaseOne({ worker: waiter.worker, instance: waiter.instance }, now);
      if (!lease) break;
      this.waiters.remove(waiter);
      answers.push(() => waiter.resolve(lease));
    }
    if (this.ctx.getWebSockets().length > 0 && this.hasReadyJob(now)) answers.push(() => this.notifySockets());
    return answers;
  }

  /** Asks for an alarm no later than `at` once the current batch commits. */
  private wantAlarm(at: number): void {
    this.alarmWanted = Math.min(this.alarmWanted, at);
  }

  private async afterBatch(): Promise<void> {
    const at = this.alarmWanted;
    this.alarmWanted = Infinity;
    if (at < Infinity) await this.ensureAlarm(at);
  }

  // ---- lease holders -------------------------------------------------------------------

  /** Extends the lease; optionally records progress. */
  async heartbeat(id: string, token: string, progress?: Progress): Promise<Outcome<{ expiresAt: number }>> {
    return this.writes.run((now) => this.heartbeatNow(id, token, progress, now));
  }

  private heartbeatNow(id: string, token: string, progress: Progress | undefined, now: number): Outcome<{ expiresAt: number }> {
    const expiresAt = now + this.config.leaseMs;
    const holder = extendLease(this.sql, id, token, progress === undefined ? null : JSON.stringify(progress), expiresAt, now);
    if (holder === null) return this.refusal(id);
    this.touchWorker(holder, now);
    return { ok: true, value: { expiresAt } };
  }

  /**
   * Marks the job done; refused unless the caller holds the current lease. With `nextFor`,
   * also leases the next ready job to that worker in the same write (one commit per job).
   */
  async complete(
    id: string,
    token: string,
    result?: unknown,
    nextFor?: string,
    instance?: string,
  ): Promise<Outcome<{ job: Job; next?: LeaseResponse | null }>> {
    return this.writes.run((now) => {
      const done = this.completeNow(id, token, result, now);
      if (!done.ok || nextFor === undefined) return done.ok ? { ok: true as const, value: { job: done.value } } : done;
      this.touchWorker(nextFor, now);
      const next = this.leaseOne({ worker: nextFor, instance: instance ?? null }, now);
      return { ok: true as const, value: { job: done.value, next } };
    });
  }

  private completeNow(id: string, token: string, result: unknown, now: number): Outcome<Job> {
    const row = this.sql
      .exec<JobRow>(
        `UPDATE jobs SET state = 'done', result = ?, leased_by = NULL, lease_instance = NULL, lease_token = NULL,
           lease_expires_at = NULL, updated_at = ?
         WHERE id = ? AND state = 'leased' AND lease_token = ? RETURNING *`,
        result === undefined ? null : JSON.stringify(result),
        now,
        id,
        token,
      )
      .toArray()[0];
    if (!row) return this.refusal(id);
    endAttempt(this.sql, token, now, "completed", null);
    this.wantAlarm(now + this.config.doneRetentionMs);
    return { ok: true, value: rowToJob(row) };
  }

  /** Records a failed attempt: queued again after backoff, or dead. */
  async fail(
    id: string,
    token: string,
    error: string,
    retryable: boolean,
    retryAt?: number,
  ): Promise<Outcome<FailResponse>> {
    return this.writes.run((now): Outcome<FailResponse> => {
      const held = this.sql
        .exec<{ attempts: number; max_attempts: number }>(
          "SELECT attempts, max_attempts FROM jobs WHERE id = ? AND state = 'leased' AND lease_token = ?",
          id,
          token,
        )
        .toArray()[0];
      if (!held) return this.refusal(id);
      const next = nextAfterFailure({
        attempts: held.attempts,
        maxAttempts: held.max_attempts,
        retryable,
        now,
        retryAt,
        config: this.config,
        random: this.random,
      });
      if (!endLease(this.sql, id, token, next, error, "failed", now)) return this.refusal(id);
      if (next.state === "queued") this.wantAlarm(next.runAt);
      return { ok: true, value: { state: next.state, runAt: next.runAt, attempts: held.attempts } };
    });
  }

  /** Gives the job back without spending an attempt (graceful shutdown). */
  async release(id: string, token: string): Promise<Outcome<Job>> {
    return this.writes.run((now) => {
      const row = releaseLease(this.sql, id, token, now, null);
      if (!row) return this.refusal(id);
      this.readyChanged = true;
      return { ok: true as const, value: rowToJob(row) };
    });
  }

  /** Why a guarded change matched no row: the job is unknown, or its lease is not the caller's. */
  private refusal(id: string): Outcome<never> {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM jobs WHERE id = ?", id).toArray()[0];
    if (!row) return { ok: false, code: "not_found" };
    return { ok: false, code: "lease_not_held", state: row.state as JobState };
  }

  // ---- operators -----------------------------------------------------------------------

  /** Dead → queued, with a fresh set of attempts. */
  async retry(id: string): Promise<Outcome<Job>> {
    return this.writes.run((now) => {
      const row = this.sql
        .exec<JobRow>(
          `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, updated_at = ?
           WHERE id = ? AND state = 'dead' RETURNING *`,
          now,
          now,
          id,
        )
        .toArray()[0];
      if (!row) return this.wrongState(id);
      this.readyChanged = true;
      return { ok: true as const, value: rowToJob(row) };
    });
  }

  /** Deletes a job that is not leased (with its history and delivery ids). */
  async remove(id: string): Promise<Outcome<{ id: string }>> {
    return this.writes.run((): Outcome<{ id: string }> => {
      const r = this.sql.exec("DELETE FROM jobs WHERE id = ? AND state != 'leased' RETURNING id", id).toArray();
      if (r.length !== 1) return this.wrongState(id);
      this.sql.exec("DELETE FROM attempts WHERE job_id = ?", id);
      this.sql.exec("DELETE FROM deliveries WHERE job_id = ?", id);
      return { ok: true, value: { id } };
    });
  }

  /** Takes a dead job off the dashboard's banner (it stays dead: Retry and delete still work). */
  async dismiss(id: string): Promise<Outcome<Job>> {
    return this.writes.run((): Outcome<Job> => {
      const job = dismissDead(this.sql, id);
      return job ? { ok: true, value: job } : this.wrongState(id);
    });
  }

  private wrongState(id: string): Outcome<never> {
    const row = this.sql.exec<{ state: string }>("SELECT state FROM jobs WHERE id = ?", id).toArray()[0];
    return row ? { ok: false, code: "wrong_state", state: row.state as JobState } : { ok: false, code: "not_found" };
  }

  // ---- reads ---------------------------------------------------------------------------
  // Reads go through the batch too, so leases past their expiry are taken back first.

  async get(id: string): Promise<JobDetail | null> {
    return this.writes.run(() => readJob(this.sql, id));
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async list(state: JobState | undefined, limit: number, cursor: string | undefined): Promise<JobList> {
    return this.writes.run(() => listJobs(this.sql, state, Math.min(Math.max(1, limit), LIST_MAX), cursor));
  }

  async stats(): Promise<Stats> {
    return this.writes.run((now) => this.statsNow(now));
  }

  private statsNow(now: number): Stats {
    const inMemory = new Map([...this.workerSeen].map(([name, s]) => [name, s.at]));
    return readStats(this.sql, now, inMemory);
  }

  /**
   * Everything the dashboard shows, read in one call (one billed request per refresh):
   * counts and workers, dead jobs (and those not dismissed), the newest jobs, the newest
   * deliveries and refusals.
   */
  async dashboard(limits: { dead: number; recent: number; deliveries: number; refused?: number }): Promise<DashboardSnapshot> {
    const clamp = (n: number) => Math.min(Math.max(1, n), LIST_MAX);
    return this.writes.run((now) => ({
      stats: this.statsNow(now),
      dead: listJobs(this.sql, "dead", clamp(limits.dead), undefined).jobs,
      undismissedDead: undismissedDead(this.sql, clamp(limits.dead)),
      recent: listJobs(this.sql, undefined, clamp(limits.recent), undefined).jobs,
      deliveries: recentDeliveries(this.sql, clamp(limits.deliveries)),
      refused: recentRefusals(this.sql, clamp(limits.refused ?? 10)),
    }));
  }

  // ---- webhook refusals and sign-in attempts ----------------------------------------------

  /** Remembers a webhook delivery refused for its signature (headers only; newest 50 kept). */
  async recordRefusedDelivery(refusal: Omit<RefusedDelivery, "receivedAt">): Promise<void> {
    return this.writes.run((now) => recordRefusal(this.sql, refusal, now));
  }

  /** Judges one dashboard sign-in attempt from `address` (see login-limit.ts). */
  async loginAttempt(address: string, failed: boolean): Promise<LoginVerdict> {
    return this.logins.attempt(address, failed, this.now());
  }

  /** Remembers when a worker was last seen; written at most once a minute per worker. */
  private touchWorker(name: string, now: number): void {
    const s = this.workerSeen.get(name);
    if (s && now - s.written < WORKER_SEEN_WRITE_MS) {
      s.at = now;
      return;
    }
    this.workerSeen.set(name, { at: now, written: now });
    this.sql.exec(
      "INSERT INTO workers (name, last_seen_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_seen_at = excluded.last_seen_at",
      name,
      now,
    );
  }

  // ---- time ----------------------------------------------------------------------------

  /**
   * Expired leases go back to the queue (spending the attempt) or die; completed jobs past
   * retention are pruned; ready jobs go to waiting polls; then the next alarm is set.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    // Expired leases were taken back by the batch's `before` step.
    await this.writes.run((now) => {
      const cutoff = now - this.config.doneRetentionMs;
      const stale = "SELECT id FROM jobs WHERE state = 'done' AND updated_at <= ?";
      this.sql.exec(`DELETE FROM attempts WHERE job_id IN (${stale})`, cutoff);
      this.sql.exec(`DELETE FROM deliveries WHERE job_id IN (${stale})`, cutoff);
      this.sql.exec("DELETE FROM jobs WHERE state = 'done' AND updated_at <= ?", cutoff);
      // Delayed jobs whose time has come are ready now too.
      this.readyChanged = true;
      const next = this.sql
        .exec<{ t: number | null }>(
          `SELECT MIN(t) AS t FROM (
             SELECT MIN(lease_expires_at) AS t FROM jobs WHERE state = 'leased'
             UNION ALL SELECT MIN(run_at) FROM jobs WHERE state = 'queued' AND run_at > ?
             UNION ALL SELECT MIN(updated_at) + ? FROM jobs WHERE state = 'done')`,
          now,
          this.config.doneRetentionMs,
        )
        .one().t;
      if (next !== null) this.wantAlarm(next);
    });
  }

  /** Makes sure an alarm fires no later than `at` (an earlier alarm just re-plans). */
  private async ensureAlarm(wanted: number): Promise<void> {
    const at = Math.min(wanted, this.now() + MAX_ALARM_AHEAD_MS);
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  // ---- WebSocket wake-up channel -------------------------------------------------------

  /** Accepts a worker's wake-up socket with the hibernation API (see routes/socket.ts). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("The queue object only accepts WebSocket upgrades here.", { status: 426 });
    }
    const worker = new URL(request.url).searchParams.get("worker") ?? "unnamed";
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [worker]);
    const now = this.now();
    this.touchWorker(worker, now);
    if (this.hasReadyJob(now)) pair[1].send(READY_MESSAGE);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Workers may ask "ready?" after reconnecting; anything else is ignored. */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === "ready?" && this.hasReadyJob(this.now())) ws.send(READY_MESSAGE);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // Already closed.
    }
  }

  /** Tells every connected worker that a job is ready (they race to lease it; one wins). */
  private notifySockets(): void {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(READY_MESSAGE);
      } catch {
        // A socket closing right now: its worker reconnects and asks again.
      }
    }
  }

  private hasReadyJob(now: number): boolean {
    return this.sql.exec("SELECT 1 FROM jobs WHERE state = 'queued' AND run_at <= ? LIMIT 1", now).toArray().length > 0;
  }
}

/** The one message the wake-up channel sends. */
export const READY_MESSAGE = JSON.stringify({ type: "ready" } satisfies WakeMessage);
