/** The publishing calendar against an injected clock, across daylight-saving changes. */
import { describe, expect, test } from "vitest";
import { CalendarSettings, type CalendarLesson, formatPlan, nextSlots, planCalendar } from "../../worker/publish/calendar.ts";
import { zonedTimeToUtc } from "../../worker/publish/zoned-time.ts";

const berlin = CalendarSettings.parse({ timeZone: "Europe/Berlin", slots: [{ day: "tue", time: "15:00" }, { day: "fri", time: "15:00" }] });
const iso = (ms: number) => new Date(ms).toISOString();
const lesson = (atomId: string, order: number, state: CalendarLesson["state"] = "ready"): CalendarLesson => ({ atomId, courseId: "plc-basics", order, state });

describe("slots", () => {
  test("stay at 15:00 Berlin time across the October change (CEST → CET)", () => {
    // Monday 19 October 2026, noon UTC; clocks go back on Sunday 25 October.
    const slots = nextSlots(berlin, Date.parse("2026-10-19T12:00:00Z"), 4).map((s) => [iso(s.at), s.local]);
    expect(slots).toEqual([
      ["2026-10-20T13:00:00.000Z", "tue 2026-10-20 15:00 Europe/Berlin"],
      ["2026-10-23T13:00:00.000Z", "fri 2026-10-23 15:00 Europe/Berlin"],
      ["2026-10-27T14:00:00.000Z", "tue 2026-10-27 15:00 Europe/Berlin"],
      ["2026-10-30T14:00:00.000Z", "fri 2026-10-30 15:00 Europe/Berlin"],
    ]);
  });

  test("stay at 15:00 Berlin time across the March change (CET → CEST)", () => {
    const slots = nextSlots(berlin, Date.parse("2026-03-25T00:00:00Z"), 3).map((s) => iso(s.at));
    expect(slots).toEqual(["2026-03-27T14:00:00.000Z", "2026-03-31T13:00:00.000Z", "2026-04-03T13:00:00.000Z"]);
  });

  test("a slot exactly at the clock is not counted again; the next one is", () => {
    const at = Date.parse("2026-10-20T13:00:00Z");
    expect(iso(nextSlots(berlin, at, 1)[0]!.at)).toBe("2026-10-23T13:00:00.000Z");
    expect(iso(nextSlots(berlin, at - 1, 1)[0]!.at)).toBe("2026-10-20T13:00:00.000Z");
  });

  test("a wall time skipped in spring moves forward; one repeated in autumn is the first", () => {
    expect(iso(zonedTimeToUtc(2026, 3, 29, 2, 30, "Europe/Berlin"))).toBe("2026-03-29T01:30:00.000Z"); // 03:30 CEST
    expect(iso(zonedTimeToUtc(2026, 10, 25, 2, 30, "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z"); // first 02:30 (CEST)
    expect(iso(zonedTimeToUtc(2026, 11, 1, 9, 0, "America/New_York"))).toBe("2026-11-01T14:00:00.000Z");
  });
});

describe("planCalendar", () => {
  const lessons = [lesson("ohms-law", 2), lesson("what-is-a-plc", 1, "approved"), lesson("ton-timer", 3), lesson("already-out", 0, "public"), lesson("set-for-later", 0, "scheduled")];

  test("fills the next slots in course order with lessons that are ready or approved", () => {
    const plan = planCalendar(berlin, lessons, Date.parse("2026-10-21T08:00:00Z"));
    expect(plan.entries.map((e) => [e.atomId, iso(e.at)])).toEqual([
      ["what-is-a-plc", "2026-10-23T13:00:00.000Z"],
      ["ohms-law", "2026-10-27T14:00:00.000Z"],
      ["ton-timer", "2026-10-30T14:00:00.000Z"],
    ]);
    expect(formatPlan(plan)).toContain("tue 2026-10-27 15:00  ohms-law (plc-basics)  [2026-10-27T14:00:00.000Z]");
  });

  test("perSlot puts several lessons in one slot, and a limit plans only the next N", () => {
    const two = { ...berlin, perSlot: 2 };
    const plan = planCalendar(two, lessons, Date.parse("2026-10-21T08:00:00Z"), 3);
    expect(plan.entries.map((e) => [e.atomId, iso(e.at)])).toEqual([
      ["what-is-a-plc", "2026-10-23T13:00:00.000Z"],
      ["ohms-law", "2026-10-23T13:00:00.000Z"],
      ["ton-timer", "2026-10-27T14:00:00.000Z"],
    ]);
    expect(planCalendar(berlin, lessons, 0, 1).entries.map((e) => e.atomId)).toEqual(["what-is-a-plc"]);
  });

  test("slots already given to other lessons are passed over", () => {
    const from = Date.parse("2026-10-21T08:00:00Z");
    const friday = Date.parse("2026-10-23T13:00:00Z");
    const plan = planCalendar(berlin, lessons, from, Infinity, [friday]);
    expect(plan.entries.map((e) => [e.atomId, e.local])).toEqual([
      ["what-is-a-plc", "tue 2026-10-27 15:00 Europe/Berlin"],
      ["ohms-law", "fri 2026-10-30 15:00 Europe/Berlin"],
      ["ton-timer", "tue 2026-11-03 15:00 Europe/Berlin"],
    ]);
  });

  test("nothing waiting is said plainly", () => {
    expect(formatPlan(planCalendar(berlin, [lesson("a", 1, "public")], 0))).toBe("Nothing waits to go public: every lesson made is public or scheduled.");
  });
});

describe("CalendarSettings", () => {
  test("refuses an unknown zone, a bad day and a 12-hour time, naming each", () => {
    const r = CalendarSettings.safeParse({ timeZone: "Europe/Atlantis", slots: [{ day: "tuesday", time: "3pm" }] });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual([
      'timeZone: must be an IANA time zone such as "Europe/Berlin"',
      'slots.0.day: must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"',
      'slots.0.time: must be a 24-hour time "HH:MM", e.g. "15:00"',
    ]);
  });
});
