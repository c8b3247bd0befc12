/**
 * Wall-clock time in an IANA time zone, with Intl.DateTimeFormat alone (no time-zone library):
 * the fields an instant shows there, and the instant a wall-clock time names, correct across
 * daylight-saving changes. Used by the quota's reset (midnight Pacific, ./quota.ts) and the
 * publishing calendar's slots (./calendar.ts). Pure.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of an instant in `tz`. */
export function zonedFields(ms: number, tz: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, min: p.minute!, s: p.second! };
}

function offsetAt(ms: number, tz: string): number {
  const f = zonedFields(ms, tz);
  return Date.UTC(f.y, f.m - 1, f.d, f.h, f.min, f.s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time in `tz` names (a day past the month's end rolls over, as in
 * Date.UTC). A time skipped by a spring-forward change is moved forward by the gap
 * (02:30 → 03:30); a time that occurs twice in autumn is the first.
 */
export function zonedTimeToUtc(y: number, m: number, d: number, h: number, min: number, tz: string): number {
  const wall = Date.UTC(y, m - 1, d, h, min);
  // Try the offsets in force a day either side: one of them is right unless the time is in a gap.
  const candidates = [offsetAt(wall - 86_400_000, tz), offsetAt(wall + 86_400_000, tz)]
    .map((off) => wall - off)
    .filter((t) => offsetAt(t, tz) === wall - t)
    .sort((a, b) => a - b);
  if (candidates.length) return candidates[0]!;
  // In the gap: the earlier offset, read forward (what the clocks show an hour on).
  return wall - offsetAt(wall - 86_400_000, tz);
}
