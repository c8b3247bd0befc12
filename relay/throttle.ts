/**
 * A token bucket: at most `burst` events at once, refilled at `perMs` per token. Pure: the
 * clock comes in. Used per isolate, e.g. so a flood of forged webhooks costs at most a few
 * queue writes a minute.
 */
export class TokenBucket {
  private tokens: number;
  private at: number | null = null;

  constructor(
    private readonly burst: number,
    private readonly perMs: number,
  ) {
    this.tokens = burst;
  }

  /** Takes a token if one is left at `now`; false when the bucket is empty. */
  take(now: number): boolean {
    if (this.at !== null) this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.at) / this.perMs);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}
