/**
 * The queue object's SQLite schema (Durable Object SQL storage) and the row ↔ Job mapping.
 * Tables are created idempotently when the object starts; new columns get their own
 * `ALTER TABLE` guarded by a look at `pragma_table_info`, never a rewrite.
 */
import type { Attempt, Job, JobState } from "../../shared/jobs.ts";

export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS jobs (
     id TEXT PRIMARY KEY,
     type TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('queued','leased','done','dead')),
     payload TEXT NOT NULL,
     dedupe_key TEXT,
     coalesce_key TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     run_at INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     last_error TEXT,
     leased_by TEXT,
     lease_token TEXT,
     lease_expires_at INTEGER,
     progress TEXT,
     result TEXT
   )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS jobs_dedupe ON jobs(dedupe_key) WHERE dedupe_key IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS jobs_ready ON jobs(state, run_at, id)`,
  `CREATE INDEX IF NOT EXISTS jobs_coalesce ON jobs(coalesce_key, state) WHERE coalesce_key IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS jobs_lease ON jobs(state, lease_expires_at)`,
  `CREATE TABLE IF NOT EXISTS attempts (
     lease_token TEXT PRIMARY KEY,
     job_id TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     worker TEXT NOT NULL,
     leased_at INTEGER NOT NULL,
     ended_at INTEGER,
     outcome TEXT NOT NULL,
     error TEXT
   )`,
  `CREATE INDEX IF NOT EXISTS attempts_job ON attempts(job_id, leased_at)`,
  `CREATE TABLE IF NOT EXISTS deliveries (
     delivery_id TEXT PRIMARY KEY,
     job_id TEXT NOT NULL,
     received_at INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS deliveries_job ON deliveries(job_id)`,
  `CREATE TABLE IF NOT EXISTS workers (name TEXT PRIMARY KEY, last_seen_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS repositories (
     repository TEXT PRIMARY KEY,
     clone_url TEXT NOT NULL,
     default_branch TEXT NOT NULL,
     last_seen_at INTEGER NOT NULL
   )`,
  // Webhook deliveries refused for their signature: headers only, never the body (the newest 50).
  `CREATE TABLE IF NOT EXISTS refused_deliveries (
     received_at INTEGER NOT NULL,
     delivery_id TEXT,
     event TEXT,
     hook_id TEXT,
     reason TEXT NOT NULL
   )`,
];

/** Columns added after the first release: name → definition (added once, when missing). */
const ADDED_COLUMNS: readonly { table: string; column: string; definition: string }[] = [
  // The per-process id of the worker holding the lease (a restarted worker takes its jobs back).
  { table: "jobs", column: "lease_instance", definition: "TEXT" },
  // 0 until the holder's first heartbeat: an unconfirmed lease soon goes back to the queue.
  { table: "jobs", column: "lease_confirmed", definition: "INTEGER NOT NULL DEFAULT 1" },
  // A dead job's `updated_at` when the owner dismissed it from the dashboard's banner (dismiss.ts).
  { table: "jobs", column: "dismissed_at", definition: "INTEGER" },
];

/** Creates the tables and adds any missing column; idempotent, run when the object starts. */
export function migrate(sql: SqlStorage): void {
  for (const statement of SCHEMA) sql.exec(statement);
  for (const { table, column, definition } of ADDED_COLUMNS) {
    const has = sql.exec("SELECT 1 FROM pragma_table_info(?) WHERE name = ?", table, column).toArray().length > 0;
    if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}

/** A `jobs` row as SQLite returns it. */
export interface JobRow {
  id: string;
  type: string;
  state: string;
  payload: string;
  dedupe_key: string | null;
  coalesce_key: string | null;
  attempts: number;
  max_attempts: number;
  run_at: number;
  created_at: number;
  updated_at: number;
  last_error: string | null;
  leased_by: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  progress: string | null;
  result: string | null;
  lease_instance: string | null;
  lease_confirmed: number;
  dismissed_at: number | null;
  [column: string]: SqlStorageValue;
}

export interface AttemptRow {
  attempt: number;
  worker: string;
  leased_at: number;
  ended_at: number | null;
  outcome: string;
  error: string | null;
  [column: string]: SqlStorageValue;
}

/** The wire `Job` for a row; the lease token never leaves except in a lease response. */
export function rowToJob(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    type: row.type,
    state: row.state as JobState,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    dedupeKey: row.dedupe_key,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastError: row.last_error,
    leasedBy: row.leased_by,
    leaseExpiresAt: row.lease_expires_at,
  };
  if (row.progress !== null) job.progress = JSON.parse(row.progress);
  if (row.result !== null) job.result = JSON.parse(row.result);
  return job;
}

export function rowToAttempt(row: AttemptRow): Attempt {
  return {
    attempt: row.attempt,
    worker: row.worker,
    leasedAt: row.leased_at,
    endedAt: row.ended_at,
    outcome: row.outcome as Attempt["outcome"],
    error: row.error,
  };
}
