/**
 * The publishing calendar applied on the relay's scheduled ticks (issue 16). Each tick (a sync
 * job with trigger "schedule", every 6 h by default) takes the lessons waiting for the calendar
 * (approved for it, or every private lesson when `takes` is "ready"), puts them in course order
 * and gives each of the next free slots within `aheadHours` one lesson (`perSlot`), by
 * scheduling it: on YouTube the video becomes "scheduled" for its slot and goes public then
 * even when this machine is off; a local lesson's metadata.json gets the time.
 *
 * Idempotent and crash-safe: the slot is written to the calendar record before the lesson is
 * scheduled, and a lesson already public or scheduled (by a release, by hand, by an earlier
 * tick) is never touched; one videos.list call says so for YouTube lessons.
 */
import type { StepRun } from "../ledger.ts";
import { StepError, type Logger } from "../pipeline/types.ts";
import { type CalendarSettings, freeSlots } from "./calendar.ts";
import { type CalendarRecord, calendarRecordPath, emptyCalendarRecord, readCalendarRecord, writeCalendarRecord } from "./calendar-record.ts";
import { type LiveStatus, notApprovable, type PublishedLesson, publishedLessons } from "./review.ts";
import { zonedFields } from "./zoned-time.ts";

/** Schedules one lesson for `at` (ISO); returns a one-line report. */
export type ScheduleLesson = (atomId: string, opts: { at: string; repository: string }) => Promise<string>;

/** What {@link applyCalendar} needs; I/O comes in. */
export interface ApplyCalendarOptions {
  repository: string;
  calendar: CalendarSettings;
  /** Atom id → place in course order (commands/calendar.ts courseOrder); unknown atoms go last. */
  order: ReadonlyMap<string, { order: number; courseId: string }>;
  /** Publish step runs (every repository: slots are per channel). */
  publishRuns: readonly StepRun[];
  /** Slots other decisions hold (releases' planned and scheduled lessons), ms. */
  takenElsewhere: readonly number[];
  workDir: string;
  now: () => number;
  log: Logger;
  schedule: ScheduleLesson;
  /** Live states by video id (no entry = unknown: the ledger's record counts; null = gone). */
  liveStatuses: (lessons: readonly PublishedLesson[]) => Promise<Map<string, LiveStatus | null>>;
  signal?: AbortSignal;
}

/** What one tick did. */
export interface CalendarTickResult {
  summary: string;
  scheduled: { atomId: string; at: string; local: string; report: string }[];
  /** Lessons waiting for a slot beyond the horizon (or for approval, counted apart). */
  waiting: string[];
  /** Lessons made and private but not approved for the calendar ("approved" mode). */
  unapproved: number;
  skipped: { atomId: string; reason: string }[];
}

/** Slots closer than this are left for the next one: YouTube wants publishAt in the future. */
export const SLOT_MARGIN_MS = 5 * 60_000;

/** The lessons a tick may place, in course order: waiting for the calendar and not placed yet. */
export function calendarCandidates(
  lessons: readonly PublishedLesson[],
  record: CalendarRecord,
  calendar: Pick<CalendarSettings, "takes">,
  order: ApplyCalendarOptions["order"],
): { candidates: PublishedLesson[]; unapproved: number } {
  let unapproved = 0;
  const out: { lesson: PublishedLesson; place: number; i: number }[] = [];
  lessons.forEach((lesson, i) => {
    const placed = record.placed[lesson.atomId];
    // A placement counts for the video it scheduled; a lesson made again is a new video.
    if (placed?.state === "scheduled" && placed.videoId === lesson.videoId) return;
    if (lesson.privacy === "public" || lesson.publishAt) return;
    if (calendar.takes === "approved" && record.approved[lesson.atomId] === undefined) {
      unapproved += 1;
      return;
    }
    out.push({ lesson, place: order.get(lesson.atomId)?.order ?? Number.MAX_SAFE_INTEGER, i });
  });
  out.sort((a, b) => a.place - b.place || a.lesson.atomId.localeCompare(b.lesson.atomId) || a.i - b.i);
  return { candidates: out.map((o) => o.lesson), unapproved };
}

function localOf(at: number, tz: string): string {
  const f = zonedFields(at, tz);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${f.y}-${pad(f.m)}-${pad(f.d)} ${pad(f.h)}:${pad(f.min)} ${tz}`;
}

/**
 * Runs one tick. Throws a StepError when it cannot go on: retryable for the network or the
 * daily quota (slots already given are kept and not given twice), not retryable for a record
 * that cannot be read.
 */
export async function applyCalendar(o: ApplyCalendarOptions): Promise<CalendarTickResult> {
  const path = calendarRecordPath(o.workDir, o.repository);
  let record: CalendarRecord;
  try {
    record = (await readCalendarRecord(path)) ?? emptyCalendarRecord(o.repository, o.now());
  } catch (e) {
    throw new StepError((e as Error).message, false);
  }
  const all = publishedLessons(o.publishRuns);
  const mine = all.filter((l) => l.repository === o.repository);
  const { candidates, unapproved } = calendarCandidates(mine, record, o.calendar, o.order);
  const skipped: CalendarTickResult["skipped"] = [];
  const now = o.now();
  const horizon = now + o.calendar.aheadHours * 3_600_000;

  // What the owner (or a release) did since the ledger was written stands.
  const live = candidates.length ? await o.liveStatuses(candidates) : new Map<string, LiveStatus | null>();
  const todo: { lesson: PublishedLesson; at: number | null }[] = [];
  for (const lesson of candidates) {
    const state = live.get(lesson.videoId);
    const why = notApprovable(lesson, state);
    if (why) {
      skipped.push({ atomId: lesson.atomId, reason: why });
      // Scheduled or public by other means: remember, so later ticks do not ask again.
      if (state && (state.publishAt || state.privacy === "public")) {
        record.placed[lesson.atomId] = { state: "scheduled", at: state.publishAt ?? new Date(now).toISOString(), videoId: lesson.videoId, doneAt: now, report: why };
      }
      continue;
    }
    const planned = record.placed[lesson.atomId];
    const plannedAt = planned?.state === "planned" && planned.videoId === lesson.videoId ? Date.parse(planned.at) : NaN;
    // An interrupted tick's slot is kept while it is still ahead.
    todo.push({ lesson, at: plannedAt > now + SLOT_MARGIN_MS ? plannedAt : null });
  }

  const taken = [
    ...o.takenElsewhere,
    ...all.flatMap((l) => (l.publishAt ? [Date.parse(l.publishAt)] : [])),
    ...Object.entries(record.placed).flatMap(([atomId, p]) => (todo.some((t) => t.lesson.atomId === atomId) ? [] : [Date.parse(p.at)])),
    ...todo.flatMap((t) => (t.at !== null ? [t.at] : [])),
  ].filter((t) => Number.isFinite(t) && t > now);
  const needing = todo.filter((t) => t.at === null);
  const slots = freeSlots(o.calendar, now + SLOT_MARGIN_MS, needing.length, taken);
  needing.forEach((t, i) => {
    const slot = slots[i];
    t.at = slot && slot.at <= horizon ? slot.at : null;
  });
  const placing = todo.filter((t) => t.at !== null);
  const waiting = todo.filter((t) => t.at === null).map((t) => t.lesson.atomId);
  for (const t of todo) if (t.at === null && record.placed[t.lesson.atomId]?.state === "planned") delete record.placed[t.lesson.atomId];

  // The slots are on disk before the first lesson is scheduled: a tick that dies keeps them.
  for (const t of placing) record.placed[t.lesson.atomId] = { state: "planned", at: new Date(t.at!).toISOString(), videoId: t.lesson.videoId };
  record.updatedAt = now;
  await writeCalendarRecord(path, record);

  const scheduled: CalendarTickResult["scheduled"] = [];
  for (const [i, t] of placing.entries()) {
    if (o.signal?.aborted) throw new StepError(`calendar: stopped after ${i} of ${placing.length} lessons; the rest keep their slots for the next tick`, true);
    const at = new Date(t.at!).toISOString();
    let report: string;
    try {
      report = await o.schedule(t.lesson.atomId, { at, repository: o.repository });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof StepError && e.retryable) {
        throw new StepError(`calendar: ${i} of ${placing.length} lessons scheduled, then ${t.lesson.atomId} failed: ${message}. The rest follow on retry, in the same slots.`, true, e.retryAt);
      }
      delete record.placed[t.lesson.atomId];
      record.updatedAt = o.now();
      await writeCalendarRecord(path, record);
      skipped.push({ atomId: t.lesson.atomId, reason: `scheduling failed: ${message}` });
      o.log.warn(`calendar: ${t.lesson.atomId} not scheduled: ${message}`, { step: "calendar" });
      continue;
    }
    record.placed[t.lesson.atomId] = { ...record.placed[t.lesson.atomId]!, state: "scheduled", doneAt: o.now(), report: report.slice(0, 500) };
    record.updatedAt = o.now();
    await writeCalendarRecord(path, record);
    o.log.info(report, { step: "calendar" });
    scheduled.push({ atomId: t.lesson.atomId, at, local: localOf(t.at!, o.calendar.timeZone), report });
  }

  const parts = [
    scheduled.length ? `scheduled ${scheduled.map((s) => `${s.atomId} for ${s.local}`).join(", ")}` : "nothing to schedule",
    ...(waiting.length ? [`${waiting.length} waiting for a later slot`] : []),
    ...(unapproved ? [`${unapproved} made but not approved for the calendar`] : []),
    ...(skipped.length ? [`${skipped.length} skipped`] : []),
  ];
  return { summary: `calendar: ${parts.join("; ")}`.slice(0, 2000), scheduled, waiting, unapproved, skipped };
}
