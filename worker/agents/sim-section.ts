/**
 * The lesson sections of an atom that links a simulation task (`simTask`): the program that
 * passed it, as an `st` visual, and a `timing` visual of the real run of that program against the
 * task's plant (worker/agents/sim-run.ts), with narration written from the trace ("At 1 second,
 * Start is pressed, and Conveyor turns on in the same scan."). Pure and deterministic: the same
 * run gives byte-identical sections. Also the material the Claude writer is given for them.
 */
import type { ScriptSection } from "../../shared/models.ts";
import type { SimTag } from "../../shared/sim.ts";
import { type StVisual, type TimingVisual, Visual } from "../../shared/visual.ts";
import type { TagValue } from "../learn/plants/types.ts";
import type { LessonRun } from "./sim-run.ts";

/** The headings of the two sections. */
export const PROGRAM_HEADING = "The program, tested on the plant";
export const RUN_HEADING = "What the test run shows";

const MAX_CODE_LINES = 24;
const MAX_CODE_CHARS = 2400;
const MAX_SIGNALS = 4;
const MAX_POINTS = 200;
const MAX_STORY = 6;

/** "1 second", "6.4 seconds". */
export function seconds(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return `${s} second${s === 1 ? "" : "s"}`;
}

const num = (v: TagValue): number => (typeof v === "boolean" ? Number(v) : Math.round(v * 1000) / 1000);
const show = (tag: SimTag, v: TagValue): string => (tag.type === "REAL" ? `${+num(v).toFixed(2)}` : `${num(v)}`);

/** A tag's value over the run as steps from 0: [t, value], the first at 0. */
type Steps = [number, TagValue][];

function stepsOf(run: LessonRun, tag: SimTag): Steps {
  const initial = run.trace.initial[tag.name] ?? (tag.type === "BOOL" ? false : 0);
  return [[0, initial], ...run.trace.changes.filter((c) => c.tag === tag.name).map((c): [number, TagValue] => [c.t, c.value])];
}

/** Two BOOL signals that are equal, or each other's inverse, at every scan: one of them says it all. */
function sameShape(a: Steps, b: Steps): boolean {
  if (a.length !== b.length) return false;
  const inverse = a[0]![1] !== b[0]![1];
  return a.every(([t, v], i) => t === b[i]![0] && (inverse ? v !== b[i]![1] : v === b[i]![1]));
}

/** A chosen signal of the chart. */
export interface ChartSignal {
  tag: SimTag;
  steps: Steps;
}

/**
 * The 2-4 signals worth a chart: tags that change during the run, inputs first (at most three,
 * those that move the first output before the others), then outputs; a BOOL that only repeats (or inverts) one already chosen, like a lamp that shows
 * the motor, is left out.
 */
export function chooseSignals(run: LessonRun): ChartSignal[] {
  const kept: ChartSignal[] = [];
  for (const dir of ["input", "output"] as const) {
    for (const tag of run.task.tags.filter((t) => t.direction === dir)) {
      const steps = stepsOf(run, tag);
      if (steps.length < 2) continue;
      if (tag.type === "BOOL" && kept.some((k) => k.tag.type === "BOOL" && sameShape(k.steps, steps))) continue;
      kept.push({ tag, steps });
    }
  }
  const allOutputs = kept.filter((k) => k.tag.direction === "output");
  // With more inputs than lanes, keep those that move the main output (E-stop over Reset).
  const mainTimes = new Set(allOutputs[0]?.steps.slice(1).map(([t]) => t) ?? []);
  const moves = (k: ChartSignal) => k.steps.slice(1).some(([t]) => mainTimes.has(t));
  const allInputs = kept.filter((k) => k.tag.direction === "input");
  const picked = new Set([...allInputs.filter(moves), ...allInputs.filter((k) => !moves(k))].slice(0, MAX_SIGNALS - 1));
  const inputs = allInputs.filter((k) => picked.has(k));
  const outputs = allOutputs.slice(0, MAX_SIGNALS - inputs.length);
  if (inputs.length + outputs.length === 0) {
    // Nothing changed in the whole run: the chart still shows the first output, flat.
    const tag = run.task.tags.find((t) => t.direction === "output") ?? run.task.tags[0]!;
    return [{ tag, steps: stepsOf(run, tag) }];
  }
  return [...inputs, ...outputs];
}

/** The chart's window: from 0 to a whole second past the last change (the run's end at most). */
function windowOf(run: LessonRun, chosen: ChartSignal[]): number {
  const end = run.task.durationMs;
  // A BOOL that toggles more than a chart can hold ends the window at its last drawable point.
  const cap = Math.min(end, ...chosen.filter((c) => c.tag.type === "BOOL" && c.steps.length > MAX_POINTS).map((c) => c.steps[MAX_POINTS - 1]![0]));
  const last = Math.max(0, ...chosen.flatMap((c) => c.steps.slice(1).map(([t]) => t)).filter((t) => t <= cap));
  return Math.min(cap, Math.ceil((last + 1000) / 1000) * 1000);
}

/** Operator presses, each at the scan that first read it (an event applies at the next scan start). */
function presses(run: LessonRun): { t: number; tag: string }[] {
  return run.task.scenario.flatMap((e) => {
    if (e.kind !== "press") return [];
    const t = run.trace.times.find((x) => x >= e.at);
    return t === undefined ? [] : [{ t, tag: e.tag }];
  });
}

/** Operator presses in the window at which no chosen output changes. */
function ignoredPresses(run: LessonRun, chosen: ChartSignal[], durationMs: number): { t: number; tag: string }[] {
  const outputs = new Set(chosen.filter((c) => c.tag.direction === "output").map((c) => c.tag.name));
  return presses(run).filter((p) => p.t <= durationMs && chosen.some((c) => c.tag.name === p.tag) && !run.trace.changes.some((c) => c.t === p.t && outputs.has(c.tag)));
}

/** The timing visual of the run over its window, one lane per chosen signal. */
export function runTimingVisual(run: LessonRun, chosen: ChartSignal[] = chooseSignals(run)): TimingVisual {
  const durationMs = windowOf(run, chosen);
  const signals = chosen.map(({ tag, steps }) => {
    const inWindow = steps.filter(([t]) => t <= durationMs).map(([t, v]): [number, number] => [t, num(v)]);
    if (tag.type === "BOOL" || inWindow.length <= MAX_POINTS) return { name: tag.name, kind: tag.type === "BOOL" ? ("bool" as const) : ("analog" as const), points: inWindow, ramp: false };
    // An analog value that changes every scan (a tank level) is sampled and drawn as a ramp.
    const n = MAX_POINTS - 50;
    let last = 0; // the last point at or before `at` (points are in time order, the first at 0)
    const points = Array.from({ length: n + 1 }, (_, i): [number, number] => {
      const at = Math.round((durationMs * i) / n);
      while (last + 1 < inWindow.length && inWindow[last + 1]![0] <= at) last++;
      return [at, inWindow[last]![1]];
    });
    return { name: tag.name, kind: "analog" as const, points, ramp: true };
  });
  // The lanes show every press; a marker points at the one the program rightly ignores (Start
  // while Stop is held), the moment a teacher would point at. Spaced so labels never overlap.
  const markers: { t: number; label: string }[] = [];
  for (const p of ignoredPresses(run, chosen, durationMs)) {
    if (markers.length >= 3 || (markers.length && p.t - markers[markers.length - 1]!.t < durationMs * 0.2)) continue;
    markers.push({ t: p.t, label: `${p.tag} ignored`.slice(0, 24) });
  }
  return Visual.parse({ kind: "timing", durationMs, signals, markers }) as TimingVisual;
}

const isComment = (line: string) => /^\s*\(\*.*\*\)\s*$/.test(line);

/**
 * The program as a slide shows it: without the comment lines above PROGRAM, whole when it then
 * fits 24 lines, else without its VAR_INPUT/VAR_OUTPUT blocks (the task's tags, already in the
 * chart), else the logic after the declarations alone, else the logic's first 24 lines.
 * @returns the code and what was left out ("" when nothing was)
 */
export function programExcerpt(program: string): { code: string; leftOut: string } {
  const lines = program.replace(/\r\n?/g, "\n").split("\n").map((l) => l.replace(/\s+$/, ""));
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const fits = (ls: string[]) => ls.length <= MAX_CODE_LINES && ls.join("\n").length <= MAX_CODE_CHARS;
  // A comment line above PROGRAM is often the longest line, and the slide's font shrinks to fit it.
  const start = lines.findIndex((l) => !isComment(l) && l !== "");
  const body = lines.slice(Math.max(0, start));
  if (fits(body)) return { code: body.join("\n"), leftOut: "" };
  const noIo: string[] = [];
  let skipping = false;
  for (const l of body) {
    if (/^\s*VAR_(INPUT|OUTPUT)\b/i.test(l)) {
      if (!noIo.some((x) => x.includes("VAR_INPUT and VAR_OUTPUT"))) noIo.push("  (* VAR_INPUT and VAR_OUTPUT: the task's tags *)");
      skipping = true;
    } else if (skipping) skipping = !/^\s*END_VAR\b/i.test(l);
    else noIo.push(l);
  }
  if (fits(noIo)) return { code: noIo.join("\n"), leftOut: "the input and output declarations (they are the task's tags)" };
  const lastEndVar = body.reduce((at, l, i) => (/^\s*END_VAR\b/i.test(l) ? i : at), -1);
  const logic = body.slice(lastEndVar + 1);
  while (logic.length && logic[0] === "") logic.shift();
  if (fits(logic)) return { code: logic.join("\n"), leftOut: "the declarations" };
  const first: string[] = [];
  for (const l of logic) {
    if (!fits([...first, l])) break;
    first.push(l);
  }
  return { code: first.join("\n"), leftOut: "the declarations and the end of the logic" };
}

/** Build-up steps of the code: for each chosen signal, the logic lines that use it, in program order. */
function codeSteps(code: string, chosen: ChartSignal[]): { lines: number[]; names: string[] }[] {
  const lines = code.split("\n");
  const lastEndVar = lines.reduce((at, l, i) => (/^\s*END_VAR\b/i.test(l) ? i : at), -1);
  const steps: { lines: number[]; names: string[] }[] = [];
  for (const { tag } of chosen) {
    const word = new RegExp(`\\b${tag.identifier}\\b`, "i");
    const at = lines.flatMap((l, i) => (i > lastEndVar && !isComment(l) && word.test(l.replace(/\(\*.*?\*\)/g, "")) ? [i + 1] : []));
    if (at.length === 0) continue;
    const same = steps.find((s) => s.lines.join() === at.join());
    if (same) same.names.push(tag.name);
    else steps.push({ lines: at, names: [tag.name] });
  }
  return steps.sort((a, b) => a.lines[0]! - b.lines[0]!).slice(0, 12);
}

const and = (items: string[]) => (items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`);

/** The first sentences of `text` up to about `max` characters (at least one sentence). */
function firstSentences(text: string, max: number): string {
  const out: string[] = [];
  for (const s of text.split(/(?<=[.!?])\s+/)) {
    if (out.length && out.join(" ").length + s.length > max) break;
    out.push(s);
  }
  return out.join(" ");
}

/** Plain spoken sentences of what happened, from the trace, in time order. */
export function runStory(run: LessonRun, chosen: ChartSignal[], durationMs: number): string[] {
  const pressedAt = new Set(presses(run).map((p) => `${p.tag}@${p.t}`));
  const byTime = new Map<number, { tag: SimTag; value: TagValue; before: TagValue; prevT: number; wasOn: boolean }[]>();
  for (const { tag, steps } of chosen) {
    let wasOn = false; // whether the tag was on at some step before this one
    steps.slice(1).forEach(([t, value], i) => {
      wasOn ||= steps[i]![1] === true;
      if (t > durationMs) return;
      (byTime.get(t) ?? byTime.set(t, []).get(t)!).push({ tag, value, before: steps[i]![1], prevT: steps[i]![0], wasOn });
    });
  }
  const main = chosen.find((c) => c.tag.direction === "output" && c.tag.type === "BOOL") ?? chosen.find((c) => c.tag.direction === "output");
  const explainedNc = new Set<string>();
  const story: string[] = [];
  let sameScanSaid = false;
  for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
    const group = byTime.get(t)!;
    const causes: string[] = [];
    const sensed: string[] = [];
    for (const c of group.filter((g) => g.tag.direction === "input")) {
      const pressed = pressedAt.has(`${c.tag.name}@${t}`);
      if (pressed && c.value === false && c.tag.type === "BOOL") {
        // A normally closed button: its input drops while pressed, which the chart shows upside down.
        causes.push(explainedNc.has(c.tag.name) ? `${c.tag.name} is pressed` : `${c.tag.name} is pressed (a normally closed button, so its input drops to 0)`);
        explainedNc.add(c.tag.name);
      } else if (pressed) causes.push(`${c.tag.name} is pressed`);
      else if (c.tag.type === "BOOL" && c.value === true && !pressedAt.has(`${c.tag.name}@${c.prevT}`)) sensed.push(`${c.tag.name} turns on`);
      // An analog input (a level) changes every scan: the chart shows it; words would drown it.
    }
    const effects = group
      .filter((g) => g.tag.direction === "output")
      .map((e) => (e.tag.type === "BOOL" ? `${e.tag.name} turns ${e.value ? "on" : "off"}${e.value && e.wasOn ? " again" : ""}` : `${e.tag.name} goes to ${show(e.tag, e.value)}`));
    const when = `At ${seconds(t)}`;
    if ((causes.length || sensed.length) && effects.length) {
      // "In the same scan" is the lesson the first time; said every time it is a drone.
      story.push(`${when}, ${and([...causes, ...sensed])}, and ${and(effects)}${sameScanSaid ? "" : " in the same scan"}.`);
      sameScanSaid = true;
    }
    else if (causes.length && main) {
      // An operator action the program rightly ignores (Start while Stop is held) is worth saying.
      const value = run.trace.changes.filter((c) => c.tag === main.tag.name && c.t <= t).at(-1)?.value ?? run.trace.initial[main.tag.name];
      story.push(`${when}, ${and(causes)}, but ${main.tag.name} ${main.tag.type === "BOOL" ? `stays ${value ? "on" : "off"}` : `stays at ${show(main.tag, value ?? 0)}`}.`);
    } else if (effects.length) {
      const first = group.find((g) => g.tag.direction === "output")!;
      const since = first.tag.type === "BOOL" ? `it turned ${first.before ? "on" : "off"}` : "it last changed";
      story.push(first.prevT > 0 ? `${when}, ${and(effects)}, ${seconds(t - first.prevT)} after ${since}.` : `${when}, ${and(effects)}.`);
    }
  }
  if (story.length <= MAX_STORY) return story;
  return [...story.slice(0, MAX_STORY), `${story.length - MAX_STORY} more moments like these follow, up to ${seconds(durationMs)}.`];
}

/** The two sections of the lesson: the program (st) and the run (timing). */
export function simSections(run: LessonRun): ScriptSection[] {
  const { task, trace, verdict } = run;
  const chosen = chooseSignals(run);
  const timing = runTimingVisual(run, chosen);
  const { code, leftOut } = programExcerpt(run.program);
  const steps = codeSteps(code, chosen);
  const st = Visual.parse({ kind: "st", code, steps: steps.map((s) => s.lines) }) as StVisual;
  const solution = run.programFile.endsWith(".solution.st");
  const checks = verdict.criteria.length;
  const programNarration = [
    `Here is a program that passed the simulation task "${task.title}".`,
    solution
      ? `The learning agent wrote it, and the simulator ran it against the ${run.sceneTitle} plant: every one of the task's ${checks} checks passed.`
      : `It is the task's reference solution, and the simulator ran it against the ${run.sceneTitle} plant: every one of the task's ${checks} checks passed.`,
    `The task asks for this. ${firstSentences(task.behaviour, 400)}`,
    leftOut ? `The slide leaves out ${leftOut}, to show the logic that matters.` : "",
    steps.length ? `The highlighted lines show, in turn, where the program uses ${steps.map((s) => and(s.names)).join(", then ")}.` : "",
  ].filter(Boolean);
  const scans = trace.times.length;
  const names = timing.signals.map((s) => s.name);
  const story = runStory(run, chosen, timing.durationMs);
  const nc = chosen.filter((c) => c.tag.direction === "input" && c.tag.type === "BOOL" && c.steps[0]![1] === true && task.scenario.some((e) => e.kind === "press" && e.tag === c.tag.name));
  const runNarration = [
    `This chart is not drawn by hand. It is the record of that program running on the simulated ${run.sceneTitle} plant, one scan every ${task.cycleMs} milliseconds, and it shows ${and(names)} over the first ${seconds(timing.durationMs)}.`,
    ...story,
    `Every check of the task passed on this run.`,
  ];
  const bullets = (xs: string[]) => xs.filter(Boolean).slice(0, 6).map((b) => (b.length > 120 ? `${b.slice(0, 119)}…` : b));
  return [
    {
      heading: PROGRAM_HEADING,
      narration: programNarration.join(" "),
      bullets: bullets([
        `Task: ${task.title}`,
        solution ? "Written by the learning agent" : "The task's reference solution",
        `Passed all ${checks} checks on the simulated plant`,
        leftOut ? `Slide shows the main logic; full program in ${run.programFile}` : `Program: ${run.programFile}`,
      ]),
      visual: st,
    },
    {
      heading: RUN_HEADING,
      narration: runNarration.join(" "),
      bullets: bullets([
        `A real run: ${Math.round(task.durationMs / 100) / 10} s simulated, ${scans} scans of ${task.cycleMs} ms`,
        `Shown: ${names.join(", ")}`,
        ...nc.map((c) => `${c.tag.name} is normally closed: 0 while pressed`),
        "Every check of the task passed",
      ]),
      visual: timing,
    },
  ];
}

/**
 * What the Claude writer is told about the linked task: the program, the run's facts and the two
 * visuals to use unchanged. Only for an atom with `simTask`; others get nothing, so their prompt
 * is byte-identical to before.
 */
export function simPromptMaterial(run: LessonRun, sections: ScriptSection[]): string {
  return [
    `<simulation task="${run.task.id}" program="${run.programFile}">`,
    `Task: ${run.task.title}`,
    `Behaviour asked for: ${run.task.behaviour}`,
    `Program:`,
    run.program.trimEnd(),
    ``,
    `It was run against the simulated ${run.sceneTitle} plant (${run.trace.times.length} scans of ${run.task.cycleMs} ms) and passed all ${run.verdict.criteria.length} checks. What the run shows, from its trace:`,
    ...sections.map((s) => `Section "${s.heading}": ${s.narration}\nVisual (use unchanged): ${JSON.stringify(s.visual)}`),
    `</simulation>`,
  ].join("\n");
}

/**
 * The Claude writer's script with the run's own visuals on the sections it named after them, so
 * a chart that claims to be a real run always is one (a model could round or drop points).
 */
export function withRunVisuals<S extends { sections: ScriptSection[] }>(script: S, sections: ScriptSection[]): S {
  const key = (h: string) => h.trim().toLowerCase();
  const real = new Map(sections.filter((s) => s.visual).map((s) => [key(s.heading), s.visual!] as const));
  return { ...script, sections: script.sections.map((s) => (real.has(key(s.heading)) ? { ...s, visual: real.get(key(s.heading))! } : s)) };
}
