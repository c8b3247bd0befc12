/**
 * A section slide that shows its structured diagram: the heading on top, the bullets in a narrow
 * column (landscape) or under it (portrait), and the diagram in the rest of the slide, built up
 * step by step as the narration reaches each part. Pure string building over the renderers in
 * visuals/; resvg draws the result like any other slide.
 */
import { join } from "node:path";
import type { Visual } from "../../shared/visual.ts";
import { ASSETS_DIR, fontFamilyOf, type FontPair } from "./fonts.ts";
import type { VideoSettings } from "./settings.ts";
import { type Box, type VisualTheme, visualSteps, visualSvg } from "./visuals/index.ts";
import { type FontMetrics, measureWith, readMetrics } from "./visuals/metrics.ts";

type Style = VideoSettings["style"];

/** The monospace face code is drawn with (shipped: JetBrains Mono, OFL). */
export const MONO_FONT_FILE = join(ASSETS_DIR, "fonts", "JetBrainsMono-Regular.ttf");

const metricsCache = new Map<string, FontMetrics>();
function metricsOf(file: string): FontMetrics {
  let m = metricsCache.get(file);
  if (!m) metricsCache.set(file, (m = readMetrics(file)));
  return m;
}

/** Lightens (amount > 0) or darkens a #rrggbb colour towards white or black. */
export function shade(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(amount >= 0 ? c + (255 - c) * amount : c * (1 + amount));
  const rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(mix);
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** The diagram theme of a lesson style: its colours, its fonts, and text measured with them. */
export function visualTheme(style: Style, fonts: FontPair): VisualTheme {
  const faces = { sans: metricsOf(fonts.regular.file), bold: metricsOf(fonts.bold.file), mono: metricsOf(MONO_FONT_FILE) };
  return {
    text: style.text,
    muted: style.muted,
    accent: style.accent,
    panel: shade(style.backgroundTo, 0.08),
    live: "#22c55e",
    sans: fonts.regular.family,
    sansBold: fonts.bold.family,
    mono: fontFamilyOf(MONO_FONT_FILE),
    measure: (text, size, face) => measureWith(faces[face], text, size),
  };
}

/**
 * Where the diagram goes on a slide of `width`×`height`: below the heading block (`top`), above
 * the caption band (`bottom`), beside a bullet column when there are bullets and room.
 */
export function visualBox(o: { width: number; height: number; margin: number; top: number; bottom: number; bullets: number; portrait: boolean }): { visual: Box; bullets: Box | null } {
  const { width: W, margin: M, top, bottom } = o;
  const h = bottom - top;
  if (o.portrait || o.bullets === 0) return { visual: { x: M, y: top, width: W - 2 * M, height: h }, bullets: null };
  const colW = Math.round((W - 2 * M) * 0.36);
  return {
    bullets: { x: M, y: top, width: colW, height: h },
    visual: { x: M + colW + 60, y: top, width: W - 2 * M - colW - 60, height: h },
  };
}

/**
 * When each build-up step starts, in seconds from the start of the part: step k at the word
 * k/n of the way through the narration (word times from the voice), so the picture moves as
 * the words that explain it are said.
 */
export function stepStarts(visual: Visual, wordStarts: readonly number[], durationSec: number): number[] {
  const n = visualSteps(visual);
  if (n <= 1) return [0];
  return Array.from({ length: n }, (_, k) => {
    if (k === 0) return 0;
    if (wordStarts.length === 0) return (durationSec * k) / n;
    return wordStarts[Math.min(wordStarts.length - 1, Math.floor((wordStarts.length * k) / n))]!;
  });
}

/** The diagram's SVG elements for one build-up step, ready to go into a slide. */
export function slideVisual(visual: Visual, box: Box, step: number, theme: VisualTheme): string {
  return `<g>${visualSvg(visual, box, step, theme)}</g>`;
}
