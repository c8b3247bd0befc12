/**
 * `factory calendar [--json]`: what the publishing calendar (factory.config.json `calendar`)
 * would make public when. Lessons come from the ledger's publish runs (as `factory publish list`
 * reads them, without asking YouTube for their live state) and the calendar's record of
 * approvals and slots; course order comes from kb/courses in the repository folder given
 * (default "."). The scheduled ticks do the scheduling (worker/publish/calendar-apply.ts).
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ledger } from "../ledger.ts";
import { releaseSlots } from "../github/release-record.ts";
import { type CalendarLesson, type CalendarPlan, type CalendarSettings, formatPlan, planCalendar } from "../publish/calendar.ts";
import { calendarCandidates, SLOT_MARGIN_MS } from "../publish/calendar-apply.ts";
import { calendarRecordPath, emptyCalendarRecord, readCalendarRecord } from "../publish/calendar-record.ts";
import { courseOrder } from "../publish/calendar-tick.ts";
import { type PublishedLesson, publishedLessons } from "../publish/review.ts";
import { EXIT, configOrExit } from "./runtime.ts";

/**
 * The plan for the lessons in `workDir`'s ledger: what the next scheduled ticks would give
 * which slot, from the same lessons they take (approved for the calendar, or every private one
 * when `takes` is "ready"), after the slots already given. No live look at YouTube.
 */
export async function calendarPlan(opts: { workDir: string; repoDir: string; settings: CalendarSettings; now: number; limit?: number }): Promise<CalendarPlan & { unapproved: number }> {
  const path = join(opts.workDir, "ledger.sqlite");
  let published: PublishedLesson[] = [];
  if (existsSync(path)) {
    const ledger = Ledger.open(path);
    try {
      published = publishedLessons(ledger.listStepRuns({ kind: "publish" }));
    } finally {
      ledger.close();
    }
  }
  const order = await courseOrder(opts.repoDir);
  const lessons: CalendarLesson[] = [];
  const taken: number[] = published.flatMap((l) => (l.publishAt ? [Date.parse(l.publishAt)] : []));
  let unapproved = 0;
  for (const repository of [...new Set(published.map((l) => l.repository))].sort()) {
    const record = (await readCalendarRecord(calendarRecordPath(opts.workDir, repository))) ?? emptyCalendarRecord(repository, opts.now);
    const picked = calendarCandidates(published.filter((l) => l.repository === repository), record, opts.settings, order);
    unapproved += picked.unapproved;
    for (const l of picked.candidates) lessons.push({ repository, atomId: l.atomId, courseId: order.get(l.atomId)?.courseId ?? null, order: order.get(l.atomId)?.order ?? order.size, state: "approved" });
    taken.push(...Object.values(record.placed).map((p) => Date.parse(p.at)));
  }
  taken.push(...(await releaseSlots(opts.workDir)));
  const future = taken.filter((t) => Number.isFinite(t) && t > opts.now);
  return { ...planCalendar(opts.settings, lessons, opts.now + SLOT_MARGIN_MS, opts.limit, future), unapproved };
}

/** Registers `factory calendar`. */
export function registerCalendarCommand(program: Command): void {
  program
    .command("calendar")
    .description("Show what the publishing calendar makes public when (factory.config.json \"calendar\")")
    .option("--json", "print the plan as JSON")
    .option("--repo <dir>", "the content repository, for course order", ".")
    .option("--limit <n>", "plan only the next N lessons", (v: string) => {
      if (!/^[1-9]\d*$/.test(v)) throw new Error(`--limit must be a whole number from 1, not "${v}"`);
      return Number(v);
    })
    .action(async (opts: { json?: boolean; repo: string; limit?: number }) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      if (!config.calendar) {
        console.error(
          'No publishing calendar is set. Add to factory.config.json, e.g.: "calendar": {"timeZone": "Europe/Berlin", ' +
            '"slots": [{"day": "tue", "time": "15:00"}, {"day": "fri", "time": "15:00"}], "perSlot": 1}',
        );
        return void (process.exitCode = EXIT.config);
      }
      const plan = await calendarPlan({ workDir: config.workDir, repoDir: resolve(opts.repo), settings: config.calendar, now: Date.now(), ...(opts.limit ? { limit: opts.limit } : {}) });
      if (opts.json) return void console.log(JSON.stringify(plan, null, 2));
      console.log(formatPlan(plan));
      if (plan.unapproved) {
        console.log(
          `${plan.unapproved} lesson(s) made and private are not approved for the calendar: approve them with "Approve for the calendar" on the dashboard ` +
            'or `npx factory publish approve <atom> --calendar` (or set calendar.takes to "ready" to take every lesson made).',
        );
      }
      console.log(`Scheduled ticks (every 6 h) schedule the lessons whose slot lies within ${config.calendar.aheadHours} h.`);
    });
}
