/**
 * Runs a compiled ST program against a plant for one simulation task and judges the run.
 *
 * Each scan, at simulated time t: apply the scenario events due by t → read the plant's inputs →
 * set the program's VAR_INPUTs (by tagIdentifier) → scan(t) → read its VAR_OUTPUTs → write them
 * to the plant → let the plant advance one cycle. Scans start at 0, cycleMs, ... while
 * t < durationMs. The trace keeps the first scan's values and then only changes.
 */
import { sameIdentifier, type SimTag, type SimTask } from "../../shared/sim.ts";
import { judge, type Verdict } from "./judge/index.ts";
import type { Trace, TraceChange } from "./judge/trace.ts";
import { isSteppedPlant, type Plant, type TagValue } from "./plants/types.ts";
import type { CompiledProgram, StType, StValue, StVariable } from "./st/api.ts";
import { StRuntimeError } from "./st/errors.ts";

export interface RunTaskOptions {
  program: CompiledProgram;
  task: SimTask;
  plant: Plant;
  signal?: AbortSignal;
  /** Loop guard passed to the ST engine. */
  maxLoopIterations?: number;
}

export type RunTaskResult =
  /** The run finished; the verdict says which criteria passed. */
  | { status: "passed" | "failed"; verdict: Verdict; trace: Trace }
  /** The program's declarations do not match the task's tags: nothing ran. */
  | { status: "interface-error"; message: string }
  /** The program failed while running (division by zero, runaway loop). */
  | { status: "runtime-error"; message: string; line: number; col: number; atMs: number; trace: Trace };

const COMPATIBLE: Record<SimTag["type"], readonly StType[]> = {
  BOOL: ["BOOL"],
  INT: ["INT", "DINT"],
  REAL: ["REAL"],
};

/**
 * Checks that the program declares every task tag with the right section and a compatible type,
 * and no VAR_INPUT the task does not give. Returns one message listing every mismatch and the
 * declarations the task needs, or null when all is well.
 */
export function checkInterface(program: CompiledProgram, task: SimTask): string | null {
  const problems: string[] = [];
  const find = (id: string): StVariable | undefined => program.variables.find((v) => sameIdentifier(v.name, id));
  for (const tag of task.tags) {
    const want = tag.direction === "input" ? "VAR_INPUT" : "VAR_OUTPUT";
    const v = find(tag.identifier);
    if (!v) problems.push(`missing ${want} ${tag.identifier} : ${tag.type} (tag "${tag.name}")`);
    else if (v.section !== want) problems.push(`${v.name} is declared in ${v.section} (line ${v.line}); tag "${tag.name}" is an ${tag.direction}: declare it in ${want}`);
    else if (!COMPATIBLE[tag.type].includes(v.type)) problems.push(`${v.name} is ${v.type} (line ${v.line}); tag "${tag.name}" is ${tag.type}`);
  }
  for (const v of program.inputs) {
    if (!task.tags.some((t) => sameIdentifier(t.identifier, v.name))) {
      problems.push(`VAR_INPUT ${v.name} (line ${v.line}) is not a tag of this task, so nothing would ever set it`);
    }
  }
  if (problems.length === 0) return null;
  return [`${program.file}: the program's interface does not match task ${task.id}:`, ...problems.map((p) => `  - ${p}`), "the task's tags:", ...describeInterface(task)].join("\n");
}

/** The VAR_INPUT / VAR_OUTPUT blocks a program for this task declares, one line per tag. */
export function describeInterface(task: SimTask): string[] {
  const block = (dir: "input" | "output") =>
    task.tags.filter((t) => t.direction === dir).map((t) => `    ${t.identifier} : ${t.type}; (* "${t.name}" *)`);
  return ["  VAR_INPUT", ...block("input"), "  END_VAR", "  VAR_OUTPUT", ...block("output"), "  END_VAR"];
}

function toProgram(tag: SimTag, value: TagValue): StValue {
  if (tag.type === "BOOL") return typeof value === "boolean" ? value : value !== 0;
  const n = typeof value === "boolean" ? Number(value) : value;
  return tag.type === "INT" ? Math.trunc(n) : n;
}

function toPlant(tag: SimTag, value: StValue): TagValue {
  if (tag.type === "BOOL") return typeof value === "boolean" ? value : value !== 0;
  return typeof value === "boolean" ? Number(value) : value;
}

/** Runs the program against the plant for the task's duration and judges the trace (see the file comment). */
export async function runTask(opts: RunTaskOptions): Promise<RunTaskResult> {
  const { program, task, plant, signal } = opts;
  const mismatch = checkInterface(program, task);
  if (mismatch) return { status: "interface-error", message: mismatch };
  const missing = task.tags.filter((t) => !plant.scene.tags.some((s) => s.name === t.name && s.direction === t.direction));
  if (missing.length > 0) {
    return {
      status: "interface-error",
      message: `scene ${plant.scene.id} has no ${missing.map((t) => `${t.direction} "${t.name}"`).join(", ")}; its tags: ${plant.scene.tags.map((t) => `"${t.name}"`).join(", ")}`,
    };
  }

  const instance = program.createInstance(opts.maxLoopIterations !== undefined ? { maxLoopIterations: opts.maxLoopIterations } : {});
  const inputs = task.tags.filter((t) => t.direction === "input");
  const outputs = task.tags.filter((t) => t.direction === "output");
  const events = [...task.scenario].map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e);
  const trace: Trace = { cycleMs: task.cycleMs, tags: task.tags.map((t) => t.name), times: [], initial: {}, changes: [], events: [] };
  const last = new Map<string, TagValue>();
  const record = (t: number, name: string, value: TagValue) => {
    if (trace.times.length === 1) trace.initial[name] = value;
    else if (last.get(name) !== value) trace.changes.push({ t, tag: name, value } satisfies TraceChange);
    last.set(name, value);
  };

  await plant.start(signal);
  // Built-in plants answer at once: drive them without a promise per call (4 per scan otherwise).
  const stepped = isSteppedPlant(plant) ? plant : null;
  const written: Record<string, TagValue> = {};
  try {
    let next = 0;
    let t = 0;
    while (t < task.durationMs) {
      signal?.throwIfAborted();
      while (next < events.length && events[next]!.at <= t) {
        if (stepped) stepped.applyNow(events[next++]!);
        else await plant.apply(events[next++]!);
      }
      const read = stepped ? stepped.readInputsNow() : await plant.readInputs();
      trace.times.push(t);
      for (const tag of inputs) {
        const raw = read[tag.name];
        if (raw === undefined) throw new Error(`plant ${plant.scene.id} gave no value for input "${tag.name}"`);
        const value = toProgram(tag, raw);
        instance.setInput(tag.identifier, value);
        record(t, tag.name, toPlant(tag, value));
      }
      try {
        instance.scan(t);
      } catch (e) {
        if (!(e instanceof StRuntimeError)) throw e;
        return { status: "runtime-error", message: e.message, line: e.line, col: e.col, atMs: t, trace };
      }
      for (const tag of outputs) {
        written[tag.name] = toPlant(tag, instance.get(tag.identifier));
        record(t, tag.name, written[tag.name]!);
      }
      let elapsed: number;
      if (stepped) {
        stepped.writeOutputsNow(written);
        elapsed = stepped.advanceNow(task.cycleMs);
      } else {
        await plant.writeOutputs(written);
        elapsed = await plant.advance(task.cycleMs, signal);
      }
      const happened = plant.drainEvents();
      if (happened.length) trace.events.push(...happened);
      t += elapsed > 0 ? elapsed : task.cycleMs;
    }
  } finally {
    await plant.stop();
  }
  const verdict = judge(task, trace);
  return { status: verdict.pass ? "passed" : "failed", verdict, trace };
}
