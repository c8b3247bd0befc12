/**
 * What the publishing calendar decided, per repository, at WORK_DIR/calendar/<owner>__<name>.json:
 * the lessons the owner approved for the calendar (the dashboard's "Approve for the calendar",
 * `factory publish approve <atom> --calendar`) and the slot each lesson was given. A slot is
 * written before the lesson is scheduled, so a tick that dies half way gives the same slot
 * again; a lesson whose slot is recorded is never placed twice. Written durably
 * (../durable-json.ts).
 */
import { join } from "node:path";
import { z } from "zod";
import { readJsonRecord, writeJsonDurably } from "../durable-json.ts";

export const CalendarPlacement = z.object({
  /** planned: the slot is chosen, scheduling not confirmed yet; scheduled: done. */
  state: z.enum(["planned", "scheduled"]),
  /** The slot (ISO, UTC). */
  at: z.string(),
  videoId: z.string(),
  doneAt: z.number().int().optional(),
  report: z.string().optional(),
});
export type CalendarPlacement = z.infer<typeof CalendarPlacement>;

export const CalendarRecord = z.object({
  version: z.literal(1),
  repository: z.string(),
  /** Atom id → when the owner approved it for the calendar (ms). */
  approved: z.record(z.string(), z.number().int()),
  /** Atom id → its slot. */
  placed: z.record(z.string(), CalendarPlacement),
  updatedAt: z.number().int(),
});
export type CalendarRecord = z.infer<typeof CalendarRecord>;

/** An empty record for `repository`. */
export function emptyCalendarRecord(repository: string, now: number): CalendarRecord {
  return { version: 1, repository, approved: {}, placed: {}, updatedAt: now };
}

/** The record file of one repository. */
export function calendarRecordPath(workDir: string, repository: string): string {
  return join(workDir, "calendar", `${repository.replace(/[^A-Za-z0-9_.-]+/g, "__")}.json`);
}

/**
 * The record, or null when the calendar never acted for this repository. A record that cannot
 * be read is an error (thrown): guessing could schedule a lesson twice.
 */
export function readCalendarRecord(path: string): Promise<CalendarRecord | null> {
  return readJsonRecord(path, CalendarRecord, "a calendar record", "delete it to start the calendar afresh (lessons already scheduled stay scheduled).");
}

/** Writes the record atomically and durably (on disk when this returns). */
export function writeCalendarRecord(path: string, record: CalendarRecord): Promise<void> {
  return writeJsonDurably(path, record);
}

/**
 * Marks `atomId` approved for the calendar (idempotent: the first approval's time is kept, so
 * approving twice does not move the lesson back in the queue). Returns whether it was new.
 */
export async function approveForCalendar(workDir: string, repository: string, atomId: string, now: number): Promise<boolean> {
  const path = calendarRecordPath(workDir, repository);
  const record = (await readCalendarRecord(path)) ?? emptyCalendarRecord(repository, now);
  if (record.approved[atomId] !== undefined || record.placed[atomId]) return false;
  record.approved[atomId] = now;
  record.updatedAt = now;
  await writeCalendarRecord(path, record);
  return true;
}
