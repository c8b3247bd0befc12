/**
 * When the YouTube Data API's daily quota comes back.
 *
 * The quota resets at midnight Pacific Time (America/Los_Angeles, so 08:00 UTC in winter and
 * 07:00 UTC in summer). A job that hit `quotaExceeded` is retried then, not sooner: every
 * earlier try would only burn an attempt. Pure: the clock is an argument.
 */
import { zonedFields, zonedTimeToUtc } from "./zoned-time.ts";

const PACIFIC = "America/Los_Angeles";

/**
 * The first midnight in America/Los_Angeles strictly after `nowMs` (ms since the epoch).
 * Correct across daylight-saving changes, which never happen at midnight there.
 */
export function nextPacificMidnight(nowMs: number): number {
  const today = zonedFields(nowMs, PACIFIC);
  return zonedTimeToUtc(today.y, today.m, today.d + 1, 0, 0, PACIFIC);
}

/** The YouTube Data API's daily limits as Google's quota page gave them (November 2026). */
export const DAILY_UPLOADS = 100;
export const DAILY_UNITS = 10_000;
/** Units one lesson costs besides its upload (captions 400, thumbnail 50, playlist entry 50, reads). */
export const LESSON_UNITS = 505;
/** Units a Short costs besides its upload: linking it from its lesson's description (videos.update). */
export const SHORT_UNITS = 51;

/** What today's uploads used of the quota, and how many more lessons with Shorts fit. Pure. */
export interface QuotaDay {
  lessons: number;
  shorts: number;
  uploads: number;
  units: number;
  /** Further lessons (each with its Short) that fit before midnight Pacific. */
  room: number;
}

/**
 * Counts the uploads made since the last midnight Pacific (each lesson and each Short is its
 * own videos.insert) and the units they cost, from the publish runs' finish times.
 */
export function quotaToday(uploads: readonly { finishedAt: number; short: boolean }[], nowMs: number): QuotaDay {
  const dayStart = nextPacificMidnight(nowMs) - 24 * 3600_000;
  const today = uploads.filter((u) => u.finishedAt >= dayStart && u.finishedAt <= nowMs);
  const shorts = today.filter((u) => u.short).length;
  const lessons = today.length - shorts;
  const units = lessons * LESSON_UNITS + shorts * SHORT_UNITS;
  const uploadsUsed = lessons + shorts;
  const room = Math.max(0, Math.min(Math.floor((DAILY_UPLOADS - uploadsUsed) / 2), Math.floor((DAILY_UNITS - units) / (LESSON_UNITS + SHORT_UNITS))));
  return { lessons, shorts, uploads: uploadsUsed, units, room };
}
