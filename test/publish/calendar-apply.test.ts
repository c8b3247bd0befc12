/**
 * The publishing calendar on the relay's scheduled ticks: which lessons a tick schedules into
 * which slots, in course order, against an injected clock, with the calendar record on a real
 * disk; and the same through the worker's job handler for a scheduled sync, with the real local
 * publisher writing metadata.json.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StepRun } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { CalendarSettings } from "../../worker/publish/calendar.ts";
import { applyCalendar, calendarCandidates, type ApplyCalendarOptions } from "../../worker/publish/calendar-apply.ts";
import { approveForCalendar, calendarRecordPath, emptyCalendarRecord, readCalendarRecord } from "../../worker/publish/calendar-record.ts";
import type { LiveStatus, PublishedLesson } from "../../worker/publish/review.ts";

const REPO = "me/kb";
// Tuesday 2026-12-01 08:00 in Berlin (CET, UTC+1).
const TUESDAY_MORNING = Date.parse("2026-12-01T07:00:00Z");
const TUE_1500 = "2026-12-01T14:00:00.000Z";
const FRI_1500 = "2026-12-04T14:00:00.000Z";

const calendar = (extra: Record<string, unknown> = {}) =>
  CalendarSettings.parse({ timeZone: "Europe/Berlin", slots: [{ day: "tue", time: "15:00" }, { day: "fri", time: "15:00" }], ...extra });

/** A finished publish run, as the publish step leaves it in the ledger. */
function publishRun(atomId: string, extra: { privacy?: string; publishAt?: string; videoId?: string; finishedAt?: number; repository?: string } = {}): StepRun {
  return {
    repository: extra.repository ?? REPO,
    key: `publish:${atomId}`,
    kind: "publish",
    inputHash: `h-${atomId}`,
    state: "done",
    output: { external: { videoId: extra.videoId ?? `v-${atomId}` }, data: { url: `https://youtu.be/v-${atomId}`, privacy: extra.privacy ?? "private", ...(extra.publishAt ? { publishAt: extra.publishAt } : {}) } },
    recorded: {},
    startedAt: 1,
    finishedAt: extra.finishedAt ?? 2,
    jobId: null,
    error: null,
  };
}

// Course order: what-is-a-plc, ohms-law, ton-timer.
const ORDER = new Map([
  ["what-is-a-plc", { order: 0, courseId: "basics" }],
  ["ohms-law", { order: 1, courseId: "basics" }],
  ["ton-timer", { order: 2, courseId: "basics" }],
]);

let workDir: string;
let scheduled: { atomId: string; at: string }[];

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), "calendar-apply-"));
  scheduled = [];
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

function tick(runs: StepRun[], extra: Partial<ApplyCalendarOptions> = {}) {
  return applyCalendar({
    repository: REPO,
    calendar: calendar(),
    order: ORDER,
    publishRuns: runs,
    takenElsewhere: [],
    workDir,
    now: () => TUESDAY_MORNING,
    log: silentLogger,
    schedule: async (atomId, { at }) => {
      scheduled.push({ atomId, at });
      return `${atomId}: scheduled to go public at ${at}`;
    },
    liveStatuses: async () => new Map(),
    ...extra,
  });
}

const runs = () => [publishRun("ton-timer"), publishRun("ohms-law"), publishRun("what-is-a-plc")];

describe("a scheduled tick", () => {
  it("schedules approved lessons in course order into the slots within the horizon, one per slot", async () => {
    for (const id of ["ton-timer", "ohms-law", "what-is-a-plc"]) await approveForCalendar(workDir, REPO, id, 1);
    const r = await tick(runs());
    // 48 h ahead from Tuesday 08:00 holds Tuesday 15:00 only; Friday waits for a later tick.
    expect(scheduled).toEqual([{ atomId: "what-is-a-plc", at: TUE_1500 }]);
    expect(r.waiting).toEqual(["ohms-law", "ton-timer"]);
    expect(r.summary).toBe("calendar: scheduled what-is-a-plc for 2026-12-01 15:00 Europe/Berlin; 2 waiting for a later slot");
    const record = await readCalendarRecord(calendarRecordPath(workDir, REPO));
    expect(record!.placed["what-is-a-plc"]).toMatchObject({ state: "scheduled", at: TUE_1500, videoId: "v-what-is-a-plc" });
  });

  it("gives the next lessons the following slots on later ticks, never a lesson twice", async () => {
    for (const id of ["ton-timer", "ohms-law", "what-is-a-plc"]) await approveForCalendar(workDir, REPO, id, 1);
    await tick(runs());
    await tick(runs());
    expect(scheduled.map((s) => s.atomId)).toEqual(["what-is-a-plc"]);
    // Thursday morning: Friday 15:00 comes within 48 h.
    await tick(runs(), { now: () => Date.parse("2026-12-03T07:00:00Z") });
    expect(scheduled).toEqual([
      { atomId: "what-is-a-plc", at: TUE_1500 },
      { atomId: "ohms-law", at: FRI_1500 },
    ]);
  });

  it("with a wider horizon fills several slots at once, perSlot to a slot", async () => {
    for (const id of ["ton-timer", "ohms-law", "what-is-a-plc"]) await approveForCalendar(workDir, REPO, id, 1);
    await tick(runs(), { calendar: calendar({ aheadHours: 24 * 7, perSlot: 2 }) });
    expect(scheduled).toEqual([
      { atomId: "what-is-a-plc", at: TUE_1500 },
      { atomId: "ohms-law", at: TUE_1500 },
      { atomId: "ton-timer", at: FRI_1500 },
    ]);
  });

  it("takes only lessons approved for the calendar by default, and every private one with takes: ready", async () => {
    await approveForCalendar(workDir, REPO, "ton-timer", 1);
    const r = await tick(runs());
    expect(scheduled.map((s) => s.atomId)).toEqual(["ton-timer"]);
    expect(r.unapproved).toBe(2);
    expect(r.summary).toContain("2 made but not approved for the calendar");

    const ready = await tick(runs(), { calendar: calendar({ takes: "ready", aheadHours: 24 * 8 }) });
    expect(scheduled.map((s) => s.atomId)).toEqual(["ton-timer", "what-is-a-plc", "ohms-law"]);
    expect(ready.scheduled.map((s) => s.at)).toEqual([FRI_1500, "2026-12-08T14:00:00.000Z"]);
  });

  it("passes over slots a release or an owner's own schedule holds, and lessons already out", async () => {
    for (const id of ["ton-timer", "ohms-law", "what-is-a-plc"]) await approveForCalendar(workDir, REPO, id, 1);
    const r = await tick([publishRun("ohms-law", { privacy: "public" }), publishRun("ton-timer"), publishRun("what-is-a-plc"), publishRun("other", { publishAt: FRI_1500 })], {
      calendar: calendar({ aheadHours: 24 * 11 }),
      takenElsewhere: [Date.parse(TUE_1500)],
    });
    expect(scheduled).toEqual([
      { atomId: "what-is-a-plc", at: "2026-12-08T14:00:00.000Z" },
      { atomId: "ton-timer", at: "2026-12-11T14:00:00.000Z" },
    ]);
    expect(r.summary).not.toContain("ohms-law");
  });

  it("leaves a lesson alone that the owner scheduled or published since, and remembers it", async () => {
    await approveForCalendar(workDir, REPO, "what-is-a-plc", 1);
    const live = new Map<string, LiveStatus | null>([["v-what-is-a-plc", { privacy: "private", publishAt: "2026-12-24T10:00:00Z" }]]);
    let asked = 0;
    const liveStatuses = async (ls: readonly PublishedLesson[]) => {
      asked += ls.length;
      return live;
    };
    const r = await tick(runs(), { liveStatuses });
    expect(scheduled).toEqual([]);
    expect(r.skipped).toEqual([{ atomId: "what-is-a-plc", reason: "already scheduled for 2026-12-24T10:00:00Z" }]);
    await tick(runs(), { liveStatuses });
    expect(asked).toBe(1);
  });

  it("keeps the slots it chose when scheduling fails for a passing reason, and gives them again on the retry", async () => {
    for (const id of ["ohms-law", "what-is-a-plc"]) await approveForCalendar(workDir, REPO, id, 1);
    const wide = calendar({ aheadHours: 24 * 7 });
    let calls = 0;
    const flaky: ApplyCalendarOptions["schedule"] = async (atomId, { at }) => {
      calls += 1;
      if (calls === 2) throw new StepError("YouTube is unreachable", true);
      scheduled.push({ atomId, at });
      return "ok";
    };
    await expect(tick(runs(), { calendar: wide, schedule: flaky })).rejects.toThrow(/1 of 2 lessons scheduled, then ohms-law failed: YouTube is unreachable/);
    const record = await readCalendarRecord(calendarRecordPath(workDir, REPO));
    expect(record!.placed["ohms-law"]).toMatchObject({ state: "planned", at: FRI_1500 });
    await tick(runs(), { calendar: wide, schedule: flaky });
    expect(scheduled).toEqual([
      { atomId: "what-is-a-plc", at: TUE_1500 },
      { atomId: "ohms-law", at: FRI_1500 },
    ]);
  });

  it("refuses a calendar record it cannot read rather than guess, naming the file", async () => {
    const path = calendarRecordPath(workDir, REPO);
    await approveForCalendar(workDir, REPO, "ohms-law", 1);
    await writeFile(path, "{ broken");
    const err = await tick(runs()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).retryable).toBe(false);
    expect((err as Error).message).toContain(`${path} is not valid JSON`);
    expect(await readFile(path, "utf8")).toBe("{ broken");
  });
});

describe("calendarCandidates", () => {
  it("counts a placement only for the video it scheduled: a lesson made again waits for a slot anew", () => {
    const record = emptyCalendarRecord(REPO, 0);
    record.approved["ohms-law"] = 1;
    record.placed["ohms-law"] = { state: "scheduled", at: TUE_1500, videoId: "v-old" };
    const lessons = [{ repository: REPO, atomId: "ohms-law", target: "youtube" as const, videoId: "v-new", url: "", privacy: "private", finishedAt: 3 }];
    expect(calendarCandidates(lessons, record, calendar(), ORDER).candidates.map((l) => l.videoId)).toEqual(["v-new"]);
    record.placed["ohms-law"]!.videoId = "v-new";
    expect(calendarCandidates(lessons, record, calendar(), ORDER).candidates).toEqual([]);
  });
});
