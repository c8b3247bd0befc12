/**
 * `factory calendar [--json]`: what the publishing calendar (factory.config.json `calendar`)
 * would make public when. Lessons come from the ledger's publish runs (as `factory publish list`
 * reads them, without asking YouTube for their live state): private and unscheduled ones wait
 * for a slot; course order comes from kb/courses in the repository folder given (default ".").
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Course } from "../../shared/models.ts";
import { Ledger } from "../ledger.ts";
import { COURSES_DIR } from "../kb/load.ts";
import { type CalendarLesson, type CalendarPlan, type CalendarSettings, formatPlan, planCalendar } from "../publish/calendar.ts";
import { type PublishedLesson, publishedLessons } from "../publish/review.ts";
import { EXIT, configOrExit } from "./runtime.ts";

/** Atom id → place in course order (courses by id, then module and atom order); unknown atoms last. */
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

/** The lessons the calendar places, from the ledger's record of what was published. */
export function calendarLessons(published: readonly PublishedLesson[], order: ReadonlyMap<string, { order: number; courseId: string }>): CalendarLesson[] {
  return [...published]
    .sort((a, b) => a.finishedAt - b.finishedAt)
    .map((l, i) => {
      const place = order.get(l.atomId);
      const state: CalendarLesson["state"] = l.privacy === "public" ? "public" : l.publishAt ? "scheduled" : l.privacy === "private" ? "ready" : "public";
      return { repository: l.repository, atomId: l.atomId, courseId: place?.courseId ?? null, order: place ? place.order : order.size + i, state };
    });
}

/** The plan for the lessons in `workDir`'s ledger. */
export async function calendarPlan(opts: { workDir: string; repoDir: string; settings: CalendarSettings; now: number; limit?: number }): Promise<CalendarPlan> {
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
  return planCalendar(opts.settings, calendarLessons(published, await courseOrder(opts.repoDir)), opts.now, opts.limit);
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
      console.log(opts.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
    });
}
