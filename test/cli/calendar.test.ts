/**
 * `factory calendar` and `factory publish approve --calendar` on the real ledger and calendar
 * record: what the plan shows before and after a lesson is approved for the calendar.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { calendarPlan } from "../../worker/commands/calendar.ts";
import { approveForCalendarCommand } from "../../worker/commands/publish.ts";
import { loadConfig } from "../../worker/config.ts";
import { CalendarSettings, formatPlan } from "../../worker/publish/calendar.ts";
import { makeLessonFiles } from "../publish/helpers.ts";
import { ATOM, runOnce } from "../publish/pipeline-fixture.ts";

// Wednesday 2026-11-25 11:00 in Berlin.
const NOW = Date.parse("2026-11-25T10:00:00Z");
const now = () => NOW;
const settings = CalendarSettings.parse({ timeZone: "Europe/Berlin", slots: [{ day: "fri", time: "15:00" }] });
let workDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), "calendar-cli-"));
  await makeLessonFiles(join(workDir, "artifacts", "lesson"));
  await runOnce({ workDir, settings: { publish: { target: "local", folder: join(workDir, "published") } }, now, repository: "me/kb" });
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

describe("factory calendar", () => {
  it("plans nothing for a lesson not approved for the calendar, and counts it", async () => {
    const plan = await calendarPlan({ workDir, repoDir: workDir, settings, now: NOW });
    expect(plan.entries).toEqual([]);
    expect(plan.unapproved).toBe(1);
  });

  it("shows an approved lesson in the next Friday slot; approving twice keeps one place", async () => {
    const config = { ...loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir }), calendar: settings };
    const env = { workDir, settings: {}, now, config };
    const approved: string[] = [];
    expect(await approveForCalendarCommand(env, ATOM, undefined, (l) => approved.push(l.atomId))).toEqual([
      `${ATOM}: approved for the calendar; the next scheduled tick gives it a slot in course order (\`factory calendar\` shows when)`,
    ]);
    expect(await approveForCalendarCommand(env, undefined, undefined, () => {})).toEqual([expect.stringMatching(/was approved for the calendar already/)]);
    expect(approved).toEqual([ATOM]);
    const plan = await calendarPlan({ workDir, repoDir: workDir, settings, now: NOW });
    expect(plan.unapproved).toBe(0);
    expect(plan.entries.map((e) => [e.atomId, e.local])).toEqual([[ATOM, "fri 2026-11-27 15:00 Europe/Berlin"]]);
    expect(formatPlan(plan)).toContain(`fri 2026-11-27 15:00  ${ATOM}`);
  });

  it("refuses to approve for the calendar when none is set, saying what to add", async () => {
    const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
    await expect(approveForCalendarCommand({ workDir, settings: {}, now, config }, ATOM, undefined, () => {})).rejects.toThrow(/No publishing calendar is set.*factory\.config\.json/);
  });
});
