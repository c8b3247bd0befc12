/**
 * How a burned-in caption looks: the cue's own lines (chosen at phrase boundaries by captions.ts),
 * centred on a translucent plate, with the word being spoken in the accent colour. Drawn on the
 * caption band only (see {@link captionBand}) and blended onto the part's slide.
 */
import type { FontPair } from "./fonts.ts";
import type { VideoSettings } from "./settings.ts";
import { captionBand, esc, wrap, type Layout } from "./slides.ts";
import { typesetMath } from "./typeset.ts";

type Style = VideoSettings["style"];

/** Average glyph width of the caption face, as a share of its size (errs wide, like `wrap`). */
const GLYPH = 0.54;

/** The most characters a caption line holds in `L` (the cue builder's line limit never exceeds it). */
export function captionCharsPerLine(L: Layout): number {
  return Math.floor((L.width - 2 * L.margin - 60) / (L.captionSize * GLYPH));
}

/** Colour of word `k` in an id map: red channel 10·(k+1), so coverage-weighted pixels still name their word. */
export const ID_STEP = 10;
/** Most words an id map can name. */
export const ID_WORDS = Math.floor(255 / ID_STEP) - 1;

/**
 * The SVG of a caption on a transparent band: `lines` centred on a plate, word `highlight`
 * (counted across lines, in reading order; -1 for none) in the accent colour. With `idMap`, no
 * plate and word k drawn in rgb(10·(k+1), 0, 0): the same glyphs, so its pixels say which word
 * each text pixel of the plain caption belongs to (see caption-track.ts).
 */
export function captionSvg(lines: string[], highlight: number, L: Layout, s: Style, fonts: FontPair, idMap = false): string {
  const { width: W, margin: M } = L;
  const band = captionBand(L);
  const regular = `font-family="${esc(fonts.regular.family)}"`;
  const maxWidth = W - 2 * M - 60;
  // A line the builder made for a wider layout is wrapped again rather than cut.
  const drawn = lines.flatMap((l) => (l.length * L.captionSize * GLYPH > maxWidth ? wrap(l, L.captionSize, maxWidth, 9) : [l])).slice(0, Math.max(L.captionLines, 2));
  const lh = Math.round(L.captionSize * 1.25);
  const plateH = drawn.length * lh + Math.round(L.captionSize * 0.9);
  const top = Math.round(L.captionCentre - plateH / 2);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${band.height}" viewBox="0 ${band.top} ${W} ${band.height}">`];
  if (!idMap) parts.push(`<rect x="${M - 20}" y="${top}" width="${W - 2 * M + 40}" height="${plateH}" rx="22" fill="${s.captionBackground}" fill-opacity="0.82"/>`);
  let word = 0;
  drawn.forEach((line, i) => {
    const ly = top + Math.round(L.captionSize * 0.45) + lh * (i + 1) - Math.round(lh * 0.22);
    // Typeset word for word (I^2 → I², x → ×), so word k is still the k-th word spoken.
    const spans = typesetMath(line)
      .split(" ")
      .filter(Boolean)
      .map((w) => {
        const k = word++;
        if (idMap) return `<tspan fill="rgb(${Math.min(255, ID_STEP * (k + 1))},0,0)">${esc(w)}</tspan>`;
        return k === highlight ? `<tspan fill="${s.accent}">${esc(w)}</tspan>` : esc(w);
      })
      .join(" ");
    parts.push(`<text x="${W / 2}" y="${ly}" text-anchor="middle" ${regular} font-size="${L.captionSize}" fill="#ffffff">${spans}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
