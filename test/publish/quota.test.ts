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
