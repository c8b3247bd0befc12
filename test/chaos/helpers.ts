/**
 * The short chaos run inside `npm test`: the same parts as `npm run chaos` (chaos/parts/*.ts)
 * with the "short" sizes (chaos/profiles.ts). A test passes when every count of its part is
 * right; the failure message lists the wrong counts with examples.
 */
import { countOk, type PartResult } from "../../chaos/counts.ts";

process.env.CHAOS_QUIET = "1";

/** The wrong counts of a part, one line each (empty when the part is right). */
export function wrongCounts(r: PartResult): string[] {
  const out = r.counts
    .filter((c) => !countOk(c))
    .map((c) => `${c.name}: ${c.observed}, must be ${c.bound === "atMost" ? "≤ " : c.bound === "atLeast" ? "≥ " : ""}${c.expected}${c.defect ? ` (${c.defect})` : ""}${c.examples?.length ? `; e.g. ${c.examples.slice(0, 2).join(" | ")}` : ""}`);
  if (r.aborted) out.push(`stopped early: ${r.aborted}`);
  return out;
}
