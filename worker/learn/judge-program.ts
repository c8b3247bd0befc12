/**
 * The learning loop's judge: compile the program with the ST engine, run it against the task's
 * plant (built in, or Factory I/O) with worker/learn/run-task.ts, and turn the result into the
 * loop's RoundVerdict, plus the trace pieces the artifacts need (timing diagram, summary).
 *
 * Messages go back to the model verbatim: compile errors as `file:line:col: error: …`, runtime
 * errors as `file:line:col: runtime error: …`, interface mismatches (a tag declared in the wrong
 * section, a missing tag) as the run-task message that lists the declarations the task needs.
 */
import type { SimTask } from "../../shared/sim.ts";
import type { Trace, Verdict } from "./judge/index.ts";
import type { JudgedRun, Judge, RoundVerdict } from "./loop.ts";
import type { Plant } from "./plants/types.ts";
import { runTask } from "./run-task.ts";
import { StCompileError, compileProgram } from "./st/index.ts";
import { formatMs } from "./prompt.ts";
import type { TimingMarker, TimingTrace } from "./timing-svg.ts";

/** Where the judge gets its plant and how it names the program file in messages. */
export interface TaskJudgeOptions {
  /** A fresh plant per run. */
  makePlant: () => Plant | Promise<Plant>;
  /** The file name messages carry for a round ("round-2.st", or "<task>.st" for the reference). */
  fileName: (round: number) => string;
  /** A description for the summary ("the built-in plant", "Factory I/O at http://…"). */
  plantName: string;
}

/** The loop's verdict from the judge's. */
export function toRoundVerdict(v: Verdict): RoundVerdict {
  const criteria = v.criteria.map((c) => ({ id: c.id, text: c.text, pass: c.pass, atMs: c.atMs ?? null, ...(c.reason ? { reason: c.reason } : {}) }));
  if (v.pass || !v.firstFailure) return { kind: "pass", criteria };
  const f = v.firstFailure;
  return { kind: "fail", criteria, first: { id: f.id, text: f.text, atMs: f.atMs, reason: f.reason, excerpt: f.excerpt } };
}

/** Scenario events as diagram markers (operator actions always; parts only while few). */
export function scenarioMarkers(task: SimTask): TimingMarker[] {
  const parts = task.scenario.filter((e) => e.kind === "part").length;
  return task.scenario.flatMap((e): TimingMarker[] => {
    switch (e.kind) {
      case "press":
      case "release":
        return [{ t: e.at, label: `${e.kind} ${e.tag}`, kind: "event" }];
      case "set":
        return [{ t: e.at, label: `${e.tag} := ${typeof e.value === "boolean" ? (e.value ? "TRUE" : "FALSE") : e.value}`, kind: "event" }];
      case "part":
        return parts <= 8 ? [{ t: e.at, label: `part ${e.part}`, kind: "event" }] : [];
      case "disturbance":
        return [{ t: e.at, label: `${e.name} = ${e.value}`, kind: "event" }];
    }
  });
}

/** A run's trace as the timing diagram draws it: every task tag, inputs first. */
export function toTimingTrace(task: SimTask, trace: Trace, durationMs: number): TimingTrace {
  const ordered = [...task.tags.filter((t) => t.direction === "input"), ...task.tags.filter((t) => t.direction === "output")];
  const criterionMarkers: TimingMarker[] = task.criteria.flatMap((c) => ("fromMs" in c && c.fromMs !== undefined ? [{ t: c.fromMs, label: `${c.id} from here`, kind: "pass" as const }] : []));
  return {
    durationMs,
    signals: ordered.map((tag) => ({
      name: tag.name,
      type: tag.type,
      direction: tag.direction,
      initial: trace.initial[tag.name] ?? (tag.type === "BOOL" ? false : 0),
      changes: trace.changes.filter((c) => c.tag === tag.name).map((c) => ({ t: c.t, value: c.value })),
    })),
    markers: [...scenarioMarkers(task), ...criterionMarkers],
  };
}

/** A few lines on a run: its length, the verdict, each output's activity, the plant's events. */
export function traceSummary(task: SimTask, trace: Trace, verdict: Verdict, plantName: string): string {
  const end = (trace.times[trace.times.length - 1] ?? 0) + trace.cycleMs;
  const lines = [
    `Task ${task.id} ("${task.title}") on ${plantName}, scene ${task.scene}: ${trace.times.length} scans of ${formatMs(trace.cycleMs)} (${formatMs(end)} simulated).`,
    verdict.pass
      ? `Every criterion passed (${verdict.criteria.length}): ${verdict.criteria.map((c) => c.id).join(", ")}.`
      : `Failed: ${verdict.criteria.filter((c) => !c.pass).map((c) => c.id).join(", ")}.`,
    `Outputs:`,
  ];
  for (const tag of task.tags.filter((t) => t.direction === "output")) {
    const changes = trace.changes.filter((c) => c.tag === tag.name);
    const initial = trace.initial[tag.name];
    const final = changes.length ? changes[changes.length - 1]!.value : initial;
    if (tag.type === "BOOL") {
      let on = 0;
      let since: number | null = initial === true ? 0 : null;
      for (const c of changes) {
        if (c.value === true && since === null) since = c.t;
        if (c.value === false && since !== null) {
          on += c.t - since;
          since = null;
        }
      }
      if (since !== null) on += end - since;
      const rises = changes.filter((c) => c.value === true).length;
      const from = initial === true ? "on from the start" : `switched on ${rises} time(s)`;
      lines.push(`  ${tag.name}: ${from}, on for ${formatMs(on)} in total, ${final ? "TRUE" : "FALSE"} at the end`);
    } else {
      lines.push(`  ${tag.name}: ${changes.length} change(s), ${String(initial)} at the start, ${String(final)} at the end`);
    }
  }
  const byKind = new Map<string, number>();
  for (const e of trace.events) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
  if (byKind.size) lines.push(`Plant events: ${[...byKind].map(([k, n]) => `${k} x${n}`).join(", ")}.`);
  return lines.join("\n");
}

/** A judge over the given plant: compile, run, judge. */
export function judgeWith(task: SimTask, o: TaskJudgeOptions): Judge {
  return async (source, round, signal): Promise<JudgedRun> => {
    let program;
    try {
      program = compileProgram(source, o.fileName(round));
    } catch (e) {
      if (e instanceof StCompileError) return { verdict: { kind: "compile-error", message: e.message } };
      throw e;
    }
    const r = await runTask({ program, task, plant: await o.makePlant(), signal });
    switch (r.status) {
      case "interface-error":
        return { verdict: { kind: "compile-error", message: r.message } };
      case "runtime-error":
        return { verdict: { kind: "runtime-error", message: r.message, atMs: r.atMs } };
      case "failed":
      case "passed": {
        // A failing run's diagram marks the first violation, for whoever reads the round's files.
        const trace = toTimingTrace(task, r.trace, task.durationMs);
        const f = r.verdict.firstFailure;
        if (f) trace.markers.push({ t: f.atMs, label: `${f.id} violated`, kind: "fail" });
        return { verdict: toRoundVerdict(r.verdict), trace, summary: traceSummary(task, r.trace, r.verdict, o.plantName) };
      }
    }
  };
}

/**
 * The product's judge of a task: the built-in plant of its scene, or Factory I/O at
 * FACTORY_IO_URL (or `learn.factoryIoUrl`, or http://localhost:7410).
 */
export async function createTaskJudge(
  task: SimTask,
  plant: "builtin" | "factoryio",
  settings: Record<string, unknown>,
  o: { writer: "claude" | "reference"; env?: Record<string, string | undefined> } = { writer: "claude" },
): Promise<Judge> {
  const fileName = (round: number) => (o.writer === "reference" ? `${task.id}.st` : `round-${round}.st`);
  if (plant === "builtin") {
    const { createBuiltinPlant } = await import("./plants/index.ts");
    createBuiltinPlant(task.scene); // an unknown scene fails here, before any model is asked
    return judgeWith(task, { makePlant: () => createBuiltinPlant(task.scene), fileName, plantName: "the built-in plant" });
  }
  const { factoryIoUrl, factoryIoPlantForTask } = await import("./plants/factoryio-config.ts");
  const { url } = factoryIoUrl(o.env ?? process.env, settings);
  return judgeWith(task, { makePlant: () => factoryIoPlantForTask(task, { baseUrl: url }), fileName, plantName: `Factory I/O at ${url}` });
}
