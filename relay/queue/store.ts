/**
 * Storing a job in the queue's SQL: delivery-id dedupe, dedupe keys, coalescing into a queued
 * job (a sync, an issue's request) or answering with a running one that does the same, or a new
 * row; and the repositories the relay has seen. Plain functions over the object's `SqlStorage`,
 * run inside its group-commit transaction.
 */
import type { EnqueueResponse } from "../../shared/jobs.ts";
import type { EnqueueSpec, SeenRepository } from "./types.ts";
import { comparesRunning, makeJobId, mergeQueued, sameRequest } from "./rules.ts";

/** Stores `spec`, or answers with the job it duplicates or coalesces into. */
export function storeJob(
  sql: SqlStorage,
  spec: EnqueueSpec,
  now: number,
  defaultMaxAttempts: number,
  randomBytes: (n: number) => Uint8Array,
): EnqueueResponse {
  if (spec.deliveryId) {
    const hit = sql
      .exec<{ job_id: string }>("SELECT job_id FROM deliveries WHERE delivery_id = ?", spec.deliveryId)
      .toArray()[0];
    if (hit) return { jobId: hit.job_id, deduplicated: true };
  }
  if (spec.dedupeKey) {
    const hit = sql.exec<{ id: string }>("SELECT id FROM jobs WHERE dedupe_key = ?", spec.dedupeKey).toArray()[0];
    if (hit) return { jobId: hit.id, deduplicated: true };
  }
  if (spec.coalesceKey) {
    const queued = sql
      .exec<{ id: string; payload: string }>(
        "SELECT id, payload FROM jobs WHERE coalesce_key = ? AND state = 'queued' ORDER BY id LIMIT 1",
        spec.coalesceKey,
      )
      .toArray()[0];
    const merged = queued ? mergeQueued(spec.type, JSON.parse(queued.payload) as Record<string, unknown>, spec.payload) : null;
    if (queued && merged) {
      const updated = sql
        .exec(
          "UPDATE jobs SET payload = ?, updated_at = ? WHERE id = ? AND state = 'queued' RETURNING id",
          JSON.stringify(merged),
          now,
          queued.id,
        )
        .toArray();
      if (updated.length === 1) {
        recordDelivery(sql, spec.deliveryId, queued.id, now);
        return { jobId: queued.id, coalesced: true };
      }
    }
    // A running job that already does exactly this answers instead (see rules.ts, sameRequest).
    const running = comparesRunning(spec.type)
      ? sql
          .exec<{ id: string; payload: string }>(
            "SELECT id, payload FROM jobs WHERE coalesce_key = ? AND state = 'leased' ORDER BY id",
            spec.coalesceKey,
          )
          .toArray()
          .find((r) => sameRequest(spec.type, JSON.parse(r.payload) as Record<string, unknown>, spec.payload))
      : undefined;
    if (running) {
      recordDelivery(sql, spec.deliveryId, running.id, now);
      return { jobId: running.id, deduplicated: true };
    }
  }
  const id = makeJobId(now, randomBytes);
  sql.exec(
    `INSERT INTO jobs (id, type, state, payload, dedupe_key, coalesce_key, attempts, max_attempts, run_at, created_at, updated_at)
     VALUES (?, ?, 'queued', ?, ?, ?, 0, ?, ?, ?, ?)`,
    id,
    spec.type,
    JSON.stringify(spec.payload),
    spec.dedupeKey ?? null,
    spec.coalesceKey ?? null,
    spec.maxAttempts ?? defaultMaxAttempts,
    spec.runAt ?? now,
    now,
    now,
  );
  recordDelivery(sql, spec.deliveryId, id, now);
  return { jobId: id };
}

function recordDelivery(sql: SqlStorage, deliveryId: string | undefined, jobId: string, now: number): void {
  if (!deliveryId) return;
  sql.exec("INSERT INTO deliveries (delivery_id, job_id, received_at) VALUES (?, ?, ?)", deliveryId, jobId, now);
}

/** Remembers (or refreshes) a repository seen in a signed webhook. */
export function rememberRepository(sql: SqlStorage, seen: SeenRepository, now: number): void {
  sql.exec(
    `INSERT INTO repositories (repository, clone_url, default_branch, last_seen_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (repository) DO UPDATE SET clone_url = excluded.clone_url,
       default_branch = excluded.default_branch, last_seen_at = excluded.last_seen_at`,
    seen.repository,
    seen.cloneUrl,
    seen.defaultBranch,
    now,
  );
}

/** Repositories seen in webhooks, by name. */
export function listRepositories(sql: SqlStorage): SeenRepository[] {
  return sql
    .exec<{ repository: string; clone_url: string; default_branch: string }>(
      "SELECT repository, clone_url, default_branch FROM repositories ORDER BY repository",
    )
    .toArray()
    .map((r) => ({ repository: r.repository, cloneUrl: r.clone_url, defaultBranch: r.default_branch }));
}
