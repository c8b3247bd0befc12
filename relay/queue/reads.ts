/**
 * Read-only queries of the queue's SQL: one job with its history, a page of jobs, the stats,
 * the newest deliveries. Plain functions over the object's `SqlStorage`.
 */
import type { JobDetail, JobList, JobState, Stats } from "../../shared/jobs.ts";
import type { RecentDelivery } from "./types.ts";
import { type AttemptRow, type JobRow, rowToAttempt, rowToJob } from "./schema.ts";

export function readJob(sql: SqlStorage, id: string): JobDetail | null {
  const row = sql.exec<JobRow>("SELECT * FROM jobs WHERE id = ?", id).toArray()[0];
  if (!row) return null;
  const history = sql
    .exec<AttemptRow>(
      "SELECT attempt, worker, leased_at, ended_at, outcome, error FROM attempts WHERE job_id = ? ORDER BY leased_at, rowid",
      id,
    )
    .toArray()
    .map(rowToAttempt);
  return { ...rowToJob(row), history };
}

/** Newest first; `cursor` is the last id of the previous page (ids sort by creation time). */
export function listJobs(sql: SqlStorage, state: JobState | undefined, take: number, cursor: string | undefined): JobList {
  const rows = sql
    .exec<JobRow>(
      `SELECT * FROM jobs WHERE (? IS NULL OR state = ?) AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?`,
      state ?? null,
      state ?? null,
      cursor ?? null,
      cursor ?? null,
      take + 1,
    )
    .toArray();
  const page = rows.slice(0, take);
  return { jobs: page.map(rowToJob), nextCursor: rows.length > take ? page[page.length - 1]!.id : null };
}

/** Counts per state, the oldest queued job's age, and workers (stored "last seen" merged with `inMemory`). */
export function readStats(sql: SqlStorage, now: number, inMemory: ReadonlyMap<string, number>): Stats {
  const counts = { queued: 0, leased: 0, done: 0, dead: 0 };
  for (const r of sql.exec<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")) {
    counts[r.state as keyof typeof counts] = r.n;
  }
  const oldest = sql.exec<{ t: number | null }>("SELECT MIN(created_at) AS t FROM jobs WHERE state = 'queued'").one().t;
  const seen = new Map<string, number>();
  for (const r of sql.exec<{ name: string; last_seen_at: number }>("SELECT name, last_seen_at FROM workers")) {
    seen.set(r.name, r.last_seen_at);
  }
  for (const [name, at] of inMemory) seen.set(name, Math.max(at, seen.get(name) ?? 0));
  const workers = [...seen].map(([name, lastSeenAt]) => ({ name, lastSeenAt })).sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  return { counts, oldestQueuedAgeMs: oldest === null ? null : now - oldest, workers, now };
}

/** The newest GitHub deliveries with the job each became. */
export function recentDeliveries(sql: SqlStorage, limit: number): RecentDelivery[] {
  return sql
    .exec<{ delivery_id: string; job_id: string; received_at: number; type: string | null; state: string | null; repository: string | null }>(
      `SELECT d.delivery_id, d.job_id, d.received_at, j.type, j.state, json_extract(j.payload, '$.repository') AS repository
       FROM deliveries d LEFT JOIN jobs j ON j.id = d.job_id ORDER BY d.received_at DESC, d.rowid DESC LIMIT ?`,
      limit,
    )
    .toArray()
    .map((r) => ({
      deliveryId: r.delivery_id,
      jobId: r.job_id,
      receivedAt: r.received_at,
      jobType: r.type,
      jobState: r.state as JobState | null,
      repository: typeof r.repository === "string" ? r.repository : null,
    }));
}
