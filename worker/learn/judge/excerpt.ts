/**
 * The trace around a failure as a small text table the model can read: the tags a criterion
 * names, about a second before and after, one row per change (analog tags sampled), and the
 * plant events in that window.
 */
import type { TagValue } from "../plants/types.ts";
import type { TraceIndex } from "./trace.ts";

export const EXCERPT_SPAN_MS = 1000;
const MAX_ROWS = 30;
const MAX_COLUMNS = 10;

const cell = (v: TagValue | undefined): string =>
  v === undefined ? "?" : typeof v === "boolean" ? (v ? "1" : "0") : Number.isInteger(v) ? String(v) : v.toFixed(2);

/**
 * Renders `tags` from `atMs - spanMs` to `atMs + spanMs`; the row at `atMs` is marked `>>`.
 * With no tags (a delivery criterion), the task tags that change in the window are shown, in
 * the task's order, at most 10.
 */
export function renderExcerpt(trace: TraceIndex, tags: readonly string[], atMs: number, spanMs = EXCERPT_SPAN_MS): string {
  const from = Math.max(0, atMs - spanMs);
  const to = Math.min(trace.endMs, atMs + spanMs);
  let columns = tags.filter((t) => t in trace.trace.initial);
  if (columns.length === 0) columns = trace.trace.tags.filter((t) => trace.changesIn(t, from, to).length > 0);
  columns = columns.slice(0, MAX_COLUMNS);

  const analog = (tag: string) => isAnalog(trace, tag, from, to);
  const discreteTimes = columns.filter((c) => !analog(c)).flatMap((c) => trace.changesIn(c, from, to).map((x) => x.t));
  const analogTimes = columns.filter(analog).flatMap((c) => trace.changesIn(c, from, to).map((x) => x.t));
  let times = [...new Set([from, atMs, ...discreteTimes, ...analogTimes])].sort((a, b) => a - b);
  if (times.length > MAX_ROWS) {
    const grid: number[] = [];
    for (let t = from; t <= to; t += 200) grid.push(t);
    times = [...new Set([from, atMs, ...discreteTimes, ...grid])];
    if (times.length > MAX_ROWS) times = times.sort((a, b) => Math.abs(a - atMs) - Math.abs(b - atMs)).slice(0, MAX_ROWS);
    times.sort((a, b) => a - b);
  }

  const header = ["t (ms)", ...columns];
  const rows = times.map((t) => [String(t), ...columns.map((c) => cell(trace.valueAt(c, t)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[], mark: string) => `${mark} ${r.map((x, i) => x.padStart(widths[i]!)).join(" | ")}`;
  const out = [line(header, "  "), ...rows.map((r, i) => line(r, times[i] === atMs ? ">>" : "  "))];
  const events = trace.trace.events.filter((e) => e.t >= from && e.t <= to);
  if (events.length > 0) {
    out.push("plant events:");
    for (const e of events) {
      const detail = e.detail ? ` ${Object.entries(e.detail).map(([k, v]) => `${k}=${v}`).join(" ")}` : "";
      out.push(`   ${e.t} ms ${e.kind}${e.partId !== undefined ? ` #${e.partId}` : ""}${detail}`);
    }
  }
  out.push("(BOOL: 1 = TRUE, 0 = FALSE; a row shows the values of the scan that started at t)");
  return out.join("\n");
}

/** A tag whose values in the window are fractional: it changes nearly every scan, so it is sampled. */
function isAnalog(trace: TraceIndex, tag: string, from: number, to: number): boolean {
  const fractional = (v: TagValue | undefined) => typeof v === "number" && !Number.isInteger(v);
  return fractional(trace.valueAt(tag, from)) || trace.changesIn(tag, from, to).some((c) => fractional(c.value));
}
