/**
 * The structured picture of a script section: what a lesson draws beside the narration, as data
 * (not prose), so it can be drawn as a real diagram and built up step by step while the narration
 * reaches each part. Claude fills it through structured output, the offline writer derives it
 * from an atom's optional `visual`, and the learning agent's passing programs feed `st` and
 * `timing`. zod only, no I/O. Sizes are bounded so a diagram always fits one slide.
 */
import { z } from "zod";

const Label = z.string().trim().min(1).max(40);
const Tag = z.string().trim().min(1).max(24);

/** One ladder element: a contact, a coil or a box (timer, counter) on a rung. */
export const LadderElement = z.object({
  /** `no` normally open contact -| |-, `nc` normally closed -|/|-, `coil` -( )-, `set` -(S)-, `reset` -(R)-, `box` a TON/CTU block. */
  type: z.enum(["no", "nc", "coil", "set", "reset", "box"]),
  /** The tag or address above the symbol: `Start`, `%I0.1`, `T1`. */
  tag: Tag,
  /** A short word under the symbol (`Stop PB`) or, for a box, its type (`TON`). */
  label: z.string().trim().max(24).optional(),
});
export type LadderElement = z.infer<typeof LadderElement>;

/** A rung: contacts in series from the left rail, optional parallel branches, outputs at the right. */
export const LadderRung = z.object({
  comment: z.string().trim().max(60).optional(),
  /**
   * Series groups left to right. A group with one branch is plain series; with several branches
   * it is a parallel block (e.g. Start in parallel with the seal-in contact Motor).
   */
  groups: z.array(z.array(z.array(LadderElement).min(1).max(4)).min(1).max(3)).min(1).max(6),
});
export type LadderRung = z.infer<typeof LadderRung>;

/** Ladder logic; each step names the tags that are TRUE then, and energised paths are drawn lit. */
export const LadderVisual = z.object({
  kind: z.literal("ladder"),
  rungs: z.array(LadderRung).min(1).max(4),
  /** Build-up: at step i, these tags are TRUE (a `no` contact conducts, an `nc` one does not). */
  steps: z.array(z.object({ on: z.array(Tag).max(16), note: z.string().trim().max(60).optional() })).max(8).default([]),
});

/** Structured Text with the lines that matter highlighted in turn. */
export const StVisual = z.object({
  kind: z.literal("st"),
  code: z.string().min(1).max(2400).refine((s) => s.split("\n").length <= 24, "at most 24 lines of code fit a slide"),
  /** Build-up: at step i, these 1-based lines are highlighted. */
  steps: z.array(z.array(z.number().int().min(1).max(24)).max(24)).max(12).default([]),
});

/** A level over time: points [ms, value]; BOOL signals use 0/1. Steps hold until the next point. */
export const TimingSignal = z.object({
  name: Label,
  kind: z.enum(["bool", "analog"]).default("bool"),
  points: z.array(z.tuple([z.number().min(0), z.number()])).min(1).max(200),
  /** For an analog signal drawn as a ramp (ET of a timer) rather than steps. */
  ramp: z.boolean().default(false),
});

/** A timing diagram (IN / Q / ET of a timer, scan phases), revealed signal by signal. */
export const TimingVisual = z.object({
  kind: z.literal("timing"),
  durationMs: z.number().positive().max(24 * 3600 * 1000),
  signals: z.array(TimingSignal).min(1).max(6),
  markers: z.array(z.object({ t: z.number().min(0), label: z.string().trim().min(1).max(24) })).max(8).default([]),
});

/**
 * A formula in a small plain notation, typeset for real: `^` superscript, `_` subscript, `/` a
 * stacked fraction, `*` a multiplication sign, `sqrt(...)`: "P = I^2 * R", "I = V / R".
 */
export const FormulaVisual = z.object({
  kind: z.literal("formula"),
  lines: z.array(z.string().trim().min(1).max(80)).min(1).max(4),
  /** What each symbol means, shown under the formula: [["I", "current in amperes"]]. */
  legend: z.array(z.tuple([z.string().trim().min(1).max(12), z.string().trim().min(1).max(48)])).max(5).default([]),
});

/** Boxes and arrows, left to right (or top to bottom), revealed node by node. */
export const FlowVisual = z.object({
  kind: z.literal("flow"),
  direction: z.enum(["right", "down"]).default("right"),
  nodes: z.array(z.object({ id: z.string().min(1).max(24), label: z.string().trim().min(1).max(40) })).min(1).max(8),
  edges: z.array(z.object({ from: z.string(), to: z.string(), label: z.string().trim().max(20).optional() })).max(12).default([]),
});

/** A small table (truth table, addressing), revealed row by row. */
export const TableVisual = z.object({
  kind: z.literal("table"),
  header: z.array(z.string().trim().min(1).max(24)).min(1).max(6),
  rows: z.array(z.array(z.string().trim().max(24))).min(1).max(8),
});

/** What a section shows. Old scripts have only a free-text `visualHint` and still load. */
export const Visual = z
  .discriminatedUnion("kind", [LadderVisual, StVisual, TimingVisual, FormulaVisual, FlowVisual, TableVisual])
  .superRefine((v, ctx) => {
    if (v.kind === "table") {
      v.rows.forEach((r, i) => {
        if (r.length !== v.header.length) ctx.addIssue({ code: "custom", path: ["rows", i], message: `row ${i + 1} has ${r.length} cells; the header has ${v.header.length}` });
      });
    }
    if (v.kind === "flow") {
      const ids = new Set(v.nodes.map((n) => n.id));
      v.edges.forEach((e, i) => {
        for (const end of [e.from, e.to] as const) {
          if (!ids.has(end)) ctx.addIssue({ code: "custom", path: ["edges", i], message: `edge names node "${end}", which is not in nodes (${[...ids].join(", ")})` });
        }
      });
    }
  });
export type Visual = z.infer<typeof Visual>;
export type LadderVisual = z.infer<typeof LadderVisual>;
export type StVisual = z.infer<typeof StVisual>;
export type TimingVisual = z.infer<typeof TimingVisual>;
export type FormulaVisual = z.infer<typeof FormulaVisual>;
export type FlowVisual = z.infer<typeof FlowVisual>;
export type TableVisual = z.infer<typeof TableVisual>;
export type VisualKind = Visual["kind"];
