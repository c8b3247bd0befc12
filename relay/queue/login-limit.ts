/**
 * Rate limit of dashboard sign-in attempts, per client address: after {@link LOGIN_LIMIT}
 * failed attempts within {@link LOGIN_WINDOW_MS}, every attempt from that address (even one
 * with the right token, so guessing learns nothing) is refused until the window has passed.
 * Kept in the queue object's memory: one object serves every request, so the count is global.
 * Pure apart from the map; the clock comes in.
 */

/** Failed sign-ins allowed per address and window. */
export const LOGIN_LIMIT = 10;
/** The window in which failures count. */
export const LOGIN_WINDOW_MS = 15 * 60_000;
const MAX_ADDRESSES = 10_000;

/** What the limiter says about one attempt. */
export interface LoginVerdict {
  /** False: refuse this attempt (429), whatever its token. */
  allowed: boolean;
  /** When refused: milliseconds until attempts are accepted again. */
  retryAfterMs: number;
}

export class LoginLimiter {
  private readonly failures = new Map<string, { since: number; count: number }>();

  /** Judges one attempt from `address` (whose token check `failed` or not) and counts a failure. */
  attempt(address: string, failed: boolean, now: number): LoginVerdict {
    let entry = this.failures.get(address);
    if (entry && now - entry.since >= LOGIN_WINDOW_MS) {
      this.failures.delete(address);
      entry = undefined;
    }
    if (entry && entry.count >= LOGIN_LIMIT) return { allowed: false, retryAfterMs: entry.since + LOGIN_WINDOW_MS - now };
    if (failed) {
      if (entry) entry.count++;
      else {
        if (this.failures.size >= MAX_ADDRESSES) this.prune(now);
        this.failures.set(address, { since: now, count: 1 });
      }
    }
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Drops expired entries; if still full, the oldest. */
  private prune(now: number): void {
    for (const [address, e] of this.failures) if (now - e.since >= LOGIN_WINDOW_MS) this.failures.delete(address);
    if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
  }
}
