/**
 * Runs a program on its own, with inputs changed at given simulated times, and records what
 * its outputs and internal variables did: the engine behind `factory st run`. Pure.
 */
import type { CompiledProgram, InstanceOptions, StValue } from "./api.ts";

/** An input change: applied before the first scan whose start time is >= atMs. */
export interface InputSet {
  name: string;
  value: StValue;
  atMs: number;
}

export interface StandaloneOptions extends InstanceOptions {
  /** Time between scan starts (ms). */
  cycleMs: number;
  /** Scans start at 0, cycleMs, 2·cycleMs … while the start is below forMs. */
  forMs: number;
  sets?: readonly InputSet[];
}

/** One variable taking a new value at the end of the scan that started at `t`. */
export interface Change {
  t: number;
  var: string;
  value: StValue;
}

export interface StandaloneRun {
  /** Declared values of every VAR_OUTPUT and VAR before the first scan. */
  initial: Record<string, StValue>;
  /** Their values after the last scan. */
  final: Record<string, StValue>;
  changes: Change[];
}

/**
 * Scans `program` from t = 0 while t < forMs. Throws a plain Error for bad options or sets
 * (before scanning), StRuntimeError when the program fails.
 */
export function runStandalone(program: CompiledProgram, options: StandaloneOptions): StandaloneRun {
  const { cycleMs, forMs } = options;
  if (!(cycleMs > 0) || !Number.isFinite(cycleMs)) throw new Error(`the cycle must be a positive duration, got ${cycleMs} ms`);
  if (!(forMs >= 0) || !Number.isFinite(forMs)) throw new Error(`the run length must be a duration of 0 or more, got ${forMs} ms`);
  const instance = program.createInstance(options);
  const watched = program.variables.filter((v) => v.section !== "VAR_INPUT").map((v) => v.name);
  // Validate every set before the first scan, so a typo fails fast rather than after a long run.
  const sets = [...(options.sets ?? [])].map((set, order) => ({ ...set, order }));
  const probe = program.createInstance(options);
  for (const set of sets) {
    if (!(set.atMs >= 0) || !Number.isFinite(set.atMs)) throw new Error(`the time of ${set.name}'s change must be 0 ms or later, got ${set.atMs}`);
    probe.setInput(set.name, set.value);
  }
  sets.sort((a, b) => a.atMs - b.atMs || a.order - b.order);

  const read = () => watched.map((n) => instance.get(n));
  let before = read();
  const initial = Object.fromEntries(watched.map((n, i) => [n, before[i]!]));
  const changes: Change[] = [];
  let next = 0;
  // t = k · cycleMs rather than repeated addition, so fractional cycles do not drift.
  for (let k = 0; k * cycleMs < forMs; k++) {
    const t = k * cycleMs;
    while (next < sets.length && sets[next]!.atMs <= t) {
      instance.setInput(sets[next]!.name, sets[next]!.value);
      next++;
    }
    instance.scan(t);
    const after = read();
    for (let i = 0; i < watched.length; i++) {
      const a = after[i];
      const b = before[i];
      // NaN (SQRT(-1.0)) equals nothing, itself included; a NaN that stays NaN is no change.
      if (a !== b && !(a !== a && b !== b)) changes.push({ t, var: watched[i]!, value: a! });
    }
    before = after;
  }
  const final = Object.fromEntries(watched.map((n, i) => [n, before[i]!]));
  return { initial, final, changes };
}
