/**
 * What every diagram renderer shares: the box it draws into, the colours and font families of
 * the lesson's style, and text measuring. resvg neither wraps nor measures text, so widths are
 * estimated from average glyph widths of the shipped faces (Inter, JetBrains Mono) and text is
 * sized to fit its box, never cut.
 */

/** The rectangle a diagram is drawn into, in slide pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Colours and font families a diagram is drawn with (from video.style). */
export interface VisualTheme {
  text: string;
  muted: string;
  accent: string;
  /** Panel behind a diagram: a shade lighter than the slide. */
  panel: string;
  /** Colour of energised ladder paths and TRUE levels. */
  live: string;
  sans: string;
  sansBold: string;
  mono: string;
  /** Width of text at a size in a face; from the font files when given, else an estimate. */
  measure?: Measure;
}

/** Measures text in one of the three faces. */
export type Measure = (text: string, size: number, face: Face) => number;
export type Face = "sans" | "bold" | "mono";

/** XML-escapes text for SVG. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

// Average advance of a glyph as a share of the font size (measured on the shipped faces).
const SANS = 0.55;
const SANS_BOLD = 0.6;
const MONO = 0.6;

/** Width of `text` at `size` pixels: measured with the theme's fonts when it has them. */
export function textWidth(text: string, size: number, face: Face = "sans", theme?: Pick<VisualTheme, "measure">): number {
  if (theme?.measure) return theme.measure(text, size, face);
  const k = face === "mono" ? MONO : face === "bold" ? SANS_BOLD : SANS;
  let w = 0;
  for (const ch of text) w += face === "mono" ? 1 : /[ .,:;'|!il()[\]]/.test(ch) ? 0.55 : /[MWmw]/.test(ch) ? 1.45 : /[A-Z0-9#%]/.test(ch) ? 1.15 : 1;
  return w * size * k;
}

/** The largest size ≤ `max` (and ≥ `min`) at which every text fits `width`. */
export function fitSize(texts: readonly string[], width: number, max: number, min: number, face: Face = "sans", theme?: Pick<VisualTheme, "measure">): number {
  let size = max;
  for (const t of texts) {
    const w = textWidth(t, max, face, theme);
    if (w > width) size = Math.min(size, (max * width) / w);
  }
  return Math.max(min, Math.floor(size));
}

/** A `<text>` element. */
export function text(x: number, y: number, s: string, size: number, fill: string, family: string, extra = ""): string {
  return `<text x="${r(x)}" y="${r(y)}" font-family="${esc(family)}" font-size="${r(size)}" fill="${fill}"${extra ? ` ${extra}` : ""}>${esc(s)}</text>`;
}

/** Rounds a coordinate to one decimal, to keep SVG small and stable. */
export function r(n: number): number {
  return Math.round(n * 10) / 10;
}
