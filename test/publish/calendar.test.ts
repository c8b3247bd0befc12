/** The publishing calendar against an injected clock, across daylight-saving changes. */
import { describe, expect, test } from "vitest";
import { CalendarSettings, type CalendarLesson, dueNow, formatPlan, nextSlots, planCalendar, zonedTimeToUtc } from "../../worker/publish/calendar.ts";

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

  test("dueNow gives what a tick publishes: slots at or before the clock, planned from the last tick", () => {
    const lastTick = Date.parse("2026-10-23T12:00:00Z");
    const plan = planCalendar(berlin, lessons, lastTick);
    expect(dueNow(plan, Date.parse("2026-10-23T12:59:59Z"))).toEqual([]);
    expect(dueNow(plan, Date.parse("2026-10-23T13:05:00Z")).map((e) => e.atomId)).toEqual(["what-is-a-plc"]);
    expect(dueNow(plan, Date.parse("2026-10-28T00:00:00Z")).map((e) => e.atomId)).toEqual(["what-is-a-plc", "ohms-law"]);
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

describe("calendarLessons", () => {
  test("private unscheduled lessons wait, in course order; public and scheduled ones are placed already", async () => {
    const { calendarLessons } = await import("../../worker/commands/calendar.ts");
    const published = [
      { repository: "o/kb", atomId: "ton-timer", target: "youtube" as const, videoId: "v1", url: "", privacy: "private", finishedAt: 1 },
      { repository: "o/kb", atomId: "what-is-a-plc", target: "youtube" as const, videoId: "v2", url: "", privacy: "private", finishedAt: 2 },
      { repository: "o/kb", atomId: "ohms-law", target: "youtube" as const, videoId: "v3", url: "", privacy: "public", finishedAt: 3 },
      { repository: "o/kb", atomId: "later", target: "youtube" as const, videoId: "v4", url: "", privacy: "private", publishAt: "2027-01-01T00:00:00Z", finishedAt: 4 },
      { repository: "o/kb", atomId: "extra", target: "local" as const, videoId: "local:x", url: "", privacy: "private", finishedAt: 5 },
    ];
    const order = new Map([["what-is-a-plc", { order: 0, courseId: "basics" }], ["ton-timer", { order: 1, courseId: "basics" }]]);
    const lessons = calendarLessons(published, order);
    expect(lessons.map((l) => [l.atomId, l.state])).toEqual([
      ["ton-timer", "ready"], ["what-is-a-plc", "ready"], ["ohms-law", "public"], ["later", "scheduled"], ["extra", "ready"],
    ]);
    const plan = planCalendar(berlin, lessons, Date.parse("2026-10-21T08:00:00Z"));
    expect(plan.entries.map((e) => e.atomId)).toEqual(["what-is-a-plc", "ton-timer", "extra"]);
  });
});

describe("nextLessonsToMake (a sync job's count)", () => {
  test("takes the first N not made yet, in course order, atoms in no course last", async () => {
    const { nextLessonsToMake } = await import("../../worker/pipeline/lesson-count.ts");
    const courses = [
      { id: "b-advanced", modules: [{ atoms: ["pid", "ohms-law"] }] },
      { id: "a-basics", modules: [{ atoms: ["what-is-a-plc", "ohms-law"] }, { atoms: ["ton-timer"] }] },
    ];
    const atoms = ["ohms-law", "pid", "ton-timer", "what-is-a-plc", "zz-loose"];
    const made = new Set(["what-is-a-plc"]);
    expect(nextLessonsToMake(courses, atoms, (id) => made.has(id), 3)).toEqual(["ohms-law", "ton-timer", "pid"]);
    expect(nextLessonsToMake(courses, atoms, (id) => made.has(id), 10)).toEqual(["ohms-law", "ton-timer", "pid", "zz-loose"]);
    expect(nextLessonsToMake(courses, atoms, () => true, 3)).toEqual([]);
  });
});
