/**
 * Slide design: SVG built from a script part and a caption, drawn by resvg (a Rust renderer that
 * installs from npm with prebuilt binaries) using the font files in {@link FontPair}, never system
 * fonts. Three layouts: the 16:9 lesson, the 9:16 Short and the 1280×720 thumbnail.
 *
 * Video stills are written as uncompressed PAM: ffmpeg reads them as fast as PNG decodes would be
 * slow, and PNG compression would cost more than the whole encode of a still.
 */
import { readFileSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { Resvg, renderAsync } from "@resvg/resvg-js";
import type { FontPair } from "./fonts.ts";
import type { VideoSettings } from "./settings.ts";
import type { Visual } from "../../shared/visual.ts";
import { MONO_FONT_FILE, slideVisual, visualBox, visualTheme } from "./slide-visual.ts";
import { typesetMath } from "./typeset.ts";
import { esc } from "./visuals/theme.ts";

type Style = VideoSettings["style"];

/** What one slide shows. */
export interface SlideContent {
  /** "title" for the hook, "section" for a section, "recap" for the outro. */
  kind: "title" | "section" | "recap";
  /** Small label above the heading ("Lesson", "Part 2 of 4", "Recap"). */
  label: string;
  heading: string;
  bullets: string[];
  /** 0..1: how far through the lesson the end of this part is (drawn as a thin bar). */
  progress: number;
  /** The section's diagram, drawn beside (or, portrait, under) the heading. */
  visual?: Visual;
  /** Its build-up step on this slide (0-based). */
  visualStep?: number;
}

/** Canvas and type sizes of a layout. */
export interface Layout {
  width: number;
  height: number;
  margin: number;
  headingSize: number;
  bulletSize: number;
  captionSize: number;
  /** Top of the heading block. */
  headingTop: number;
  /** Vertical centre of the caption band. */
  captionCentre: number;
  /** Most lines a burned-in caption may take. */
  captionLines: number;
  logoSize: number;
}

export const LANDSCAPE: Layout = {
  width: 1920, height: 1080, margin: 120, headingSize: 80, bulletSize: 48, captionSize: 50,
  headingTop: 250, captionCentre: 940, captionLines: 2, logoSize: 88,
};
// Shorts cover the bottom fifth with their own UI, so the caption sits above it.
export const PORTRAIT: Layout = {
  width: 1080, height: 1920, margin: 80, headingSize: 84, bulletSize: 52, captionSize: 56,
  headingTop: 420, captionCentre: 1430, captionLines: 3, logoSize: 96,
};
export const THUMBNAIL = { width: 1280, height: 720 } as const;

// One XML escape for every SVG of the media code (the diagrams own it); re-exported for the slides' callers.
export { esc };

/**
 * Greedy word wrap by estimated width. resvg does not wrap text, and an estimate (average glyph
 * width of a sans face) errs on the safe side; a too-long last line ends in an ellipsis.
 */
export function wrap(text: string, fontSize: number, maxWidth: number, maxLines: number, bold = false): string[] {
  const perChar = fontSize * (bold ? 0.58 : 0.54);
  const maxChars = Math.max(4, Math.floor(maxWidth / perChar));
  const lines: string[] = [];
  let cur = "";
  for (const w of text.replace(/\s+/g, " ").trim().split(" ")) {
    const next = cur ? `${cur} ${w}` : w;
    if (next.length > maxChars && cur) {
      lines.push(cur);
      cur = w;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1]!.slice(0, maxChars - 1).replace(/\s+\S*$/, "")}…`;
    return kept;
  }
  return lines;
}

/**
 * Lays `text` out in at most `maxLines` lines without cutting it: the size steps down (to
 * `minRatio` of `size` at least) until every word fits; only text that does not fit even then
 * is cut, as a last resort.
 */
function fitLines(text: string, size: number, maxWidth: number, maxLines: number, bold = false, minRatio = 0.6): { size: number; lines: string[] } {
  for (let k = 1; k >= minRatio - 1e-9; k -= 0.08) {
    const sz = Math.round(size * k);
    const lines = wrap(text, sz, maxWidth, 99, bold);
    if (lines.length <= maxLines) return { size: sz, lines };
  }
  const sz = Math.round(size * minRatio);
  return { size: sz, lines: wrap(text, sz, maxWidth, maxLines, bold) };
}

/**
 * The logo as an <image> href: a data URL of the configured file, or "" (no logo) when none is
 * configured: the default look carries no one's brand.
 */
export function logoHref(style: Style): string {
  if (!style.logo) return "";
  const file = style.logo;
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    throw new Error(`Logo ${file} cannot be read. Set video.style.logo to a PNG or SVG file, or remove it to use the bundled mark.`);
  }
  const mime = extname(file).toLowerCase() === ".svg" ? "image/svg+xml" : "image/png";
  return `data:${mime};base64,${data.toString("base64")}`;
}

/**
 * The logo drawn once at `size` pixels as a PNG data URL: a nested SVG logo re-parsed and scaled in
 * every slide cost a third of the slide's drawing time.
 */
export function logoAt(href: string, size: number, fonts: FontPair): string {
  if (!href) return "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><image href="${href}" width="${size}" height="${size}"/></svg>`;
  return `data:image/png;base64,${new Resvg(svg, resvgOptions(fonts)).render().asPng().toString("base64")}`;
}

function background(w: number, h: number, s: Style): string {
  return (
    `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="${s.background}"/><stop offset="1" stop-color="${s.backgroundTo}"/></linearGradient></defs>` +
    `<rect width="${w}" height="${h}" fill="url(#bg)"/>`
  );
}

/**
 * The SVG of a part's slide without its caption: drawn once per part. `withCaption` keeps the
 * bullets clear of the caption band.
 */
export function baseSvg(c: SlideContent, L: Layout, s: Style, fonts: FontPair, logo: string, withCaption: boolean): string {
  const { width: W, height: H, margin: M } = L;
  const regular = `font-family="${esc(fonts.regular.family)}"`;
  const bold = `font-family="${esc(fonts.bold.family)}" font-weight="700"`;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`];
  parts.push(background(W, H, s));
  // Header: the owner's logo and channel name, each only when configured.
  if (logo) parts.push(`<image href="${logo}" x="${M}" y="${M * 0.6}" width="${L.logoSize}" height="${L.logoSize}"/>`);
  if (s.brand) {
    parts.push(
      `<text x="${logo ? M + L.logoSize + 24 : M}" y="${M * 0.6 + L.logoSize * 0.62}" ${bold} font-size="${Math.round(L.logoSize * 0.36)}" fill="${s.muted}" letter-spacing="2">${esc(s.brand.toUpperCase())}</text>`,
    );
  }
  // Heading block with its label and accent rule.
  const portrait = H > W;
  const fitted = fitLines(typesetMath(c.heading), c.kind === "title" ? Math.round(L.headingSize * 1.2) : L.headingSize, W - 2 * M, c.kind === "section" && !portrait ? 2 : 4, true);
  const headSize = fitted.size;
  const textWidth = W - 2 * M;
  const headLines = fitted.lines;
  let y = L.headingTop;
  parts.push(`<text x="${M}" y="${y}" ${bold} font-size="${Math.round(L.bulletSize * 0.62)}" fill="${s.accent}" letter-spacing="3">${esc(c.label.toUpperCase())}</text>`);
  y += Math.round(headSize * 1.25);
  for (const line of headLines) {
    parts.push(`<text x="${M}" y="${y}" ${bold} font-size="${headSize}" fill="${s.text}">${esc(line)}</text>`);
    y += Math.round(headSize * 1.18);
  }
  parts.push(`<rect x="${M}" y="${y - Math.round(headSize * 0.55)}" width="120" height="8" rx="4" fill="${s.accent}"/>`);
  y += Math.round(L.bulletSize * 0.9);
  // The owner's intro/outro line, on the title and recap slides.
  if (s.tagline && (c.kind === "title" || c.kind === "recap")) {
    for (const line of wrap(s.tagline, Math.round(L.bulletSize * 0.8), textWidth, 2)) {
      parts.push(`<text x="${M}" y="${y}" ${regular} font-size="${Math.round(L.bulletSize * 0.8)}" fill="${s.muted}">${esc(line)}</text>`);
      y += Math.round(L.bulletSize * 1.05);
    }
    y += Math.round(L.bulletSize * 0.4);
  }
  // Bullets: stop before the caption band.
  const bulletBottom = withCaption ? captionBand(L).top - L.bulletSize * 0.5 : H - M;
  let bulletWidth = textWidth;
  let bullets = c.bullets;
  let bulletSize = L.bulletSize;
  if (c.visual) {
    // The diagram takes the room the bullets would have had: bullets shrink into a column (or go, on a phone).
    const boxes = visualBox({ width: W, height: H, margin: M, top: y - L.bulletSize * 0.6, bottom: bulletBottom, bullets: portrait ? 0 : c.bullets.length, portrait });
    parts.push(slideVisual(c.visual, boxes.visual, c.visualStep ?? 0, visualTheme(s, fonts)));
    if (!boxes.bullets) bullets = [];
    else {
      bulletWidth = boxes.bullets.width;
      bulletSize = Math.round(L.bulletSize * 0.8);
    }
  }
  for (const b of bullets) {
    const lines = wrap(typesetMath(b), bulletSize, bulletWidth - 70, c.visual ? 4 : 3);
    if (y + (lines.length - 1) * bulletSize * 1.25 > bulletBottom) break;
    parts.push(`<circle cx="${M + 14}" cy="${y - bulletSize * 0.34}" r="${Math.round(bulletSize * 0.17)}" fill="${s.accent}"/>`);
    for (const line of lines) {
      parts.push(`<text x="${M + 56}" y="${y}" ${regular} font-size="${bulletSize}" fill="${s.text}">${esc(line)}</text>`);
      y += Math.round(bulletSize * 1.25);
    }
    y += Math.round(bulletSize * 0.5);
  }
  // Progress through the lesson.
  parts.push(`<rect x="0" y="${H - 10}" width="${W}" height="10" fill="${s.text}" fill-opacity="0.08"/>`);
  parts.push(`<rect x="0" y="${H - 10}" width="${Math.round(W * Math.min(1, Math.max(0, c.progress)))}" height="10" fill="${s.accent}"/>`);
  parts.push("</svg>");
  return parts.join("");
}

/** The rows a caption may cover: the tallest plate (all lines) around the caption centre. */
export function captionBand(L: Layout): { top: number; height: number } {
  const lh = Math.round(L.captionSize * 1.25);
  const maxPlate = L.captionLines * lh + Math.round(L.captionSize * 0.9);
  const top = Math.round(L.captionCentre - maxPlate / 2) - 4;
  return { top, height: maxPlate + 8 };
}

/** What makes one lesson's thumbnail its own. */
export interface ThumbnailLesson {
  /** The section headings, drawn as the lesson's outline when there is no key visual. */
  sections?: string[];
  /** An SVG fragment (drawn in a 440×480 box at the origin) showing the lesson's key visual. */
  keyVisual?: string;
  /** Seeds the background pattern (e.g. the atom id), so lessons differ at a glance. */
  seed?: string;
}

/** A small deterministic generator: the same seed always gives the same pattern. */
function seeded(seed: string): () => number {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
  return () => {
    h = Math.imul(h ^ (h >>> 15), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return ((h ^= h >>> 16) >>> 0) / 4294967296;
  };
}

/**
 * The SVG of the 1280×720 thumbnail: the title, big, on the left; on the right the lesson's key
 * visual or, until lessons have one, its outline (numbered section headings); behind them a
 * pattern seeded by the lesson. Brand and logo only when configured.
 */
export function thumbnailSvg(title: string, s: Style, fonts: FontPair, logo: string, lesson: ThumbnailLesson = {}): string {
  const { width: W, height: H } = THUMBNAIL;
  const M = 70;
  const bold = `font-family="${esc(fonts.bold.family)}" font-weight="700"`;
  const regular = `font-family="${esc(fonts.regular.family)}"`;
  const sections = (lesson.sections ?? []).slice(0, 4);
  const panel = lesson.keyVisual || sections.length > 0;
  const titleWidth = panel ? 640 : W - 2 * M;
  const size = title.length <= 24 ? 92 : title.length <= 44 ? 76 : 64;
  const lines = wrap(title, size, titleWidth, 4, true);
  const top = Math.round(H / 2 - (lines.length * size * 1.1) / 2 + size * 0.85);
  const rand = seeded(lesson.seed ?? title);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`, background(W, H, s)];
  // Three soft rings placed by the seed: every lesson gets its own silhouette in the same colours.
  for (let i = 0; i < 3; i++) {
    const r = Math.round(120 + rand() * 260);
    out.push(`<circle cx="${Math.round(rand() * W)}" cy="${Math.round(rand() * H)}" r="${r}" fill="none" stroke="${s.accent}" stroke-opacity="${(0.07 + rand() * 0.08).toFixed(2)}" stroke-width="${Math.round(18 + rand() * 40)}"/>`);
  }
  out.push(`<rect x="0" y="0" width="18" height="${H}" fill="${s.accent}"/>`);
  lines.forEach((l, i) => out.push(`<text x="${M}" y="${top + Math.round(i * size * 1.1)}" ${bold} font-size="${size}" fill="${s.text}">${esc(l)}</text>`));
  if (lesson.keyVisual) {
    out.push(`<g transform="translate(770 120)">${lesson.keyVisual}</g>`);
  } else if (sections.length > 0) {
    const x = 760;
    const w = W - x - 50;
    out.push(`<rect x="${x}" y="90" width="${w}" height="${H - 180}" rx="28" fill="${s.text}" fill-opacity="0.07"/>`);
    out.push(`<text x="${x + 36}" y="150" ${bold} font-size="24" fill="${s.accent}" letter-spacing="3">IN THIS LESSON</text>`);
    let y = 214;
    sections.forEach((h, i) => {
      const hl = wrap(h, 30, w - 120, 2);
      out.push(`<circle cx="${x + 56}" cy="${y - 10}" r="22" fill="${s.accent}"/>`);
      out.push(`<text x="${x + 56}" y="${y}" text-anchor="middle" ${bold} font-size="26" fill="${s.background}">${i + 1}</text>`);
      hl.forEach((l, k) => out.push(`<text x="${x + 96}" y="${y + k * 36}" ${regular} font-size="30" fill="${s.text}">${esc(l)}</text>`));
      y += 36 * hl.length + 40;
    });
  }
  if (logo) out.push(`<image href="${logo}" x="${M}" y="${H - M - 64}" width="64" height="64"/>`);
  if (s.brand) out.push(`<text x="${logo ? M + 84 : M}" y="${H - M - 20}" ${bold} font-size="30" fill="${s.accent}" letter-spacing="3">${esc(s.brand.toUpperCase())}</text>`);
  out.push("</svg>");
  return out.join("");
}

function resvgOptions(fonts: FontPair) {
  return {
    font: {
      // The monospace face is for code in diagrams; it is shipped, never configured away.
      fontFiles: [fonts.regular.file, fonts.bold.file, MONO_FONT_FILE],
      loadSystemFonts: false,
      defaultFontFamily: fonts.regular.family,
    },
  };
}

/** Draws `svg` as PNG, with the slides' fonts (no system fonts). */
export function svgToPng(svg: string, fonts: FontPair): Buffer {
  return new Resvg(svg, resvgOptions(fonts)).render().asPng();
}

/** Draws `svg` to a PNG file. */
export async function writePng(path: string, svg: string, fonts: FontPair): Promise<void> {
  await writeFile(path, svgToPng(svg, fonts));
}

/** An RGBA picture, premultiplied alpha (as resvg draws it). */
export interface Rgba {
  width: number;
  height: number;
  pixels: Buffer;
}

/** Draws `svg` on libuv's thread pool, so several pictures render in parallel. */
export async function rasterize(svg: string, fonts: FontPair): Promise<Rgba> {
  const img = await renderAsync(svg, resvgOptions(fonts));
  return { width: img.width, height: img.height, pixels: img.pixels };
}

/** Writes an uncompressed PAM (RGBA) file for ffmpeg. */
export async function writePam(path: string, img: Rgba): Promise<void> {
  const header = Buffer.from(`P7\nWIDTH ${img.width}\nHEIGHT ${img.height}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n`, "ascii");
  const fh = await open(path, "w");
  try {
    await fh.writev([header, img.pixels]);
  } finally {
    await fh.close();
  }
}
