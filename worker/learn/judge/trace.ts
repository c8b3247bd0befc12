/**
 * The record of one run that the judge reads: the time of every scan, the task tags' values at
 * the first scan and then only their changes, and the plant's events. A tag's value "at scan t"
 * is what the program read (inputs) or wrote (outputs) in the scan that started at t.
 */
import type { PlantEvent, TagValue } from "../plants/types.ts";

export interface TraceChange {
  /** Start time of the scan, simulated ms. */
  t: number;
  tag: string;
  value: TagValue;
}

export interface Trace {
  cycleMs: number;
  /** Tag names recorded (the task's tags), in the task's order. */
  tags: string[];
  /** Start time of every scan, ascending (the built-in plants: 0, cycleMs, 2·cycleMs, ...). */
  times: number[];
  /** Every tag's value at the first scan. */
  initial: Record<string, TagValue>;
  /** Later values, one entry when a tag's value differs from its value at the scan before. */
  changes: TraceChange[];
  events: PlantEvent[];
}

/** Random access to a trace: a tag's value at any time, and the changes in a window. */
export class TraceIndex {
  private readonly byTag = new Map<string, TraceChange[]>();

  constructor(readonly trace: Trace) {
    for (const name of trace.tags) this.byTag.set(name, []);
    for (const c of trace.changes) this.byTag.get(c.tag)?.push(c);
  }

  /** Time of the last scan (the end of the judged run). */
  get endMs(): number {
    return this.trace.times[this.trace.times.length - 1] ?? 0;
  }

  /** The tag's value in the last scan that started at or before `t`. */
  valueAt(tag: string, t: number): TagValue | undefined {
    if (!(tag in this.trace.initial)) return undefined;
    const list = this.byTag.get(tag) ?? [];
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.t <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? this.trace.initial[tag] : list[found]!.value;
  }

  /** Changes of the tag with from < t ≤ to. */
  changesIn(tag: string, from: number, to: number): TraceChange[] {
    return (this.byTag.get(tag) ?? []).filter((c) => c.t > from && c.t <= to);
  }

  /**
   * Walks every scan in order with the values of all tags at that scan. The yielded object and
   * its `values` are reused and updated in place (a run has tens of thousands of scans); copy
   * them to keep them.
   */
  *scans(): Generator<{ index: number; t: number; values: Record<string, TagValue> }> {
    const scan = { index: 0, t: 0, values: { ...this.trace.initial } as Record<string, TagValue> };
    let next = 0;
    const changes = this.trace.changes;
    for (let index = 0; index < this.trace.times.length; index++) {
      const t = this.trace.times[index]!;
      while (next < changes.length && changes[next]!.t <= t) {
        scan.values[changes[next]!.tag] = changes[next]!.value;
        next++;
      }
      scan.index = index;
      scan.t = t;
      yield scan;
    }
  }
}
