/**
 * The local ledger: what every pipeline step did, so a job can be redelivered, or the worker
 * killed and restarted, without any finished step running twice.
 *
 * A SQLite file (better-sqlite3) at WORK_DIR/ledger.sqlite in WAL mode with synchronous=FULL:
 * a write has reached the disk when the call returns. One row per (repository, step key, input
 * hash): a step whose inputs change gets a new row, and changing them back finds the old one.
 * Values a step records mid-run (an upload session, an uploaded video id) live beside it, so
 * the next attempt resumes instead of repeating the side effect.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { StepOutput } from "./pipeline/types.ts";

/** One step's run as the ledger remembers it. */
export interface StepRun {
  repository: string;
  key: string;
  kind: string;
  inputHash: string;
  state: "running" | "done" | "failed";
  /** The step's output once done; null while running or after a failure. */
  output: StepOutput | null;
  /** Values recorded with StepContext.record (survive crashes and failures). */
  recorded: Record<string, string>;
  startedAt: number;
  finishedAt: number | null;
  /** The relay job that ran it last (null for local runs). */
  jobId: string | null;
  /** Why it failed, when state = "failed". */
  error: string | null;
}

/** A job as this worker ran it (for `factory status`). */
export interface JobRun {
  jobId: string;
  repository: string;
  sha: string | null;
  state: "running" | "completed" | "failed" | "released" | "lost";
  startedAt: number;
  finishedAt: number | null;
  summary: string | null;
}

/** Identifies one step run. */
export interface StepId {
  repository: string;
  key: string;
  inputHash: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS step_runs (
  repository  TEXT NOT NULL,
  key         TEXT NOT NULL,
  input_hash  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('running','done','failed')),
  output      TEXT,
  error       TEXT,
  job_id      TEXT,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (repository, key, input_hash)
);
CREATE INDEX IF NOT EXISTS step_runs_kind ON step_runs (kind);
CREATE TABLE IF NOT EXISTS step_records (
  repository  TEXT NOT NULL,
  key         TEXT NOT NULL,
  input_hash  TEXT NOT NULL,
  name        TEXT NOT NULL,
  value       TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (repository, key, input_hash, name)
);
CREATE TABLE IF NOT EXISTS job_runs (
  job_id      TEXT PRIMARY KEY,
  repository  TEXT NOT NULL,
  sha         TEXT,
  state       TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  summary     TEXT
);
`;

interface StepRow {
  repository: string;
  key: string;
  input_hash: string;
  kind: string;
  state: StepRun["state"];
  output: string | null;
  error: string | null;
  job_id: string | null;
  started_at: number;
  finished_at: number | null;
}

/** The ledger database. One instance per process; close() it on exit. */
export class Ledger {
  private constructor(private readonly db: Database.Database) {}

  /** Opens (creating if needed) the ledger at `path`. */
  static open(path: string): Ledger {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    // FULL: every commit is fsync'd, so a recorded side effect survives a power cut, not just a crash.
    db.pragma("synchronous = FULL");
    // Several worker processes may share one WORK_DIR (one after another after a crash, or at once).
    db.pragma("busy_timeout = 10000");
    db.exec(SCHEMA);
    return new Ledger(db);
  }

  /** The finished run of this step with exactly this input hash, if any. */
  findDone(id: StepId): StepRun | null {
    const row = this.db
      .prepare(`SELECT * FROM step_runs WHERE repository = ? AND key = ? AND input_hash = ? AND state = 'done'`)
      .get(id.repository, id.key, id.inputHash) as StepRow | undefined;
    return row ? this.toRun(row) : null;
  }

  /** Values recorded by earlier attempts at this step (same inputs). */
  recorded(id: StepId): Record<string, string> {
    const rows = this.db
      .prepare(`SELECT name, value FROM step_records WHERE repository = ? AND key = ? AND input_hash = ? ORDER BY name`)
      .all(id.repository, id.key, id.inputHash) as { name: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  }

  /** Marks a step as running (keeps values recorded by an earlier attempt). */
  startStep(id: StepId, kind: string, jobId: string | null, now: number): void {
    this.db
      .prepare(
        `INSERT INTO step_runs (repository, key, input_hash, kind, state, output, error, job_id, started_at, finished_at)
         VALUES (?, ?, ?, ?, 'running', NULL, NULL, ?, ?, NULL)
         ON CONFLICT (repository, key, input_hash) DO UPDATE SET
           kind = excluded.kind, state = 'running', output = NULL, error = NULL,
           job_id = excluded.job_id, started_at = excluded.started_at, finished_at = NULL`,
      )
      .run(id.repository, id.key, id.inputHash, kind, jobId, now);
  }

  /** Marks a step done with its output (JSON). */
  finishStep(id: StepId, output: StepOutput, now: number): void {
    this.db
      .prepare(
        `UPDATE step_runs SET state = 'done', output = ?, error = NULL, finished_at = ?
         WHERE repository = ? AND key = ? AND input_hash = ?`,
      )
      .run(JSON.stringify(output), now, id.repository, id.key, id.inputHash);
  }

  /** Marks a step failed. Its recorded values stay for the next attempt. */
  failStep(id: StepId, error: string, now: number): void {
    this.db
      .prepare(
        `UPDATE step_runs SET state = 'failed', output = NULL, error = ?, finished_at = ?
         WHERE repository = ? AND key = ? AND input_hash = ?`,
      )
      .run(error.slice(0, 8000), now, id.repository, id.key, id.inputHash);
  }

  /** Durably records one value of a running step; on disk when this returns. */
  record(id: StepId, name: string, value: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO step_records (repository, key, input_hash, name, value, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (repository, key, input_hash, name) DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at`,
      )
      .run(id.repository, id.key, id.inputHash, name, value, now);
  }

  /** Every step run, oldest first, optionally only of one kind and/or repository. */
  listStepRuns(filter: { kind?: string; repository?: string } = {}): StepRun[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.kind !== undefined) (where.push("kind = ?"), args.push(filter.kind));
    if (filter.repository !== undefined) (where.push("repository = ?"), args.push(filter.repository));
    const rows = this.db
      .prepare(
        `SELECT * FROM step_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY started_at, repository, key`,
      )
      .all(...args) as StepRow[];
    return rows.map((r) => this.toRun(r));
  }

  /** Counts of step runs per state (for `factory status`). */
  stepCounts(): Record<StepRun["state"], number> {
    const rows = this.db.prepare(`SELECT state, COUNT(*) AS n FROM step_runs GROUP BY state`).all() as {
      state: StepRun["state"];
      n: number;
    }[];
    const out = { running: 0, done: 0, failed: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /** Notes that this worker started a job. */
  startJob(jobId: string, repository: string, sha: string | null, now: number): void {
    this.db
      .prepare(
        `INSERT INTO job_runs (job_id, repository, sha, state, started_at) VALUES (?, ?, ?, 'running', ?)
         ON CONFLICT (job_id) DO UPDATE SET repository = excluded.repository, sha = excluded.sha,
           state = 'running', started_at = excluded.started_at, finished_at = NULL, summary = NULL`,
      )
      .run(jobId, repository, sha, now);
  }

  /** Notes how a job ended here. */
  finishJob(jobId: string, state: JobRun["state"], summary: string | null, now: number, sha?: string | null): void {
    this.db
      .prepare(
        `UPDATE job_runs SET state = ?, summary = ?, finished_at = ?, sha = COALESCE(?, sha) WHERE job_id = ?`,
      )
      .run(state, summary, now, sha ?? null, jobId);
  }

  /** The most recent jobs this worker ran. */
  recentJobs(limit = 10): JobRun[] {
    const rows = this.db
      .prepare(`SELECT * FROM job_runs ORDER BY started_at DESC LIMIT ?`)
      .all(limit) as { job_id: string; repository: string; sha: string | null; state: JobRun["state"]; started_at: number; finished_at: number | null; summary: string | null }[];
    return rows.map((r) => ({
      jobId: r.job_id,
      repository: r.repository,
      sha: r.sha,
      state: r.state,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      summary: r.summary,
    }));
  }

  /** Closes the database (checkpoints the WAL). */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private toRun(row: StepRow): StepRun {
    return {
      repository: row.repository,
      key: row.key,
      kind: row.kind,
      inputHash: row.input_hash,
      state: row.state,
      output: row.output === null ? null : (JSON.parse(row.output) as StepOutput),
      recorded: this.recorded({ repository: row.repository, key: row.key, inputHash: row.input_hash }),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      jobId: row.job_id,
      error: row.error,
    };
  }
}
