/**
 * Webhook deliveries refused for their signature (wrong or missing secret), kept so the
 * dashboard can show them: headers only (delivery id, event, hook id) and the reason, never
 * the body, and only the newest {@link REFUSED_KEEP}. Plain functions over the queue's SQL.
 */
import type { RefusedDelivery } from "./types.ts";

/** How many refused deliveries are kept. */
export const REFUSED_KEEP = 50;

/** Stores one refusal and drops all but the newest {@link REFUSED_KEEP}. */
export function recordRefusal(sql: SqlStorage, r: Omit<RefusedDelivery, "receivedAt">, now: number): void {
  sql.exec(
    "INSERT INTO refused_deliveries (received_at, delivery_id, event, hook_id, reason) VALUES (?, ?, ?, ?, ?)",
    now,
    r.deliveryId,
    r.event,
    r.hookId,
    r.reason,
  );
  sql.exec(
    `DELETE FROM refused_deliveries WHERE rowid NOT IN
       (SELECT rowid FROM refused_deliveries ORDER BY received_at DESC, rowid DESC LIMIT ?)`,
    REFUSED_KEEP,
  );
}

/** The newest refusals, newest first. */
export function recentRefusals(sql: SqlStorage, limit: number): RefusedDelivery[] {
  return sql
    .exec<{ received_at: number; delivery_id: string | null; event: string | null; hook_id: string | null; reason: string }>(
      "SELECT received_at, delivery_id, event, hook_id, reason FROM refused_deliveries ORDER BY received_at DESC, rowid DESC LIMIT ?",
      limit,
    )
    .toArray()
    .map((r) => ({ receivedAt: r.received_at, deliveryId: r.delivery_id, event: r.event, hookId: r.hook_id, reason: r.reason }));
}
