/**
 * The queue's pure rules: retry backoff with jitter, where a job goes after a failure or an
 * expired lease, how pushes coalesce, and how ids and lease tokens are made. No I/O: the clock
 * and the random source are passed in, so every rule is testable with fixed values.
 */
import {
  type ChangedPaths,
  KB_REQUEST_JOB_TYPE,
  type KbRequestPayload,
  LIMITS,
  SYNC_JOB_TYPE,
  type SyncPayload,
} from "../../shared/jobs.ts";
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
    deliveryIds: mergeDeliveryIds(queued.deliveryIds, later.deliveryIds),
    coalesced: queued.coalesced + later.coalesced,
    // "The next N lessons": the larger request wins, and absent (all) is the largest.
    ...(queued.count !== undefined && later.count !== undefined ? { count: Math.max(queued.count, later.count) } : {}),
  };
}

/** The key under which requests from one issue coalesce (and that closing the issue cancels). */
export function kbRequestCoalesceKey(repository: string, issueNumber: number): string {
  return `kb-request:${repository.toLowerCase()}#${issueNumber}`;
}

/** The dedupe key of a release's publishing job: one job per release id while it exists. */
export function releaseDedupeKey(repository: string, releaseId: number): string {
  return `release:${repository.toLowerCase()}#${releaseId}`;
}

/**
 * Folds a later event of the same issue into its queued request: the newest title, body and
 * labels win (an edit updates what the worker will draft from); deliveries are concatenated.
 */
export function mergeKbRequest(queued: KbRequestPayload, later: KbRequestPayload): KbRequestPayload {
  return {
    ...queued,
    ...later,
    deliveryIds: mergeDeliveryIds(queued.deliveryIds, later.deliveryIds),
    // When the request first arrived: what the dashboard's age and the worker's logs mean.
    ...(queued.receivedAt !== undefined ? { receivedAt: queued.receivedAt } : {}),
  };
}

/**
 * Merges `later` into the queued payload of a job of `type` with the same coalesce key, or
 * null when that type does not coalesce (then a new job is stored).
 */
export function mergeQueued(type: string, queued: Record<string, unknown>, later: Record<string, unknown>): Record<string, unknown> | null {
  if (type === SYNC_JOB_TYPE) return mergeSync(queued as SyncPayload, later as SyncPayload);
  if (type === KB_REQUEST_JOB_TYPE) return mergeKbRequest(queued as KbRequestPayload, later as KbRequestPayload);
  return null;
}

/**
 * Whether a running job of `type` already does what `later` asks, so `later` is answered with
 * it instead of a second job. For issue requests: the same title, body and labels. An issue
 * created with its label sends `opened` and `labeled` together, and a worker may lease the
 * first before the second arrives; an edit changes the content and so still makes a new job.
 * Syncs never match (a push while one runs needs its own sync).
 */
export function sameRequest(type: string, running: Record<string, unknown>, later: Record<string, unknown>): boolean {
  if (type !== KB_REQUEST_JOB_TYPE) return false;
  const a = (running as KbRequestPayload).issue;
  const b = (later as KbRequestPayload).issue;
  if (!a || !b) return false;
  return (
    a.number === b.number &&
    a.title === b.title &&
    a.body === b.body &&
    JSON.stringify([...(a.labels ?? [])].sort()) === JSON.stringify([...(b.labels ?? [])].sort())
  );
}

/** Whether {@link sameRequest} can match for `type` (the store skips reading running jobs otherwise). */
export function comparesRunning(type: string): boolean {
  return type === KB_REQUEST_JOB_TYPE;
}

/** Delivery ids of two coalesced payloads: each once, the newest {@link LIMITS.deliveryIds}. */
function mergeDeliveryIds(earlier: readonly string[], later: readonly string[]): string[] {
  return [...earlier, ...later.filter((d) => !earlier.includes(d))].slice(-LIMITS.deliveryIds);
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

