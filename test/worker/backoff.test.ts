import { describe, expect, it } from "vitest";
import { backoffDelay, RECONNECT_POLICY } from "../../worker/backoff.ts";

describe("backoffDelay", () => {
  const policy = { baseMs: 500, capMs: 60_000 };
  it("doubles per attempt, half fixed and half jitter", () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(250);
    expect(backoffDelay(0, policy, () => 0.999999)).toBe(500);
    expect(backoffDelay(3, policy, () => 0)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(3000);
  });
  it("never exceeds the cap, even after very many attempts", () => {
    for (const n of [7, 8, 20, 1000, Number.MAX_SAFE_INTEGER]) {
      const d = backoffDelay(n, RECONNECT_POLICY, () => 0.999999);
      expect(d).toBeLessThanOrEqual(60_000);
      expect(d).toBeGreaterThanOrEqual(30_000);
    }
  });
  it("is never zero, so a failing relay never causes a tight loop", () => {
    expect(backoffDelay(0, policy, () => 0)).toBeGreaterThan(0);
    expect(backoffDelay(-5, policy, () => 0)).toBe(250);
  });
});
