/**
 * Draws a video's stills: each part's slide once, each caption as a small transparent band,
 * blended onto a copy of its slide in memory. A one-minute lesson has ~25 captions but only ~5
 * slides, so this draws ~5 full frames instead of ~25 and keeps rendering well under the encode.
 */
import { join } from "node:path";
import type { FontPair } from "./fonts.ts";
import type { Still } from "./render.ts";
import type { VideoSettings } from "./settings.ts";
import { baseSvg, captionBand, captionSvg, logoAt, overlayBand, rasterize, writePam, type Layout, type Rgba, type SlideContent } from "./slides.ts";

/** At most this many full frames (8 MB each at 1080p) are in flight at once. */
const IN_FLIGHT = 4;

export interface DrawStillsInput {
  dir: string;
  /** File name prefix ("lesson", "short"). */
  prefix: string;
  /** The slide of each part (clip), by clip index. */
  parts: SlideContent[];
  stills: Still[];
  layout: Layout;
  style: VideoSettings["style"];
  fonts: FontPair;
  logo: string;
  signal: AbortSignal;
}

/** Writes every still as PAM into `dir`; returns the file names in still order. */
export async function drawStills(o: DrawStillsInput): Promise<string[]> {
  const withCaption = o.stills.some((s) => s.caption !== null);
  const logo = logoAt(o.logo, o.layout.logoSize, o.fonts);
  const bases: Rgba[] = await Promise.all(
    o.parts.map((p) => rasterize(baseSvg(p, o.layout, o.style, o.fonts, logo, withCaption), o.fonts)),
  );
  const band = captionBand(o.layout);
  const names = o.stills.map((_, i) => `${o.prefix}-${String(i).padStart(4, "0")}.pam`);
  let next = 0;
  const worker = async () => {
    while (next < o.stills.length) {
      o.signal.throwIfAborted();
      const i = next++;
      const still = o.stills[i]!;
      const base = bases[still.clip];
      if (!base) throw new Error(`still ${i} refers to part ${still.clip}, which has no slide`);
      const img = still.caption ? overlayBand(base, await rasterize(captionSvg(still.caption, o.layout, o.style, o.fonts), o.fonts), band.top) : base;
      await writePam(join(o.dir, names[i]!), img);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, o.stills.length) }, worker));
  return names;
}
