/**
 * Leases in the queue's SQL: handing one out, confirming it, and taking it back when it
 * expires or when its holder is known to be gone. Plain functions over the object's
 * `SqlStorage`, run inside its group-commit transaction; every state change is ONE guarded
 * statement (`... WHERE id = ? AND state = 'leased' AND lease_token = ?`) with bound parameters.
 *
 * Why a lease starts unconfirmed: a long poll can be answered after its client has gone (a
 * killed worker; `wrangler dev` does not pass the hang-up on), and that lease would otherwise
 * sit for `LEASE_SECONDS`. A new lease therefore lasts only `claimMs` until the holder's first
 * heartbeat confirms it; unconfirmed, the job goes straight back to the queue without spending
 * an attempt (it was never delivered).
 */
import type { LeaseResponse } from "../../shared/jobs.ts";
import { type JobRow, rowToJob } from "./schema.ts";
import { makeLeaseToken, nextAfterFailure, type NextState, type QueueConfig } from "./rules.ts";

/** Who asks for a lease: the worker's name and, when it sends one, its per-process id. */
export interface Holder {
  worker: string;
  instance: string | null;
}

/**
 * One guarded statement moves the oldest ready job from queued to leased, unconfirmed (and its
 * attempt is opened). Null when nothing is ready.
 */
export function leaseOldestReady(
  sql: SqlStorage,
  holder: Holder,
  now: number,
  claimMs: number,
  randomBytes: (n: number) => Uint8Array,
): LeaseResponse | null {
  const token = makeLeaseToken(randomBytes);
  const expiresAt = now + claimMs;
  const row = sql
    .exec<JobRow>(
      `UPDATE jobs SET state = 'leased', leased_by = ?, lease_instance = ?, lease_token = ?, lease_expires_at = ?,
         lease_confirmed = 0, attempts = attempts + 1, progress = NULL, updated_at = ?
       WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= ? ORDER BY run_at, id LIMIT 1)
         AND state = 'queued'
       RETURNING *`,
      holder.worker,
      holder.instance,
      token,
      expiresAt,
      now,
      now,
    )
    .toArray()[0];
  if (!row) return null;
  sql.exec(
    "INSERT INTO attempts (lease_token, job_id, attempt, worker, leased_at, outcome) VALUES (?, ?, ?, ?, ?, 'running')",
    token,
    row.id,
    row.attempts,
    holder.worker,
    now,
  );
  return { job: rowToJob(row), lease: { token, expiresAt, confirmBy: expiresAt } };
}

/** Extends (and confirms) a held lease; returns the holder's name, or null when not held. */
export function extendLease(
  sql: SqlStorage,
  id: string,
  token: string,
  progressJson: string | null,
  expiresAt: number,
  now: number,
): string | null {
  const row = sql
    .exec<{ leased_by: string }>(
      `UPDATE jobs SET lease_expires_at = ?, lease_confirmed = 1, progress = COALESCE(?, progress), updated_at = ?
       WHERE id = ? AND state = 'leased' AND lease_token = ? RETURNING leased_by`,
      expiresAt,
      progressJson,
      now,
      id,
      token,
    )
    .toArray()[0];
  return row ? row.leased_by : null;
}

/** One guarded statement gives a held job back to the queue without spending its attempt. */
export function releaseLease(sql: SqlStorage, id: string, token: string, now: number, why: string | null): JobRow | null {
  const row = sql
    .exec<JobRow>(
      `UPDATE jobs SET state = 'queued', attempts = attempts - 1, leased_by = NULL, lease_instance = NULL,
         lease_token = NULL, lease_expires_at = NULL, updated_at = ?
       WHERE id = ? AND state = 'leased' AND lease_token = ? RETURNING *`,
      now,
      id,
      token,
    )
    .toArray()[0];
  if (row) endAttempt(sql, token, now, "released", why);
  return row ?? null;
}

/** One guarded statement moves a leased job to its next state after a bad attempt. */
export function endLease(
  sql: SqlStorage,
  id: string,
  token: string,
  next: NextState,
  error: string,
  outcome: string,
  now: number,
): boolean {
  const r = sql
    .exec(
      `UPDATE jobs SET state = ?, run_at = COALESCE(?, run_at), last_error = ?, leased_by = NULL, lease_instance = NULL,
         lease_token = NULL, lease_expires_at = NULL, updated_at = ?
       WHERE id = ? AND state = 'leased' AND lease_token = ? RETURNING id`,
      next.state,
      next.runAt,
      error,
      now,
      id,
      token,
    )
    .toArray();
  if (r.length === 1) endAttempt(sql, token, now, outcome, error);
  return r.length === 1;
}

/** Closes the attempt of a lease with its outcome. */
export function endAttempt(sql: SqlStorage, token: string, now: number, outcome: string, error: string | null): void {
  sql.exec(
    "UPDATE attempts SET ended_at = ?, outcome = ?, error = ? WHERE lease_token = ? AND outcome = 'running'",
    now,
    outcome,
    error,
    token,
  );
}

/** The columns of {@link LeasedRow}: what taking a lease back reads. */
const LEASED_COLUMNS = "id, attempts, max_attempts, lease_token, leased_by, lease_confirmed";

interface LeasedRow {
  id: string;
  attempts: number;
  max_attempts: number;
  lease_token: string;
  leased_by: string;
  lease_confirmed: number;
  [column: string]: SqlStorageValue;
}

/** What taking leases back did: how many jobs are ready at once, and the earliest later run. */
export interface Reclaimed {
  ready: number;
  nextRunAt: number | null;
}

/**
 * Takes back every lease past its expiry: an unconfirmed one goes back ready without spending
 * its attempt; a confirmed one spends it (queued after backoff, or dead). Run before every
 * batch of reads and writes, so expiry never waits for the alarm.
 */
export function expireDue(sql: SqlStorage, now: number, config: QueueConfig, random: () => number): Reclaimed {
  const rows = sql
    .exec<LeasedRow>(
      `SELECT ${LEASED_COLUMNS} FROM jobs WHERE state = 'leased' AND lease_expires_at <= ?`,
      now,
    )
    .toArray();
  const out: Reclaimed = { ready: 0, nextRunAt: null };
  for (const job of rows) {
    if (job.lease_confirmed === 0) {
      const why = `not confirmed within ${Math.round(config.claimMs / 1000)} s: worker "${job.leased_by}" was gone when its poll was answered; back in the queue, no attempt spent`;
      if (releaseLease(sql, job.id, job.lease_token, now, why)) out.ready++;
      continue;
    }
    const next = nextAfterFailure({
      attempts: job.attempts,
      maxAttempts: job.max_attempts,
      retryable: true,
      now,
      config,
      random,
    });
    const error = `lease expired: worker "${job.leased_by}" stopped heartbeating`;
    if (endLease(sql, job.id, job.lease_token, next, error, "expired", now) && next.runAt !== null) {
      out.nextRunAt = Math.min(out.nextRunAt ?? Infinity, next.runAt);
    }
  }
  return out;
}

/**
 * A worker process polled for the first time under `holder.worker`: every lease that name
 * holds under another process id belonged to a predecessor that is gone (one process per
 * worker name, docs/relay-api.md), so it comes back at once. A lease never confirmed costs no
 * attempt; one that was running spends its attempt (a job that kills its worker every time
 * must still end dead) but runs again at once, or is dead when none are left.
 */
export function reclaimFromPredecessors(sql: SqlStorage, holder: Holder, now: number): Reclaimed {
  const rows = sql
    .exec<LeasedRow>(
      `SELECT ${LEASED_COLUMNS} FROM jobs WHERE state = 'leased' AND leased_by = ? AND lease_instance IS NOT ?`,
      holder.worker,
      holder.instance,
    )
    .toArray();
  const out: Reclaimed = { ready: 0, nextRunAt: null };
  for (const job of rows) {
    const why = `worker "${job.leased_by}" restarted: its new process took this job back`;
    if (job.lease_confirmed === 0) {
      if (releaseLease(sql, job.id, job.lease_token, now, `${why} (never confirmed, no attempt spent)`)) out.ready++;
      continue;
    }
    const next: NextState = job.attempts >= job.max_attempts ? { state: "dead", runAt: null } : { state: "queued", runAt: now };
    if (endLease(sql, job.id, job.lease_token, next, `${why} while attempt ${job.attempts} ran`, "expired", now) && next.runAt !== null) {
      out.ready++;
    }
  }
  return out;
}
