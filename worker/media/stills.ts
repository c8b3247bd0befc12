/**
 * Draws a video's slide stills: each part's slide (and each build-up step of its diagram) once,
 * however many stills show it. Burned-in captions are not drawn here: they are a stream of their
 * own (caption-track.ts), so a slide is a full frame only when it changes.
 */
import { join } from "node:path";
import type { FontPair } from "./fonts.ts";
import type { VideoSettings } from "./settings.ts";
import { baseSvg, logoAt, rasterize, writePam, type Layout, type SlideContent } from "./slides.ts";

/** One picture on screen, from `start` to `end` seconds: a part's slide and maybe a caption. */
export interface Still {
  /** Index of the narration clip (part) whose slide it shows. */
  clip: number;
  caption: string | null;
  /** The caption's lines (captions.ts chose them); absent: `caption` is wrapped as one text. */
  lines?: string[];
  /** Which of the caption's words is being spoken (reading order), -1 or absent for none. */
  highlight?: number;
  /** The build-up step of the part's diagram on this still (absent: 0). */
  step?: number;
  start: number;
  end: number;
}

/** At most this many stills are written at once. */
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
  /** Keep slide content clear of the caption band (default: when some still has a caption). */
  withCaption?: boolean;
}

/** Writes every still as PAM into `dir`; returns the file names in still order. */
export async function drawStills(o: DrawStillsInput): Promise<string[]> {
  const withCaption = o.withCaption ?? o.stills.some((s) => s.caption !== null);
  const logo = logoAt(o.logo, o.layout.logoSize, o.fonts);
  // One full frame per part and diagram step on screen, drawn once however many stills show it.
  const keys = [...new Set(o.stills.map((st) => `${st.clip}:${st.step ?? 0}`))];
  const drawn = await Promise.all(
    keys.map((k) => {
      const [clip, step] = k.split(":").map(Number) as [number, number];
      const part = o.parts[clip];
      if (!part) throw new Error(`a still refers to part ${clip}, which has no slide`);
      return rasterize(baseSvg({ ...part, visualStep: step }, o.layout, o.style, o.fonts, logo, withCaption), o.fonts);
    }),
  );
  const bases = new Map(keys.map((k, i) => [k, drawn[i]!]));
  const names = o.stills.map((_, i) => `${o.prefix}-${String(i).padStart(4, "0")}.pam`);
  let next = 0;
  const worker = async () => {
    while (next < o.stills.length) {
      o.signal.throwIfAborted();
      const i = next++;
      const still = o.stills[i]!;
      const base = bases.get(`${still.clip}:${still.step ?? 0}`);
      if (!base) throw new Error(`still ${i} refers to part ${still.clip}, which has no slide`);
      await writePam(join(o.dir, names[i]!), base);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, o.stills.length) }, worker));
  return names;
}
