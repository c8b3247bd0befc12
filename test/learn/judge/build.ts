/** Builders for judge tests: a task around some criteria, and a trace written as changes. */
import { SimTask, type SimTaskInput } from "../../../shared/sim.ts";
import type { Trace } from "../../../worker/learn/judge/index.ts";
import type { PlantEvent, TagValue } from "../../../worker/learn/plants/types.ts";

const ident = (name: string) => name.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");

/** A task with these tags (name → type; inputs first letter upper-case "I:" prefix not needed). */
export function taskWith(tags: Record<string, "BOOL" | "INT" | "REAL">, criteria: SimTaskInput["criteria"], durationMs = 10_000): SimTask {
  return SimTask.parse({
    id: "judge-test",
    scene: "from-a-to-b",
    title: "judge test",
    behaviour: "A task built by the judge tests.",
    level: "easy",
    tags: Object.entries(tags).map(([name, type]) => ({ name, direction: "output", type, identifier: ident(name) })),
    scenario: [],
    durationMs,
    criteria,
  });
}

/**
 * A trace of scans every `cycleMs` up to `endMs` (exclusive), starting from `initial`, with
 * `changes` as [t, tag, value] (t a multiple of cycleMs) and plant events.
 */
export function traceOf(
  initial: Record<string, TagValue>,
  changes: Array<[number, string, TagValue]>,
  endMs: number,
  events: PlantEvent[] = [],
  cycleMs = 10,
): Trace {
  const times: number[] = [];
  for (let t = 0; t < endMs; t += cycleMs) times.push(t);
  return {
    cycleMs,
    tags: Object.keys(initial),
    times,
    initial,
    changes: changes.map(([t, tag, value]) => ({ t, tag, value })).sort((a, b) => a.t - b.t),
    events,
  };
}
