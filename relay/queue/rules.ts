/**
 * The queue's pure rules: retry backoff with jitter, where a job goes after a failure or an
 * expired lease, how pushes coalesce, and how ids and lease tokens are made. No I/O: the clock
 * and the random source are passed in, so every rule is testable with fixed values.
 */
import { type ChangedPaths, LIMITS, type SyncPayload } from "../../shared/jobs.ts";
import { toHex } from "../bytes.ts";

/** Tunables read from the environment (see env.ts for defaults). */
export interface QueueConfig {
  leaseMs: number;
  /** How long a lease just handed out waits for its first heartbeat before it goes back. */
  claimMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  doneRetentionMs: number;
}

export const DEFAULT_CONFIG: QueueConfig = {
  leaseMs: 120_000,
  claimMs: 10_000,
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
  const { count: _queuedCount, ...rest } = queued;
  return {
    ...rest,
    trigger: queued.trigger === "schedule" && laterIsPush ? "push" : queued.trigger,
    after: laterIsPush ? later.after : queued.after,
    before: queued.trigger === "schedule" && laterIsPush ? later.before : queued.before,
    pusher: later.pusher ?? queued.pusher,
    cloneUrl: later.cloneUrl,
    changes: boundChanges(mergeChanges(queued.changes, later.changes)),
    // The newest ids only: every id is also in the deliveries table, and `coalesced` counts them all.
    deliveryIds: [...queued.deliveryIds, ...later.deliveryIds.filter((d) => !queued.deliveryIds.includes(d))].slice(
      -LIMITS.deliveryIds,
    ),
    coalesced: queued.coalesced + later.coalesced,
    // "The next N lessons": the larger request wins, and absent (all) is the largest.
    ...(queued.count !== undefined && later.count !== undefined ? { count: Math.max(queued.count, later.count) } : {}),
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
  // A summary that was cut short stays marked: the paths it lost are not in either list.
  if (earlier.truncated || later.truncated) out.truncated = true;
  return out;
}

/**
 * The changed paths cut to a bounded summary ({@link LIMITS}: path count and bytes of path
 * text), so a push of any legal size fits in one stored row: the first paths of each list are
 * kept (added, then modified, then removed) and `truncated` says that some were dropped. The
 * worker then diffs the two commits itself; the lists never decide what is remade.
 */
export function boundChanges(
  changes: ChangedPaths,
  limits: { paths: number; bytes: number } = { paths: LIMITS.changedPaths, bytes: LIMITS.changedPathBytes },
): ChangedPaths {
  const out: ChangedPaths = { added: [], modified: [], removed: [] };
  let paths = 0;
  let bytes = 0;
  let truncated = changes.truncated === true;
  for (const list of ["added", "modified", "removed"] as const) {
    for (const p of changes[list]) {
      // Counted in UTF-16 units (at most 3 UTF-8 bytes each): cheap for 30,000 paths, and even
      // 3x the limit stays far below the 2 MB a stored value may hold.
      if (paths >= limits.paths || bytes + p.length > limits.bytes) {
        truncated = true;
        break;
      }
      out[list].push(p);
      paths++;
      bytes += p.length;
    }
  }
  if (truncated) out.truncated = true;
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

