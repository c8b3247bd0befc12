/**
 * The queue's pure rules: retry backoff with jitter, where a job goes after a failure or an
 * expired lease, how pushes coalesce, and how ids and lease tokens are made. No I/O: the clock
 * and the random source are passed in, so every rule is testable with fixed values.
 */
import type { ChangedPaths, SyncPayload } from "../../shared/jobs.ts";
import { toHex } from "../bytes.ts";

/** Tunables read from the environment (see env.ts for defaults). */
export interface QueueConfig {
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  doneRetentionMs: number;
}

export const DEFAULT_CONFIG: QueueConfig = {
  leaseMs: 120_000,
  maxAttempts: 5,
  backoffBaseMs: 30_000,
  backoffMaxMs: 3_600_000,
  doneRetentionMs: 7 * 86_400_000,
};

/**
 * Delay before retry number `attempt` (1 = first retry): exponential, capped, with "equal
 * jitter" — half the delay is fixed and half random — so retries of jobs that failed together
 * spread out, yet no retry comes back almost at once (which full jitter allows).
 * `random` returns a number in [0, 1).
 */
export function backoffDelayMs(attempt: number, config: QueueConfig, random: () => number): number {
  const exp = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

export type NextState = { state: "queued"; runAt: number } | { state: "dead"; runAt: null };

/**
 * Where a job goes when attempt number `attempts` ended badly (failure or expired lease).
 * Dead when not retryable or when every attempt is spent; otherwise queued again after the
 * backoff, or later if the worker asked for a later `retryAt` (e.g. a daily quota reset).
 */
export function nextAfterFailure(input: {
  attempts: number;
  maxAttempts: number;
  retryable: boolean;
  now: number;
  retryAt?: number | undefined;
  config: QueueConfig;
  random: () => number;
}): NextState {
  if (!input.retryable || input.attempts >= input.maxAttempts) return { state: "dead", runAt: null };
  const backoff = input.now + backoffDelayMs(input.attempts, input.config, input.random);
  return { state: "queued", runAt: Math.max(backoff, input.retryAt ?? 0) };
}

/** The key under which queued syncs of one repository branch coalesce. */
export function syncCoalesceKey(repository: string, branch: string): string {
  return `sync:${repository.toLowerCase()}@${branch}`;
}

/**
 * Folds a later sync request into a queued one: the target becomes the newest push's `after`,
 * changed paths are merged in order, deliveries are concatenated. A scheduled sync adds nothing
 * to a queued push (the push already syncs the branch), but a push upgrades a queued scheduled
 * sync to a push with a known target sha.
 */
export function mergeSync(queued: SyncPayload, later: SyncPayload): SyncPayload {
  const laterIsPush = later.trigger === "push";
  return {
    ...queued,
    trigger: queued.trigger === "schedule" && laterIsPush ? "push" : queued.trigger,
    after: laterIsPush ? later.after : queued.after,
    before: queued.trigger === "schedule" && laterIsPush ? later.before : queued.before,
    pusher: later.pusher ?? queued.pusher,
    cloneUrl: later.cloneUrl,
    changes: mergeChanges(queued.changes, later.changes),
    deliveryIds: [...queued.deliveryIds, ...later.deliveryIds.filter((d) => !queued.deliveryIds.includes(d))],
    coalesced: queued.coalesced + later.coalesced,
  };
}

/**
 * Applies a later push's changes on top of earlier ones: a path ends in exactly one list —
 * removed if its last change removed it, added if it was first added within the window,
 * modified otherwise.
 */
export function mergeChanges(earlier: ChangedPaths, later: ChangedPaths): ChangedPaths {
  const status = new Map<string, "added" | "modified" | "removed">();
  const apply = (c: ChangedPaths) => {
    for (const p of c.added) status.set(p, status.get(p) === "removed" ? "modified" : "added");
    for (const p of c.modified) if (status.get(p) !== "added") status.set(p, "modified");
    for (const p of c.removed) {
      if (status.get(p) === "added") status.delete(p);
      else status.set(p, "removed");
    }
  };
  apply(earlier);
  apply(later);
  const out: ChangedPaths = { added: [], modified: [], removed: [] };
  for (const [p, s] of status) out[s].push(p);
  return out;
}

/**
 * A job id: 12 hex digits of the creation time (ms) then 8 random hex digits. Ids sort by
 * creation time, which makes them the list cursor, and stay unique within a millisecond.
 */
export function makeJobId(now: number, randomBytes: (n: number) => Uint8Array): string {
  return `j${now.toString(16).padStart(12, "0")}${toHex(randomBytes(4))}`;
}

/**
 * A lease token: 128 random bits, new for every lease, so an ack carrying the token of an
 * earlier lease of the same job can never pass for the current holder's.
 */
export function makeLeaseToken(randomBytes: (n: number) => Uint8Array): string {
  return toHex(randomBytes(16));
}

