import { describe, expect, it } from "vitest";
import { isRetryableStatus, retryAfterMs, retryDelayMs, sleep } from "../../worker/agents/retry.ts";

const headers = (h: Record<string, string>) => new Headers(h);
const NOW = Date.UTC(2026, 10, 25, 9, 0, 0);

describe("retry rules for the Messages API", () => {
  it("retries 408, 409, 429, 5xx, 529 and connection errors, but not other 4xx", () => {
    expect([408, 409, 429, 500, 503, 529, undefined].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413].some(isRetryableStatus)).toBe(false);
  });

  it("reads retry-after-ms first, then retry-after as seconds or as an HTTP date", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "1500", "retry-after": "9" }), NOW)).toBe(1500);
    expect(retryAfterMs(headers({ "retry-after": "12" }), NOW)).toBe(12_000);
    expect(retryAfterMs(headers({ "retry-after": "0" }), NOW)).toBe(0);
    expect(retryAfterMs(headers({ "retry-after": new Date(NOW + 30_000).toUTCString() }), NOW)).toBe(30_000);
    expect(retryAfterMs(headers({ "retry-after": "soon" }), NOW)).toBeNull();
    expect(retryAfterMs(undefined, NOW)).toBeNull();
  });

  it("falls back to capped exponential backoff with jitter when the server says nothing", () => {
    expect([1, 2, 3, 8, 20].map((a) => retryDelayMs(a, headers({}), NOW, () => 1))).toEqual([1000, 2000, 4000, 60_000, 60_000]);
    expect(retryDelayMs(1, headers({}), NOW, () => 0)).toBe(500);
  });

  it("sleep rejects at once when its signal aborts", async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort(new Error("shutdown"));
    await expect(p).rejects.toThrow("shutdown");
  });
});
