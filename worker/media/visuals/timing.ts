/**
 * Timing diagrams: one lane per signal, BOOL signals as square waves, analog ones as steps or
 * ramps (a timer's ET), a time axis in the unit that reads best, and markers (PT reached, a
 * criterion checked). Signals appear one per build-up step, in the order given.
 */
import type { TimingVisual } from "../../../shared/visual.ts";
import { type Box, type VisualTheme, fitSize, r, text } from "./theme.ts";

/** "500 ms", "2 s", "5 min": the tick label for `ms` on an axis spanning `span`. */
export function formatTick(ms: number, span: number): string {
  if (span >= 180_000) return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${+(ms / 1000).toFixed(1)} s`;
  if (span >= 3_000) return `${+(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

// Tick steps a person counts in: round milliseconds, seconds, then whole minutes and hours.
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000];

/** A tick step from {@link STEPS} giving at most about `count` ticks over `span`. */
export function tickStep(span: number, count = 6): number {
  const raw = span / count;
  return STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 3_600_000) * 3_600_000;
}

/** SVG of the diagram with the first `step + 1` signals shown. */
export function timingSvg(v: TimingVisual, box: Box, step: number, t: VisualTheme): string {
  const shown = Math.min(v.signals.length, step + 1);
  const labelSize = fitSize(v.signals.map((s) => s.name), 170, 30, 16, "mono", t);
  // An analog lane prints its top value between its name and the plot: room for it, clear of the name.
  const valueW = v.signals.some((s) => s.kind === "analog") ? 44 : 0;
  const labelW = Math.max(...v.signals.map((s) => s.name.length)) * labelSize * 0.6 + 30 + valueW;
  const x0 = box.x + labelW;
  const x1 = box.x + box.width - 20;
  const axisH = 56;
  const laneH = Math.min(160, (box.height - axisH - 20) / v.signals.length);
  const y0 = box.y + Math.max(0, (box.height - axisH - 20 - laneH * v.signals.length) / 2);
  const tx = (ms: number) => x0 + ((x1 - x0) * Math.min(ms, v.durationMs)) / v.durationMs;
  const out: string[] = [];
  const bottom = y0 + 10 + laneH * v.signals.length;
  // Time axis and grid: as many ticks as their labels fit side by side (a thumbnail's box is small).
  const widest = Math.max(...[0, v.durationMs / 2, v.durationMs].map((ms) => formatTick(ms, v.durationMs).length));
  const fitting = Math.max(2, Math.floor((x1 - x0) / (widest * 24 * 0.58 + 24)));
  const stepMs = tickStep(v.durationMs, Math.min(6, fitting));
  for (let ms = 0; ms <= v.durationMs + 1e-9; ms += stepMs) {
    out.push(`<line x1="${r(tx(ms))}" y1="${r(y0 + 10)}" x2="${r(tx(ms))}" y2="${r(bottom)}" stroke="${t.muted}" stroke-opacity="0.18" stroke-width="2"/>`);
    out.push(text(tx(ms), bottom + 38, formatTick(ms, v.durationMs), 24, t.muted, t.sans, 'text-anchor="middle"'));
  }
  out.push(`<line x1="${r(x0)}" y1="${r(bottom)}" x2="${r(x1)}" y2="${r(bottom)}" stroke="${t.muted}" stroke-width="3"/>`);
  v.signals.slice(0, shown).forEach((s, i) => {
    const top = y0 + 10 + i * laneH + laneH * 0.18;
    const low = y0 + 10 + (i + 1) * laneH - laneH * 0.18;
    out.push(text(box.x + 10, (top + low) / 2 + labelSize * 0.35, s.name, labelSize, t.text, t.mono));
    const values = s.points.map(([, val]) => val);
    const lo = s.kind === "bool" ? 0 : Math.min(0, ...values);
    const hi = s.kind === "bool" ? 1 : Math.max(...values, lo + 1e-9);
    const vy = (val: number) => low - ((low - top) * (val - lo)) / (hi - lo);
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    let d = `M${r(tx(0))},${r(vy(pts[0]![0] > 0 ? lo : pts[0]![1]))}`;
    let prev = pts[0]![0] > 0 ? lo : pts[0]![1];
    for (const [ms, val] of pts) {
      if (s.ramp) d += ` L${r(tx(ms))},${r(vy(val))}`;
      else d += ` L${r(tx(ms))},${r(vy(prev))} L${r(tx(ms))},${r(vy(val))}`;
      prev = val;
    }
    d += ` L${r(tx(v.durationMs))},${r(vy(prev))}`;
    const colour = i === shown - 1 ? t.accent : t.live;
    if (s.kind === "bool") out.push(`<path d="${d} L${r(tx(v.durationMs))},${r(low)} L${r(tx(0))},${r(low)} Z" fill="${colour}" fill-opacity="0.14"/>`);
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="5" stroke-linejoin="round"/>`);
    if (s.kind === "analog") out.push(text(x0 - 8, top + 18, `${+hi.toFixed(2)}`, 18, t.muted, t.sans, 'text-anchor="end"'));
  });
  // Marker labels never overlap: a label that would collide goes one row down (two rows at
  // most); one that fits nowhere is left out, its dashed line still drawn.
  const rows: [number, number][][] = [[], []];
  for (const m of [...v.markers].sort((a, b) => a.t - b.t)) {
    out.push(`<line x1="${r(tx(m.t))}" y1="${r(y0)}" x2="${r(tx(m.t))}" y2="${r(bottom)}" stroke="${t.accent}" stroke-width="3" stroke-dasharray="10 8"/>`);
    // Near the right edge the label goes left of its line, so it stays inside the box.
    const right = tx(m.t) > x0 + (x1 - x0) * 0.7;
    const w = m.label.length * 22 * 0.6;
    const span: [number, number] = right ? [tx(m.t) - 8 - w, tx(m.t) - 8] : [tx(m.t) + 8, tx(m.t) + 8 + w];
    const row = rows.findIndex((taken) => taken.every(([a, b]) => span[1] + 12 < a || span[0] - 12 > b));
    if (row < 0) continue;
    rows[row]!.push(span);
    out.push(text(span[right ? 1 : 0], y0 + 24 + row * 28, m.label, 22, t.accent, t.sansBold, `font-weight="700"${right ? ' text-anchor="end"' : ""}`));
  }
  return out.join("");
}

/** Build-up steps: one per signal. */
export function timingSteps(v: TimingVisual): number {
  return v.signals.length;
}
