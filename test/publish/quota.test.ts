import { describe, expect, it } from "vitest";
import { nextPacificMidnight } from "../../worker/publish/quota.ts";

describe("nextPacificMidnight", () => {
  it("is 08:00 UTC the next day in winter (PST)", () => {
    expect(new Date(nextPacificMidnight(Date.parse("2026-01-15T12:00:00Z"))).toISOString()).toBe(
      "2026-01-16T08:00:00.000Z",
    );
  });

  it("is 07:00 UTC in summer (PDT)", () => {
    expect(new Date(nextPacificMidnight(Date.parse("2026-07-04T06:59:00Z"))).toISOString()).toBe(
      "2026-07-04T07:00:00.000Z",
    );
  });

  it("moves to the following midnight when called exactly at midnight", () => {
    expect(new Date(nextPacificMidnight(Date.parse("2026-01-16T08:00:00Z"))).toISOString()).toBe(
      "2026-01-17T08:00:00.000Z",
    );
  });

  it("handles the evening before the spring-forward day and the fall-back day", () => {
    // 2026-03-08 is the US spring-forward day: midnight is still PST (08:00 UTC).
    expect(new Date(nextPacificMidnight(Date.parse("2026-03-08T05:00:00Z"))).toISOString()).toBe(
      "2026-03-08T08:00:00.000Z",
    );
    // After it, the next midnight is PDT (07:00 UTC).
    expect(new Date(nextPacificMidnight(Date.parse("2026-03-08T12:00:00Z"))).toISOString()).toBe(
      "2026-03-09T07:00:00.000Z",
    );
    // 2026-11-01 is fall-back: midnight that day is PDT, the next one PST.
    expect(new Date(nextPacificMidnight(Date.parse("2026-11-01T06:00:00Z"))).toISOString()).toBe(
      "2026-11-01T07:00:00.000Z",
    );
    expect(new Date(nextPacificMidnight(Date.parse("2026-11-01T10:00:00Z"))).toISOString()).toBe(
      "2026-11-02T08:00:00.000Z",
    );
  });
});

describe("the quota planner counts lessons and Shorts", () => {
  it("counts each lesson and each Short as its own upload since midnight Pacific, and says how many more fit", async () => {
    const { quotaToday, DAILY_UPLOADS } = await import("../../worker/publish/quota.ts");
    const now = Date.parse("2026-11-25T20:00:00Z"); // 12:00 in Los Angeles
    const yesterday = Date.parse("2026-11-25T07:00:00Z"); // 23:00 the day before, Pacific
    const q = quotaToday(
      [
        { finishedAt: yesterday, short: false },
        { finishedAt: now - 3600_000, short: false },
        { finishedAt: now - 3600_000, short: true },
        { finishedAt: now - 60_000, short: false },
      ],
      now,
    );
    expect(q).toMatchObject({ lessons: 2, shorts: 1, uploads: 3 });
    expect(q.units).toBe(2 * 505 + 51);
    expect(q.room).toBe(Math.floor((10_000 - q.units) / 556));
    const full = quotaToday(Array.from({ length: DAILY_UPLOADS }, () => ({ finishedAt: now - 1000, short: true })), now);
    expect(full.room).toBe(0);
  });
});
