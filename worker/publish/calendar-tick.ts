/**
 * The I/O shell around ./calendar-apply.ts: what a scheduled tick reads (course order from the
 * checkout, the ledger's publish runs, the releases' decisions, the lessons' live states) and
 * how it schedules a lesson (approvePublished with a time, as `factory publish approve --at`).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Course } from "../../shared/models.ts";
import { releaseSlots } from "../github/release-record.ts";
import { COURSES_DIR } from "../kb/load.ts";
import type { Ledger } from "../ledger.ts";
import type { Logger, PipelineSettings } from "../pipeline/types.ts";
import type { CalendarSettings } from "./calendar.ts";
import { applyCalendar, type CalendarTickResult, type ScheduleLesson } from "./calendar-apply.ts";
import { approveForCalendar } from "./calendar-record.ts";
import { findLesson, type LiveStatus, type PublishedLesson, publishedLessons } from "./review.ts";

/** Atom id → place in course order (courses by file name, then module and atom order); unknown atoms are absent. */
export async function courseOrder(repoDir: string): Promise<Map<string, { order: number; courseId: string }>> {
  const order = new Map<string, { order: number; courseId: string }>();
  let names: string[] = [];
  try {
    names = (await readdir(join(repoDir, COURSES_DIR))).filter((n) => n.endsWith(".json")).sort();
  } catch {
    return order;
  }
  for (const name of names) {
    try {
      const r = Course.safeParse(JSON.parse(await readFile(join(repoDir, COURSES_DIR, name), "utf8")));
      if (!r.success) continue;
      for (const atomId of r.data.modules.flatMap((m) => m.atoms)) {
        if (!order.has(atomId)) order.set(atomId, { order: order.size, courseId: r.data.id });
      }
    } catch {
      continue;
    }
  }
  return order;
}

/** What one tick needs from the worker. */
export interface CalendarTickOptions {
  repository: string;
  /** The worker's checkout at the tick's commit (for course order). */
  repoDir: string;
  workDir: string;
  settings: PipelineSettings;
  calendar: CalendarSettings;
  ledger: Pick<Ledger, "listStepRuns">;
  now: () => number;
  log: Logger;
  signal?: AbortSignal;
  /** Default: approvePublished with the slot's time. */
  schedule?: ScheduleLesson;
  /** Default: ./live-status.ts (metadata.json, videos.list). */
  liveStatuses?: (lessons: readonly PublishedLesson[]) => Promise<Map<string, LiveStatus | null>>;
}

/** Runs one calendar tick for one repository. */
export async function runCalendarTick(o: CalendarTickOptions): Promise<CalendarTickResult> {
  const schedule: ScheduleLesson =
    o.schedule ??
    (async (atomId, opts) => {
      // Imported on use: the publish command pulls in the YouTube client only when it is needed.
      const { approvePublished } = await import("../commands/publish.ts");
      return approvePublished({ workDir: o.workDir, settings: o.settings, now: o.now }, atomId, opts);
    });
  const liveStatuses =
    o.liveStatuses ??
    (async (lessons: readonly PublishedLesson[]) => {
      const { liveStatusesOf } = await import("./live-status.ts");
      return liveStatusesOf(lessons, o.settings, o.now);
    });
  return applyCalendar({
    repository: o.repository,
    calendar: o.calendar,
    order: await courseOrder(o.repoDir),
    publishRuns: o.ledger.listStepRuns({ kind: "publish" }),
    takenElsewhere: await releaseSlots(o.workDir),
    workDir: o.workDir,
    now: o.now,
    log: o.log,
    schedule,
    liveStatuses,
    ...(o.signal ? { signal: o.signal } : {}),
  });
}

/**
 * Approves a published lesson for the calendar (the dashboard's "Approve for the calendar",
 * `factory publish approve <atom> --calendar`): the next scheduled tick gives it a slot in
 * course order. Throws a plain Error (the owner's input) when there is no calendar or no such
 * lesson.
 */
export async function approveLessonForCalendar(
  o: { workDir: string; ledger: Pick<Ledger, "listStepRuns">; now: () => number; calendar: CalendarSettings | null | undefined },
  atomId: string,
  repository?: string,
): Promise<string> {
  if (!o.calendar) {
    throw new Error(
      'No publishing calendar is set, so there is no slot to approve for: add "calendar" to factory.config.json (docs/github.md), or approve the lesson now.',
    );
  }
  const lesson = findLesson(publishedLessons(o.ledger.listStepRuns({ kind: "publish" })), atomId, repository);
  if (lesson.privacy === "public") return `${atomId}: already public (${lesson.url})`;
  if (lesson.publishAt) return `${atomId}: already scheduled for ${lesson.publishAt}`;
  const added = await approveForCalendar(o.workDir, lesson.repository, atomId, o.now());
  const when = `the next scheduled tick gives it a slot in course order (\`factory calendar\` shows when)`;
  return added ? `${atomId}: approved for the calendar; ${when}` : `${atomId}: was approved for the calendar already; ${when}`;
}
