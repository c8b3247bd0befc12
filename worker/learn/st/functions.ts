/**
 * The standard functions of the subset: ABS, SQRT, EXPT, MIN, MAX, LIMIT, SEL, TRUNC and the
 * type conversions X_TO_Y between BOOL, INT, DINT, REAL and TIME. Each resolves its argument
 * types to a result type (or a message) and builds the closure that computes it.
 */
import type { StType } from "./api.ts";
import { ELEMENTARY, type ExprType, assignable, isNumeric, roundHalfAway, show, widest, wrapDint, wrapInt } from "./types.ts";

/**
 * A compiled expression: reads the instance's memory through `c` (scope.ts's Ctx). Typed loosely
 * on purpose: values are BOOL or numbers as the checker proved, and the hot path casts nothing.
 */
export type Ev = (c: any) => any;

/** A resolved call: the result type and how to compute it from the argument closures. */
export interface Resolved {
  type: ExprType;
  make(args: Ev[]): Ev;
}

export interface FunctionSpec {
  /** How the function is called, for messages and docs: `LIMIT(MN, IN, MX)`. */
  signature: string;
  resolve(args: ExprType[]): Resolved | string;
}

const numericResult = (t: ExprType): ((v: number) => number) =>
  t === "INT" ? wrapInt : t === "DINT" || t === "ANYINT" ? wrapDint : (v) => v;

/** Common type of several operands: all numeric → widest, or all the same BOOL/TIME. */
function common(name: string, args: ExprType[], allowBool: boolean): ExprType | string {
  if (args.includes("ERROR")) return "ERROR";
  if (args.every(isNumeric)) return args.reduce(widest);
  const first = args[0]!;
  if ((first === "TIME" || (allowBool && first === "BOOL")) && args.every((a) => a === first)) return first;
  return `${name} needs arguments of one kind (numbers${allowBool ? ", BOOL" : ""} or TIME), got ${args.map(show).join(", ")}`;
}

const isType = (t: string): t is ExprType => t === "ANYINT" || t === "ERROR" || (ELEMENTARY as readonly string[]).includes(t);
const failed: Resolved = { type: "ERROR", make: () => () => 0 };

const arity = (name: string, want: string, args: ExprType[], ok: boolean): string | null =>
  ok ? null : `${name} takes ${want}, got ${args.length}`;

function convert(from: StType, to: StType): (v: never) => unknown {
  if (to === "BOOL") return ((v: number) => v !== 0) as never;
  if (from === "BOOL") return ((v: boolean) => (v ? 1 : 0)) as never;
  if (to === "REAL") return ((v: number) => v) as never;
  if (from === "REAL") {
    if (to === "INT") return ((v: number) => wrapInt(roundHalfAway(v))) as never;
    return ((v: number) => wrapDint(roundHalfAway(v))) as never;
  }
  if (to === "INT") return wrapInt as never;
  return wrapDint as never;
}

const specs = new Map<string, FunctionSpec>();

specs.set("ABS", {
  signature: "ABS(IN)",
  resolve: (args) => {
    const bad = arity("ABS", "1 argument", args, args.length === 1);
    if (bad) return bad;
    const t = args[0]!;
    if (t !== "ERROR" && !isNumeric(t)) return `ABS needs a number, not ${show(t)}`;
    const wrap = numericResult(t);
    return { type: t, make: ([a]) => (c) => wrap(Math.abs(a!(c))) };
  },
});

specs.set("SQRT", {
  signature: "SQRT(IN)",
  resolve: (args) => {
    const bad = arity("SQRT", "1 argument", args, args.length === 1);
    if (bad) return bad;
    if (args[0] !== "ERROR" && !isNumeric(args[0]!)) return `SQRT needs a number, not ${show(args[0]!)}`;
    return { type: "REAL", make: ([a]) => (c) => Math.sqrt(a!(c)) };
  },
});

specs.set("EXPT", {
  signature: "EXPT(IN1, IN2)",
  resolve: (args) => {
    const bad = arity("EXPT", "2 arguments", args, args.length === 2);
    if (bad) return bad;
    const wrong = args.find((t) => t !== "ERROR" && !isNumeric(t));
    if (wrong) return `EXPT needs numbers, not ${show(wrong)}`;
    return { type: "REAL", make: ([a, b]) => (c) => a!(c) ** b!(c) };
  },
});

for (const [name, pick] of [
  ["MIN", Math.min],
  ["MAX", Math.max],
] as const) {
  specs.set(name, {
    signature: `${name}(IN1, IN2, …)`,
    resolve: (args) => {
      const bad = arity(name, "2 or more arguments", args, args.length >= 2);
      if (bad) return bad;
      const t = common(name, args, false);
      if (!isType(t)) return t;
      if (t === "ERROR") return failed;
      return {
        type: t,
        make: (evs) => {
          if (evs.length === 2) {
            const [a, b] = evs as [Ev, Ev];
            return (c) => pick(a(c), b(c));
          }
          return (c) => pick(...evs.map((e) => e(c)));
        },
      };
    },
  });
}

specs.set("LIMIT", {
  signature: "LIMIT(MN, IN, MX)",
  resolve: (args) => {
    const bad = arity("LIMIT", "3 arguments (MN, IN, MX)", args, args.length === 3);
    if (bad) return bad;
    const t = common("LIMIT", args, false);
    if (!isType(t)) return t;
      if (t === "ERROR") return failed;
    return { type: t, make: ([mn, v, mx]) => (c) => Math.min(Math.max(v!(c), mn!(c)), mx!(c)) };
  },
});

specs.set("SEL", {
  signature: "SEL(G, IN0, IN1)",
  resolve: (args) => {
    const bad = arity("SEL", "3 arguments (G, IN0, IN1)", args, args.length === 3);
    if (bad) return bad;
    if (args[0] !== "BOOL" && args[0] !== "ERROR") return `SEL needs a BOOL selector G as first argument, not ${show(args[0]!)}`;
    const t = common("SEL", args.slice(1), true);
    if (!isType(t)) return t;
      if (t === "ERROR") return failed;
    return { type: t, make: ([g, a, b]) => (c) => (g!(c) ? b!(c) : a!(c)) };
  },
});

specs.set("TRUNC", {
  signature: "TRUNC(IN)",
  resolve: (args) => {
    const bad = arity("TRUNC", "1 argument", args, args.length === 1);
    if (bad) return bad;
    if (args[0] !== "ERROR" && !isNumeric(args[0]!)) return `TRUNC needs a number, not ${show(args[0]!)}`;
    return { type: "DINT", make: ([a]) => (c) => wrapDint(Math.trunc(a!(c))) };
  },
});

for (const from of ELEMENTARY) {
  for (const to of ELEMENTARY) {
    if (from === to) continue;
    const name = `${from}_TO_${to}`;
    const fn = convert(from, to) as (v: unknown) => unknown;
    specs.set(name, {
      signature: `${name}(IN)`,
      resolve: (args) => {
        const bad = arity(name, "1 argument", args, args.length === 1);
        if (bad) return bad;
        if (!assignable(args[0]!, from)) return `${name} needs a ${from} argument, not ${show(args[0]!)}`;
        return { type: to, make: ([a]) => (c) => fn(a!(c)) };
      },
    });
  }
}

/** The standard functions by upper-case name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = specs;
