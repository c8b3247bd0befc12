/**
 * Regenerates docs/images/contact-sheet.png: one lesson slide of each diagram kind (from the
 * starter KB's own atoms, drawn by the same code the render uses, at its last build-up step), a
 * Short's slide, and three thumbnails, so a change to the look can be judged at a glance.
 *
 *   npm run contact-sheet
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { VideoScript } from "../shared/models.ts";
import type { VisualKind } from "../shared/visual.ts";
import { writeOffline } from "../worker/agents/offline.ts";
import { loadKnowledgeBase } from "../worker/kb/load.ts";
import { loadFonts } from "../worker/media/fonts.ts";
import { lessonThumbnailSvg, partContent } from "../worker/media/render.ts";
import { mediaSettings } from "../worker/media/settings.ts";
import { LANDSCAPE, PORTRAIT, baseSvg, esc, logoHref, svgToPng } from "../worker/media/slides.ts";
import { visualSteps } from "../worker/media/visuals/index.ts";

const OUT = join(import.meta.dirname, "..", "docs", "images", "contact-sheet.png");
const { video } = mediaSettings({});
const fonts = loadFonts(video.style);
const logo = logoHref(video.style);
const render = (svg: string) => svgToPng(svg, fonts);

const { kb } = await loadKnowledgeBase(".");
if (!kb) throw new Error("the starter KB does not load: run `npx factory kb validate`");
const scripts: VideoScript[] = kb.atoms.map((atom) => writeOffline({ atom, prerequisites: [], courses: [] }, "contact-sheet"));

// One section per diagram kind, at its last build-up step.
const kinds: VisualKind[] = ["ladder", "st", "timing", "formula", "flow", "table"];
const tiles: { label: string; png: Buffer; w: number; h: number }[] = [];
for (const kind of kinds) {
  const script = scripts.find((s) => s.sections.some((x) => x.visual?.kind === kind));
  if (!script) continue;
  const i = script.sections.findIndex((x) => x.visual?.kind === kind);
  const clip = { part: `section-${i}`, path: "", durationSec: 1, text: "" };
  const content = { ...partContent(script, clip, (i + 1) / (script.sections.length + 2)), visualStep: visualSteps(script.sections[i]!.visual!) - 1 };
  tiles.push({ label: `${kind}: ${script.atomId}`, png: render(baseSvg(content, LANDSCAPE, video.style, fonts, logo, true)), w: 1920, h: 1080 });
}
// A Short's slide: the diagram of its one idea.
const withShort = scripts.find((s) => s.short?.visual?.kind === "ladder") ?? scripts.find((s) => s.short?.visual);
if (withShort) {
  const clip = { part: "short-body", path: "", durationSec: 1, text: "" };
  const content = { ...partContent(withShort, clip, 0.6), visualStep: visualSteps(withShort.short!.visual!) - 1 };
  tiles.push({ label: `Short: ${withShort.atomId}`, png: render(baseSvg(content, PORTRAIT, video.style, fonts, logo, true)), w: 1080, h: 1920 });
}
// Three thumbnails.
for (const id of ["seal-in-circuit", "ohms-law", "ton-timer"]) {
  const script = scripts.find((s) => s.atomId === id);
  if (!script) continue;
  tiles.push({ label: `thumbnail: ${id}`, png: render(lessonThumbnailSvg(script, video.style, fonts, logo)), w: 1280, h: 720 });
}

// The sheet: landscape tiles 640 wide in rows of three, the Short and thumbnails below.
const pad = 24;
const cell = (t: (typeof tiles)[number]) => (t.h > t.w ? { w: 270, h: 480 } : { w: 640, h: Math.round((640 * t.h) / t.w) });
const placed: { x: number; y: number; w: number; h: number; t: (typeof tiles)[number] }[] = [];
let x = pad;
let y = pad;
let rowH = 0;
for (const t of tiles) {
  const c = cell(t);
  if (x + c.w > 3 * 640 + 4 * pad) {
    x = pad;
    y += rowH + 40 + pad;
    rowH = 0;
  }
  placed.push({ x, y, ...c, t });
  x += c.w + pad;
  rowH = Math.max(rowH, c.h);
}
const W = 3 * 640 + 4 * pad;
const H = y + rowH + 40 + pad;
const sheet = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="#0b1020"/>`,
  ...placed.map(
    (p) =>
      `<image href="data:image/png;base64,${p.t.png.toString("base64")}" x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}"/>` +
      `<text x="${p.x}" y="${p.y + p.h + 28}" font-family="${esc(fonts.regular.family)}" font-size="20" fill="#cbd5e1">${esc(p.t.label)}</text>`,
  ),
  "</svg>",
].join("");
writeFileSync(OUT, render(sheet));
console.log(`wrote ${OUT} (${tiles.length} pictures)`);
