/**
 * The simulation-task contract: what kb/sim/<id>.json holds (a scene, the tags a program uses,
 * a scenario of operator actions and parts, and machine-checkable acceptance criteria), and the
 * one rule that turns a scene's tag name into a Structured Text identifier.
 *
 * zod only, no I/O. Shared by the built-in plants, the Factory I/O adapter, the judge, the
 * learning agent's prompt and `factory kb validate`. docs/learning.md explains every field.
 */
import { z } from "zod";
import { Slug } from "./models.ts";

/**
 * The ONE rule mapping a scene's tag name to an ST identifier: ASCII letters and digits are
 * kept, every run of other characters becomes one `_`, leading and trailing `_` are dropped,
 * and a leading digit gets a `_` prefix. "Transf. left" → "Transf_left", "Emergency stop" →
 * "Emergency_stop", "FACTORY I/O (Run)" → "FACTORY_I_O_Run", "2nd sensor" → "_2nd_sensor".
 * A name without any letter or digit maps to "" (no identifier; tasks refuse such tags).
 * ST identifiers compare case-insensitively: use `sameIdentifier` to compare two.
 */
export function tagIdentifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** True when two ST identifiers name the same variable (identifiers are case-insensitive). */
export function sameIdentifier(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Bounds that keep a hostile or mistaken task file from costing minutes or megabytes. */
export const SIM_LIMITS = {
  maxTags: 64,
  maxScenarioEvents: 500,
  maxCriteria: 40,
  /** Simulated time of one run: 10 minutes. */
  maxDurationMs: 600_000,
  maxCycleMs: 1_000,
  maxConditionDepth: 8,
  maxConditionItems: 16,
} as const;

const TagName = z.string().min(1).max(80);
const SimMs = z.number().int().min(0).max(SIM_LIMITS.maxDurationMs);
const PositiveMs = z.number().int().min(1).max(SIM_LIMITS.maxDurationMs);

export const SimTagType = z.enum(["BOOL", "INT", "REAL"]);
export const SimDirection = z.enum(["input", "output"]);

/** One tag a task uses, as the scene names it, with its identifier in the program. */
export const SimTag = z.object({
  name: TagName,
  /** From the controller's side: sensors and buttons are inputs, actuators and lights outputs. */
  direction: SimDirection,
  type: SimTagType,
  /** Must equal tagIdentifier(name): the program declares it in VAR_INPUT / VAR_OUTPUT. */
  identifier: z.string().min(1).max(80),
});
export type SimTag = z.infer<typeof SimTag>;

/**
 * A condition over tag values at one scan, written as a small JSON tree over tag NAMES:
 * `{ "tag": "Start" }` (a BOOL tag is TRUE), `{ "not": c }`, `{ "all": [...] }`, `{ "any": [...] }`,
 * `{ "tag": "Level meter", "above": 5 }`, `{ "tag": "...", "below": 2 }`,
 * `{ "tag": "Counter", "equals": 3 }`. `above`/`below` are strict.
 */
export type Condition =
  | { tag: string }
  | { tag: string; above: number }
  | { tag: string; below: number }
  | { tag: string; equals: number | boolean }
  | { not: Condition }
  | { all: Condition[] }
  | { any: Condition[] };

const CONDITION_HELP =
  'not a condition: write { "tag": name } (a BOOL is TRUE), { "tag": name, "above" | "below" | "equals": value }, { "not": condition }, { "all": [...] } or { "any": [...] }';

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union(
    [
      z.object({ tag: TagName, above: z.number() }).strict(),
      z.object({ tag: TagName, below: z.number() }).strict(),
      z.object({ tag: TagName, equals: z.union([z.number(), z.boolean()]) }).strict(),
      z.object({ tag: TagName }).strict(),
      z.object({ not: Condition }).strict(),
      z.object({ all: z.array(Condition).min(1).max(SIM_LIMITS.maxConditionItems) }).strict(),
      z.object({ any: z.array(Condition).min(1).max(SIM_LIMITS.maxConditionItems) }).strict(),
    ],
    { error: CONDITION_HELP },
  ),
);

/** Every tag name a condition mentions, in order of appearance (duplicates kept out). */
export function conditionTags(c: Condition, into: string[] = []): string[] {
  if ("not" in c) conditionTags(c.not, into);
  else if ("all" in c) for (const x of c.all) conditionTags(x, into);
  else if ("any" in c) for (const x of c.any) conditionTags(x, into);
  else if (!into.includes(c.tag)) into.push(c.tag);
  return into;
}

/** Nesting depth of a condition (a leaf is 1). */
export function conditionDepth(c: Condition): number {
  if ("not" in c) return 1 + conditionDepth(c.not);
  if ("all" in c) return 1 + Math.max(...c.all.map(conditionDepth));
  if ("any" in c) return 1 + Math.max(...c.any.map(conditionDepth));
  return 1;
}

/**
 * Something that happens to the plant at a simulated time (ms from the start of the run).
 * Buttons are named by their tag and pressed physically: the plant knows the wiring, so pressing
 * the normally closed Emergency stop makes its input FALSE.
 */
export const ScenarioEvent = z.discriminatedUnion("kind", [
  /** Press a button; with `holdMs` it is released after that long, without it stays pressed until `release`. */
  z.object({ kind: z.literal("press"), at: SimMs, tag: TagName, holdMs: PositiveMs.optional() }).strict(),
  /** Release a button pressed without `holdMs` (an emergency stop is pulled out again). */
  z.object({ kind: z.literal("release"), at: SimMs, tag: TagName }).strict(),
  /** Set a switch, selector or analog input (a setpoint potentiometer) to a value. */
  z.object({ kind: z.literal("set"), at: SimMs, tag: TagName, value: z.union([z.boolean(), z.number()]) }).strict(),
  /** A part of the given type becomes available to the scene's emitter (it enters when the emitter runs and there is room). */
  z.object({ kind: z.literal("part"), at: SimMs, part: Slug }).strict(),
  /** Change a plant quantity no tag controls (the tank's extra outflow, ...); each scene documents its names. */
  z.object({ kind: z.literal("disturbance"), at: SimMs, name: Slug, value: z.number().finite() }).strict(),
]);
export type ScenarioEvent = z.infer<typeof ScenarioEvent>;

const CriterionBase = {
  id: Slug,
  /** One sentence the model and the owner can read: what must hold. */
  text: z.string().min(5).max(300),
};
/** Optional window of simulated time in which a criterion is checked. */
const Window = {
  fromMs: SimMs.optional(),
  untilMs: SimMs.optional(),
};

/** Which plant events a criterion counts: a kind, optionally with matching details. */
export const EventMatch = z
  .object({
    kind: Slug,
    detail: z.record(z.string().min(1).max(40), z.union([z.string().max(80), z.number(), z.boolean()])).optional(),
  })
  .strict();
export type EventMatch = z.infer<typeof EventMatch>;

export const Criterion = z.discriminatedUnion("kind", [
  /** Invariant: the condition is never true at the end of any scan (in the window). */
  z.object({ kind: z.literal("never"), ...CriterionBase, condition: Condition, ...Window }).strict(),
  /**
   * Response: whenever `trigger` rises (FALSE at one scan, TRUE at the next), `response` is true
   * at some scan within `withinMs`; with `until`, it then stays true until `until` is true
   * (or the run ends); with `forMs`, it stays true at least that long. `until` true before the
   * response came cancels the obligation (the operator changed their mind). A trigger whose
   * window reaches past the end of the run is not judged.
   */
  z
    .object({
      kind: z.literal("response"),
      ...CriterionBase,
      trigger: Condition,
      response: Condition,
      withinMs: z.number().int().min(0).max(SIM_LIMITS.maxDurationMs),
      until: Condition.optional(),
      forMs: PositiveMs.optional(),
      ...Window,
    })
    .strict(),
  /**
   * Bounded eventuality: every part that enters (event `part-entered`) is removed (event
   * `part-removed`) at the exit its type maps to, within `withinMs` of entering; a part removed at
   * another exit or lost (`part-fell`) fails at once. Parts whose deadline lies past the end of the
   * run are judged only if they leave. `atLeast`: this many parts must be delivered correctly by
   * the end, so a program that never lets a part in cannot pass.
   */
  z
    .object({
      kind: z.literal("delivery"),
      ...CriterionBase,
      exits: z.record(Slug, Slug).refine((m) => Object.keys(m).length > 0, "give the exit of at least one part type"),
      withinMs: PositiveMs,
      atLeast: z.number().int().min(0).max(10_000).default(1),
    })
    .strict(),
  /**
   * Count: an INT output equals the number of plant events that match. `always`: at every scan
   * the value lies between the count `toleranceMs` earlier and the count `toleranceMs` later (a
   * counter may count at the exit sensor, a little before the part is removed), and equals it at
   * the end; `end`: only the final value is checked. `resetOn`: the count restarts at 0 whenever
   * this condition rises.
   */
  z
    .object({
      kind: z.literal("count"),
      ...CriterionBase,
      tag: TagName,
      events: EventMatch,
      mode: z.enum(["always", "end"]).default("always"),
      toleranceMs: z.number().int().min(0).max(60_000).default(1_000),
      resetOn: Condition.optional(),
    })
    .strict(),
  /**
   * Settle: from `fromMs` (until `untilMs` or the end) a REAL tag stays within `tolerance` of
   * `target`, a constant or another tag's value (the setpoint).
   */
  z
    .object({
      kind: z.literal("settle"),
      ...CriterionBase,
      tag: TagName,
      target: z.union([z.number(), z.object({ tag: TagName }).strict()]),
      tolerance: z.number().positive(),
      fromMs: SimMs,
      untilMs: SimMs.optional(),
    })
    .strict(),
]);
export type Criterion = z.infer<typeof Criterion>;

export const SimLevel = z.enum(["easy", "medium", "hard"]);

/** Every tag name a criterion mentions. */
export function criterionTags(c: Criterion): string[] {
  const out: string[] = [];
  if (c.kind === "count" || c.kind === "settle") out.push(c.tag);
  for (const [, condition] of conditionsOf(c)) conditionTags(condition, out);
  if (c.kind === "settle" && typeof c.target !== "number" && !out.includes(c.target.tag)) out.push(c.target.tag);
  return out;
}

const SimTaskShape = z
  .object({
    /** The file name without `.json`. */
    id: Slug,
    /** A scene id as `factory sim scenes` lists it. */
    scene: Slug,
    title: z.string().min(3).max(120),
    /** The behaviour wanted, in plain words: what the model is asked to program. */
    behaviour: z.string().min(20).max(4_000),
    level: SimLevel,
    tags: z.array(SimTag).min(1).max(SIM_LIMITS.maxTags),
    scenario: z.array(ScenarioEvent).max(SIM_LIMITS.maxScenarioEvents),
    durationMs: PositiveMs,
    cycleMs: z.number().int().min(1).max(SIM_LIMITS.maxCycleMs).default(10),
    criteria: z.array(Criterion).min(1).max(SIM_LIMITS.maxCriteria),
  })
  .strict();

/**
 * A simulation task (kb/sim/<id>.json). Beyond field shapes it checks what needs no scene:
 * identifiers follow `tagIdentifier`, names and ids are unique, events fall inside the run and
 * name task input tags, criteria name task tags. Scene checks live in worker/kb/validate-sim.ts.
 */
export const SimTask = SimTaskShape.superRefine((task, ctx) => {
  const byName = new Map<string, SimTag>();
  const ids = new Map<string, string>();
  task.tags.forEach((tag, i) => {
    if (byName.has(tag.name)) ctx.addIssue({ code: "custom", path: ["tags", i, "name"], message: `tag "${tag.name}" is listed twice` });
    byName.set(tag.name, tag);
    const want = tagIdentifier(tag.name);
    if (want === "") {
      ctx.addIssue({ code: "custom", path: ["tags", i, "name"], message: `tag "${tag.name}" has no letter or digit, so no ST identifier` });
    } else if (tag.identifier !== want) {
      ctx.addIssue({
        code: "custom",
        path: ["tags", i, "identifier"],
        message: `identifier of "${tag.name}" must be "${want}" (letters and digits kept, every other run of characters one "_")`,
      });
    }
    const other = ids.get(tag.identifier.toLowerCase());
    if (other !== undefined && other !== tag.name) {
      ctx.addIssue({ code: "custom", path: ["tags", i, "identifier"], message: `identifier "${tag.identifier}" is also the identifier of "${other}" (identifiers are case-insensitive)` });
    }
    ids.set(tag.identifier.toLowerCase(), tag.name);
  });
  const known = () => [...byName.keys()].map((n) => `"${n}"`).join(", ");

  task.scenario.forEach((ev, i) => {
    if (ev.at > task.durationMs) {
      ctx.addIssue({ code: "custom", path: ["scenario", i, "at"], message: `at ${ev.at} ms is after the end of the run (durationMs ${task.durationMs})` });
    }
    if (ev.kind === "press" || ev.kind === "release" || ev.kind === "set") {
      const tag = byName.get(ev.tag);
      if (!tag) {
        ctx.addIssue({ code: "custom", path: ["scenario", i, "tag"], message: `tag "${ev.tag}" is not one of the task's tags (${known()})` });
      } else if (tag.direction !== "input") {
        ctx.addIssue({ code: "custom", path: ["scenario", i, "tag"], message: `"${ev.tag}" is an output: the scenario can only act on inputs` });
      } else if ((ev.kind === "press" || ev.kind === "release") && tag.type !== "BOOL") {
        ctx.addIssue({ code: "custom", path: ["scenario", i, "tag"], message: `"${ev.tag}" is ${tag.type}: only BOOL buttons can be pressed; use "set"` });
      } else if (ev.kind === "set" && (typeof ev.value === "boolean") !== (tag.type === "BOOL")) {
        ctx.addIssue({ code: "custom", path: ["scenario", i, "value"], message: `"${ev.tag}" is ${tag.type}: give a ${tag.type === "BOOL" ? "true/false" : "number"} value` });
      }
    }
  });

  const partTypes = [...new Set(task.scenario.flatMap((e) => (e.kind === "part" ? [e.part] : [])))];
  const criterionIds = new Set<string>();
  task.criteria.forEach((c, i) => {
    if (criterionIds.has(c.id)) ctx.addIssue({ code: "custom", path: ["criteria", i, "id"], message: `criterion id "${c.id}" is used twice` });
    criterionIds.add(c.id);
    for (const name of criterionTags(c)) {
      if (!byName.has(name)) ctx.addIssue({ code: "custom", path: ["criteria", i], message: `criterion "${c.id}" names tag "${name}", which is not one of the task's tags (${known()})` });
    }
    for (const [key, cond] of conditionsOf(c)) {
      if (conditionDepth(cond) > SIM_LIMITS.maxConditionDepth) {
        ctx.addIssue({ code: "custom", path: ["criteria", i, key], message: `condition nested deeper than ${SIM_LIMITS.maxConditionDepth} levels` });
      }
    }
    if (c.kind === "delivery") {
      for (const part of partTypes) {
        if (!(part in c.exits)) ctx.addIssue({ code: "custom", path: ["criteria", i, "exits"], message: `the scenario sends "${part}" parts: say at which exit they must leave` });
      }
    }
    if ((c.kind === "count" || c.kind === "settle") && byName.has(c.tag)) {
      const tag = byName.get(c.tag)!;
      const want = c.kind === "count" ? "INT" : "REAL";
      if (tag.type !== want && !(c.kind === "settle" && tag.type === "INT")) {
        ctx.addIssue({ code: "custom", path: ["criteria", i, "tag"], message: `a ${c.kind} criterion needs a${want === "INT" ? "n" : ""} ${want} tag; "${c.tag}" is ${tag.type}` });
      }
    }
    if ("untilMs" in c && c.untilMs !== undefined && c.fromMs !== undefined && c.untilMs < c.fromMs) {
      ctx.addIssue({ code: "custom", path: ["criteria", i, "untilMs"], message: "untilMs is before fromMs" });
    }
  });
});
export type SimTask = z.infer<typeof SimTask>;
/** A task as written in the file, before defaults (cycleMs, count mode, ...) are filled in. */
export type SimTaskInput = z.input<typeof SimTask>;

/** The conditions of a criterion, by field name (the one place that knows which fields hold conditions). */
function conditionsOf(c: Criterion): Array<[string, Condition]> {
  switch (c.kind) {
    case "never":
      return [["condition", c.condition]];
    case "response":
      return [["trigger", c.trigger], ["response", c.response], ...(c.until ? [["until", c.until] as [string, Condition]] : [])];
    case "count":
      return c.resetOn ? [["resetOn", c.resetOn]] : [];
    default:
      return [];
  }
}
