/**
 * Cancelling a queued job because what asked for it was withdrawn (an issue request closed or
 * un-labelled). One guarded statement: only a job still `queued` under the key moves; a running
 * one finishes. A cancelled job is `done` with a result that says why, so it leaves the queue,
 * shows on the dashboard as finished with its reason, and is pruned like any finished job.
 */
import type { JobResult } from "../../shared/jobs.ts";

/** What a cancellation did: the jobs it cancelled, or the job a repeated delivery already touched. */
export type CancelOutcome = { cancelled: string[]; deduplicated?: boolean };

/** What a cancelled job's `result` holds (a JobResult, plus the `cancelled` record). */
export interface CancelledResult extends JobResult {
  cancelled: { reason: string; at: number; deliveryId: string | null };
}

/**
 * Moves every job queued under `coalesceKey` to `done` with a result naming `reason` (at most
 * one in practice: later requests coalesce into it). A delivery already recorded (GitHub's
 * redelivery) changes nothing: it could otherwise cancel a newer request of the same issue.
 */
export function cancelQueued(
  sql: SqlStorage,
  coalesceKey: string,
  reason: string,
  deliveryId: string | undefined,
  now: number,
): CancelOutcome {
  if (deliveryId) {
    const hit = sql.exec<{ job_id: string }>("SELECT job_id FROM deliveries WHERE delivery_id = ?", deliveryId).toArray()[0];
    if (hit) return { cancelled: [hit.job_id], deduplicated: true };
  }
  const result: CancelledResult = {
    summary: `Cancelled before it ran: ${reason}`.slice(0, 2000),
    steps: [],
    ran: 0,
    skipped: 0,
    produced: [],
    cancelled: { reason, at: now, deliveryId: deliveryId ?? null },
  };
  const ids = sql
    .exec<{ id: string }>(
      "UPDATE jobs SET state = 'done', result = ?, updated_at = ? WHERE coalesce_key = ? AND state = 'queued' RETURNING id",
      JSON.stringify(result),
      now,
      coalesceKey,
    )
    .toArray()
    .map((r) => r.id)
    .sort();
  // The delivery points at the job it cancelled, so the dashboard's deliveries list shows it.
  if (deliveryId && ids.length > 0) {
    sql.exec("INSERT INTO deliveries (delivery_id, job_id, received_at) VALUES (?, ?, ?)", deliveryId, ids[0], now);
  }
  return { cancelled: ids };
}
