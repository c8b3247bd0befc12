/**
 * When and whether to retry a failed Anthropic API call. Pure: headers and clock passed in.
 *
 * The SDK can retry by itself, but it sleeps on a real timer; the content agent turns the SDK's
 * retries off and uses these rules with an injected sleep so tests never wait.
 */
import { type BackoffPolicy, backoffDelay } from "../backoff.ts";

/** Anthropic backoff when the server gives no retry-after: 1 s, 2 s, 4 s … up to 60 s. */
export const API_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

/** A wait longer than this is not worth holding the step for: fail retryable instead. */
export const MAX_WAIT_MS = 5 * 60_000;

/** Statuses that say "try again later": timeout, conflict, rate limit, server errors, 529 overloaded. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true; // connection error: no response at all
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Minimal view of response headers (the SDK gives a fetch `Headers`). */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The server's requested wait in ms, from `retry-after-ms` or `retry-after` (seconds or an
 * HTTP date), or null when absent or unparseable. Zero is a valid answer ("retry now").
 */
export function retryAfterMs(headers: HeaderSource | undefined | null, now: number): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms != null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get("retry-after");
  if (value == null || value.trim() === "") return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Wait before retry number `attempt` (1 = first retry): the server's word if it gave one, else backoff. */
export function retryDelayMs(attempt: number, headers: HeaderSource | undefined | null, now: number, random: () => number): number {
  return retryAfterMs(headers, now) ?? backoffDelay(attempt - 1, API_BACKOFF, random);
}

/** Sleeps `ms` or until `signal` aborts (then rejects with the abort reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
