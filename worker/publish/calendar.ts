/**
 * The publishing calendar, pure: a weekly cadence in the owner's time zone (e.g. Tuesday and
 * Friday at 15:00 in Europe/Berlin, one lesson per slot) and the lessons waiting to go public,
 * in course order, become a plan: which lesson goes public at which instant. Daylight-saving
 * changes are handled by computing each slot's UTC instant from its wall-clock time with
 * Intl.DateTimeFormat (./zoned-time.ts, as the quota's reset), so 15:00 stays 15:00 local all year.
 *
 * The worker applies it on the relay's scheduled ticks (./calendar-apply.ts): each tick schedules
 * the lessons whose slot lies within the next `aheadHours`. The clock is always an argument.
 */
import { z } from "zod";
import { zonedFields, zonedTimeToUtc } from "./zoned-time.ts";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const CalendarSlot = z
  .object({
    day: z.enum(WEEKDAYS, { error: 'must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"' }),
    time: z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time "HH:MM", e.g. "15:00"'),
  })
  .strict();
export type CalendarSlot = z.infer<typeof CalendarSlot>;

/** The `calendar` section of factory.config.json. */
export const CalendarSettings = z
  .object({
    timeZone: z.string().refine(isTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin"' }),
    slots: z.array(CalendarSlot).min(1, "needs at least one slot, e.g. [{\"day\": \"tue\", \"time\": \"15:00\"}]").max(50),
    perSlot: z.number().int().min(1).max(20).default(1),
    /**
     * Which lessons the calendar takes: "approved" (default) only those the owner approved for
     * the calendar (the dashboard's "Approve for the calendar", `factory publish approve <atom>
     * --calendar`); "ready" every lesson made and still private, without a look first.
     */
    takes: z.enum(["approved", "ready"], { error: 'must be "approved" or "ready"' }).default("approved"),
    /**
     * How far ahead a scheduled tick fills slots (hours). Lessons go to YouTube as "scheduled"
     * for their slot, so the slot is kept even when this machine is off; a short horizon keeps
     * course order flexible for lessons made later. At least the relay's cron interval (6 h).
     */
    aheadHours: z.number().int().min(6).max(24 * 28).default(48),
  })
  .strict();
export type CalendarSettings = z.infer<typeof CalendarSettings>;

/** A lesson as the calendar sees it. */
export interface CalendarLesson {
  repository?: string;
  atomId: string;
  courseId: string | null;
  /** Place in course order (smaller goes first); ties keep the given order. */
  order: number;
  /** ready: made, waiting for approval or a slot; approved: cleared to go out; public/scheduled: already placed. */
  state: "ready" | "approved" | "scheduled" | "public";
}

/** One line of the plan. */
export interface PlanEntry {
  atomId: string;
  courseId: string | null;
  repository?: string;
  /** The slot's instant (ms since the epoch, UTC). */
  at: number;
  /** The slot as the owner reads it: "tue 2026-10-27 15:00 Europe/Berlin". */
  local: string;
}

export interface CalendarPlan {
  timeZone: string;
  /** The time the plan counts slots from (exclusive). */
  from: number;
  entries: PlanEntry[];
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The next `count` slot instants strictly after `from`, in order. */
export function nextSlots(settings: CalendarSettings, from: number, count: number): { at: number; local: string }[] {
  const out: { at: number; local: string }[] = [];
  if (count <= 0) return out;
  const today = zonedFields(from, settings.timeZone);
  const slots = [...settings.slots].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  // A year of days is far more than any plan needs; the bound keeps a bad input from spinning.
  for (let k = 0; k < 400 && out.length < count; k += 1) {
    const date = new Date(Date.UTC(today.y, today.m - 1, today.d + k));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const day = WEEKDAYS[date.getUTCDay()]!;
    for (const slot of slots) {
      if (slot.day !== day) continue;
      const [h, min] = slot.time.split(":").map(Number) as [number, number];
      const at = zonedTimeToUtc(y, m, d, h, min, settings.timeZone);
      if (at <= from || out.some((o) => o.at === at)) continue;
      out.push({ at, local: `${day} ${y}-${pad(m)}-${pad(d)} ${slot.time} ${settings.timeZone}` });
      if (out.length >= count) break;
    }
  }
  return out;
}

/**
 * Plans what goes public when: lessons that are ready or approved, in course order, fill the
 * free slots after `from`, `perSlot` to a slot. Lessons already public or scheduled are left out.
 * @param limit plan at most this many lessons (default: all waiting)
 * @param taken slot instants (ms) already given to other lessons
 */
export function planCalendar(settings: CalendarSettings, lessons: readonly CalendarLesson[], from: number, limit = Infinity, taken: readonly number[] = []): CalendarPlan {
  const waiting = lessons
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => l.state === "ready" || l.state === "approved")
    .sort((a, b) => a.l.order - b.l.order || a.i - b.i)
    .map(({ l }) => l)
    .slice(0, Number.isFinite(limit) ? Math.max(0, limit) : undefined);
  const slots = freeSlots(settings, from, waiting.length, taken);
  const entries: PlanEntry[] = [];
  waiting.forEach((l, i) => {
    const slot = slots[i];
    if (!slot) return;
    entries.push({ atomId: l.atomId, courseId: l.courseId, ...(l.repository ? { repository: l.repository } : {}), at: slot.at, local: slot.local });
  });
  return { timeZone: settings.timeZone, from, entries };
}

/** The plan as lines for `factory calendar`. */
export function formatPlan(plan: CalendarPlan): string {
  if (!plan.entries.length) return "Nothing waits to go public: every lesson made is public or scheduled.";
  const lines = [`Publishing calendar (${plan.timeZone}):`];
  for (const e of plan.entries) lines.push(`  ${e.local.replace(` ${plan.timeZone}`, "")}  ${e.atomId}${e.courseId ? ` (${e.courseId})` : ""}  [${new Date(e.at).toISOString()}]`);
  return lines.join("\n");
}

/**
 * The next `count` free calendar slots after `from`: a slot holds `perSlot` lessons, less those
 * already given to it (`taken`, instants in ms). Fewer when the calendar has no more within the
 * year ahead that nextSlots looks at.
 */
export function freeSlots(calendar: CalendarSettings, from: number, count: number, taken: readonly number[]): { at: number; local: string }[] {
  if (count <= 0) return [];
  const used = new Map<number, number>();
  for (const t of taken) used.set(t, (used.get(t) ?? 0) + 1);
  // Each taken instant fills at most one slot, so this many slots always hold `count` free places.
  const candidates = nextSlots(calendar, from, count + used.size);
  const out: { at: number; local: string }[] = [];
  for (const slot of candidates) {
    let free = calendar.perSlot - (used.get(slot.at) ?? 0);
    while (free > 0 && out.length < count) {
      out.push(slot);
      free -= 1;
    }
    if (out.length >= count) break;
  }
  return out;
}
