/** Evaluating and printing the criteria's conditions (JSON trees over tag names). */
import type { Condition } from "../../../shared/sim.ts";
import type { TagValue } from "../plants/types.ts";

/** True when the condition holds for these tag values. A missing tag reads as FALSE / 0. */
export function holds(c: Condition, values: Record<string, TagValue | undefined>): boolean {
  if ("not" in c) return !holds(c.not, values);
  if ("all" in c) return c.all.every((x) => holds(x, values));
  if ("any" in c) return c.any.some((x) => holds(x, values));
  const v = values[c.tag];
  const n = typeof v === "boolean" ? Number(v) : (v ?? 0);
  if ("above" in c) return n > c.above;
  if ("below" in c) return n < c.below;
  if ("equals" in c) return typeof c.equals === "boolean" ? Boolean(v) === c.equals : Math.abs(n - c.equals) < 1e-9;
  return v === true || (typeof v === "number" && v !== 0);
}

/** The condition in words close to ST: `Start AND NOT Emergency stop`, `Level meter > 8`. */
export function describe(c: Condition): string {
  if ("not" in c) return `NOT ${wrap(c.not)}`;
  if ("all" in c) return c.all.map(wrap).join(" AND ");
  if ("any" in c) return c.any.map(wrap).join(" OR ");
  if ("above" in c) return `${c.tag} > ${c.above}`;
  if ("below" in c) return `${c.tag} < ${c.below}`;
  if ("equals" in c) return `${c.tag} = ${typeof c.equals === "boolean" ? (c.equals ? "TRUE" : "FALSE") : c.equals}`;
  return c.tag;
}

function wrap(c: Condition): string {
  const s = describe(c);
  return ("all" in c && c.all.length > 1) || ("any" in c && c.any.length > 1) ? `(${s})` : s;
}
