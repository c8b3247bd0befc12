/**
 * Reconnect delays: exponential backoff with jitter, capped. Pure: the randomness is passed in,
 * so tests pick it and nothing here reads a clock.
 */

/** How retries spread out. */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter (ms). */
  baseMs: number;
  /** No delay grows past this (ms). */
  capMs: number;
}

/** Reconnecting to the relay: 0.5 s, 1 s, 2 s, … up to about a minute. */
export const RECONNECT_POLICY: BackoffPolicy = { baseMs: 500, capMs: 60_000 };

/**
 * Delay before retry number `attempt` (0 = first retry): "equal jitter", i.e. half of the
 * exponential step fixed and half random. Never zero (no tight loop) and spread out so that
 * several workers that lost the relay at the same moment do not come back in lock-step.
 *
 * @param random a number in [0, 1), e.g. Math.random
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2 ** n overflows to Infinity long after the cap is reached; min() keeps it finite.
  const step = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(n, 40));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step / 2 + r * (step / 2));
}
