/**
 * Draws a section's structured {@link Visual} into a box of a slide, at a build-up step: the
 * lesson reveals a diagram part by part as the narration reaches it, and a new frame is made only
 * when the step changes.
 */
import type { Visual } from "../../../shared/visual.ts";
import { flowSteps, flowSvg } from "./flow.ts";
import { formulaSteps, formulaSvg } from "./formula.ts";
import { ladderSteps, ladderSvg } from "./ladder.ts";
import { stSteps, stSvg } from "./st-code.ts";
import { tableSteps, tableSvg } from "./table.ts";
import type { Box, VisualTheme } from "./theme.ts";
import { timingSteps, timingSvg } from "./timing.ts";

export type { Box, VisualTheme } from "./theme.ts";

/** How many build-up steps a visual has (at least one). */
export function visualSteps(v: Visual): number {
  switch (v.kind) {
    case "ladder": return ladderSteps(v);
    case "st": return stSteps(v);
    case "timing": return timingSteps(v);
    case "formula": return formulaSteps(v);
    case "flow": return flowSteps(v);
    case "table": return tableSteps(v);
  }
}

/** SVG elements (no <svg> wrapper) of `v` drawn into `box` at build-up `step` (0-based, clamped). */
export function visualSvg(v: Visual, box: Box, step: number, theme: VisualTheme): string {
  const s = Math.max(0, Math.min(step, visualSteps(v) - 1));
  switch (v.kind) {
    case "ladder": return ladderSvg(v, box, s, theme);
    case "st": return stSvg(v, box, s, theme);
    case "timing": return timingSvg(v, box, s, theme);
    case "formula": return formulaSvg(v, box, s, theme);
    case "flow": return flowSvg(v, box, s, theme);
    case "table": return tableSvg(v, box, s, theme);
  }
}
