/**
 * One evaluator per criterion kind, each a pure function of the criterion and the trace.
 * Semantics are documented in shared/sim.ts and docs/learning.md; in short, a criterion is
 * checked at every scan (the values the program read and wrote in it) and fails at the first
 * scan (or plant event) that violates it.
 */
import type { Criterion, EventMatch } from "../../../shared/sim.ts";
import type { PlantEvent, TagValue } from "../plants/types.ts";
import { describe, holds } from "./condition.ts";
import type { TraceIndex } from "./trace.ts";

/** A criterion's outcome: `atMs` and `reason` say where and why it failed. */
export interface Outcome {
  pass: boolean;
  atMs?: number;
  reason?: string;
}

const PASS: Outcome = { pass: true };
const sec = (ms: number): string => `${(ms / 1000).toFixed(ms % 10 === 0 ? 2 : 3)} s`;
const show = (v: TagValue | undefined): string =>
  v === undefined ? "?" : typeof v === "boolean" ? (v ? "TRUE" : "FALSE") : Number.isInteger(v) ? String(v) : v.toFixed(3);

export function evaluate(c: Criterion, trace: TraceIndex): Outcome {
  switch (c.kind) {
    case "never":
      return never(c, trace);
    case "response":
      return response(c, trace);
    case "delivery":
      return delivery(c, trace);
    case "count":
      return count(c, trace);
    case "settle":
      return settle(c, trace);
  }
}

const inWindow = (t: number, w: { fromMs?: number; untilMs?: number }): boolean =>
  (w.fromMs === undefined || t >= w.fromMs) && (w.untilMs === undefined || t <= w.untilMs);

function never(c: Extract<Criterion, { kind: "never" }>, trace: TraceIndex): Outcome {
  for (const { t, values } of trace.scans()) {
    if (inWindow(t, c) && holds(c.condition, values)) {
      return { pass: false, atMs: t, reason: `${describe(c.condition)} was true at ${sec(t)}` };
    }
  }
  return PASS;
}

function response(c: Extract<Criterion, { kind: "response" }>, trace: TraceIndex): Outcome {
  /** Triggers waiting for the response, by rise time. */
  let waiting: number[] = [];
  /** Since when the response has had to stay true, or null. */
  let heldSince: number | null = null;
  let before: boolean | undefined;
  const mustStay = c.until !== undefined || c.forMs !== undefined;
  const stayText = [c.until ? `until ${describe(c.until)}` : "", c.forMs !== undefined ? `for ${c.forMs} ms` : ""].filter(Boolean).join(" or ");
  for (const { t, values } of trace.scans()) {
    const trig = holds(c.trigger, values);
    const resp = holds(c.response, values);
    const until = c.until ? holds(c.until, values) : false;
    if (before === false && trig && inWindow(t, c)) waiting.push(t);
    before = trig;

    if (heldSince !== null) {
      if (until || (c.forMs !== undefined && t >= heldSince + c.forMs)) heldSince = null;
      else if (!resp) {
        return {
          pass: false,
          atMs: t,
          reason: `${describe(c.response)} became false at ${sec(t)}, ${t - heldSince} ms after it came; it must stay true ${stayText}`,
        };
      }
    }
    if (waiting.length === 0) continue;
    const rose = waiting[0]!;
    if (t > rose + c.withinMs) {
      return {
        pass: false,
        atMs: rose + c.withinMs,
        reason: `${describe(c.trigger)} rose at ${sec(rose)} but ${describe(c.response)} was still false ${c.withinMs} ms later`,
      };
    }
    if (resp) {
      if (mustStay && !until) heldSince = t;
      waiting = [];
    } else if (until) {
      waiting = []; // the operator cancelled what the trigger asked for before it was due
    }
  }
  // A trigger whose window runs past the end of the run is not judged.
  return PASS;
}

function matches(e: PlantEvent, m: EventMatch): boolean {
  if (e.kind !== m.kind) return false;
  for (const [k, v] of Object.entries(m.detail ?? {})) if (e.detail?.[k] !== v) return false;
  return true;
}

function delivery(c: Extract<Criterion, { kind: "delivery" }>, trace: TraceIndex): Outcome {
  const end = trace.endMs;
  const failures: Outcome[] = [];
  const entered = new Map<number, { t: number; part: string }>();
  const left = new Set<number>();
  let delivered = 0;
  for (const e of trace.trace.events) {
    if (e.partId === undefined) continue;
    const part = String(e.detail?.part ?? "part");
    const label = `part #${e.partId} (${part})`;
    if (e.kind === "part-entered") {
      entered.set(e.partId, { t: e.t, part });
      continue;
    }
    const info = entered.get(e.partId);
    if (e.kind === "part-removed") {
      left.add(e.partId);
      const want = c.exits[part];
      const exit = String(e.detail?.exit ?? "?");
      if (want !== undefined && exit !== want) {
        failures.push({ pass: false, atMs: e.t, reason: `${label} left at exit "${exit}" at ${sec(e.t)}; a ${part} must leave at "${want}"` });
      } else if (info && e.t > info.t + c.withinMs) {
        failures.push({ pass: false, atMs: info.t + c.withinMs, reason: `${label} entered at ${sec(info.t)} and left only at ${sec(e.t)}, later than ${c.withinMs} ms` });
      } else delivered++;
    } else if (e.kind === "part-fell") {
      left.add(e.partId);
      const why = e.detail?.reason ? ` (${String(e.detail.reason)})` : "";
      failures.push({ pass: false, atMs: e.t, reason: `${label} fell off at ${String(e.detail?.where ?? "?")} at ${sec(e.t)}${why}` });
    }
  }
  for (const [id, info] of entered) {
    const due = info.t + c.withinMs;
    if (!left.has(id) && due <= end) {
      failures.push({ pass: false, atMs: due, reason: `part #${id} (${info.part}) entered at ${sec(info.t)} and had not left ${c.withinMs} ms later` });
    }
  }
  if (delivered < c.atLeast) {
    failures.push({
      pass: false,
      atMs: end,
      reason: `only ${delivered} part${delivered === 1 ? "" : "s"} reached the right exit in time (${entered.size} entered); at least ${c.atLeast} must`,
    });
  }
  failures.sort((a, b) => a.atMs! - b.atMs!);
  return failures[0] ?? PASS;
}

function count(c: Extract<Criterion, { kind: "count" }>, trace: TraceIndex): Outcome {
  const times = trace.trace.events.filter((e) => matches(e, c.events)).map((e) => e.t).sort((a, b) => a - b);
  // Reset instants: scans where resetOn rises.
  const resets: number[] = [];
  if (c.resetOn) {
    let before: boolean | undefined;
    for (const { t, values } of trace.scans()) {
      const now = holds(c.resetOn, values);
      if (before === false && now) resets.push(t);
      before = now;
    }
  }
  const lastResetAtOrBefore = (x: number): number => {
    let r = -Infinity;
    for (const t of resets) if (t <= x) r = t;
    return r;
  };
  const nextResetAfter = (x: number): number => resets.find((t) => t > x) ?? Infinity;
  /** Matching events in (since, x]. */
  const between = (since: number, x: number): number => times.filter((t) => t > since && t <= x).length;
  const what = c.events.detail ? `${c.events.kind} events (${Object.entries(c.events.detail).map(([k, v]) => `${k} ${v}`).join(", ")})` : `${c.events.kind} events`;

  const check = (t: number, v: TagValue | undefined): Outcome | undefined => {
    const since = lastResetAtOrBefore(t);
    const lo = between(since, Math.max(t - c.toleranceMs, since));
    const hi = between(since, Math.min(t + c.toleranceMs, nextResetAfter(t) - 1e-6));
    const n = typeof v === "number" ? v : Number(v ?? 0);
    if (n >= lo && n <= hi) return undefined;
    const exact = between(since, t);
    const span = lo === hi ? `${lo}` : `between ${lo} and ${hi}`;
    return {
      pass: false,
      atMs: t,
      reason: `${c.tag} was ${show(v)} at ${sec(t)}; ${exact} ${what} so far${since > -Infinity ? ` since the reset at ${sec(since)}` : ""}, so it should be ${span}`,
    };
  };
  if (c.mode === "end") {
    const end = trace.endMs;
    return check(end, trace.valueAt(c.tag, end)) ?? PASS;
  }
  for (const { t, values } of trace.scans()) {
    const bad = check(t, values[c.tag]);
    if (bad) return bad;
  }
  return PASS;
}

function settle(c: Extract<Criterion, { kind: "settle" }>, trace: TraceIndex): Outcome {
  for (const { t, values } of trace.scans()) {
    if (t < c.fromMs || (c.untilMs !== undefined && t > c.untilMs)) continue;
    const v = Number(values[c.tag] ?? 0);
    const target = typeof c.target === "number" ? c.target : Number(values[c.target.tag] ?? 0);
    if (Math.abs(v - target) > c.tolerance) {
      const of = typeof c.target === "number" ? show(c.target) : `${c.target.tag} (${show(target)})`;
      return { pass: false, atMs: t, reason: `${c.tag} was ${show(v)} at ${sec(t)}, more than ${c.tolerance} from ${of}` };
    }
  }
  return PASS;
}
