/**
 * The burned-in caption track, with the spoken word highlighted, at little more than the cost of
 * plain captions.
 *
 * A highlight changes every word (~3 times a second); redrawing and re-sending whole 1080p frames
 * that often cost ~25 ms each in resvg and ~25 ms in ffmpeg. Instead the picture is two streams:
 * the slides (full frames, only when a slide changes) and the caption band (only the band's rows,
 * one small frame per word). ffmpeg stacks [slide rows above | band | slide rows below] with
 * `vstack`, which emits a frame whenever either stream changes, so the encoder still sees one
 * frame per change and nothing else.
 *
 * Each cue is drawn by resvg twice per slide (the plain caption, and an id map that says which word
 * each text pixel belongs to); a word's highlight is then a recolour of its own pixels in memory.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { captionSvg, ID_STEP, ID_WORDS } from "./caption-art.ts";
import type { FontPair } from "./fonts.ts";
import type { VideoSettings } from "./settings.ts";
import { captionBand, rasterize, writePam, type Layout } from "./slides.ts";
import type { Still } from "./stills.ts";

/** Rows of the picture the caption stream replaces: even, as yuv420p crops need. */
export function trackRows(L: Layout): { top: number; height: number } {
  const band = captionBand(L);
  const top = Math.max(0, Math.floor(band.top / 2) * 2);
  const bottom = Math.min(L.height, Math.ceil((band.top + band.height) / 2) * 2);
  return { top, height: bottom - top };
}

/** The ffmpeg graph: input 0 the slides, input 1 the caption band; output `[v]`, yuv420p. */
export function stackGraph(L: Layout): string {
  const { top, height } = trackRows(L);
  const below = L.height - top - height;
  const parts = [`[0:v]format=yuv420p,split=${below > 0 ? 2 : 1}${below > 0 ? "[s0][s1]" : "[s0]"}`, `[s0]crop=${L.width}:${top}:0:0[top]`, `[1:v]format=yuv420p[band]`];
  if (below > 0) parts.push(`[s1]crop=${L.width}:${below}:0:${top + height}[bottom]`);
  parts.push(`[top][band]${below > 0 ? "[bottom]" : ""}vstack=inputs=${below > 0 ? 3 : 2}[v]`);
  return parts.join(";");
}

/** One stretch of time with the same slide and the same caption state. */
export interface TrackSegment {
  start: number;
  end: number;
  /** Index into the slide stills. */
  slide: number;
  /** Index into the caption stills, or -1 for no caption. */
  caption: number;
}

/**
 * Where the slide or the caption changes: the union of both timelines, each stretch naming the
 * slide and caption state on screen. Both timelines must cover the same span.
 */
export function mergeTimelines(slides: Pick<Still, "start" | "end">[], captions: Pick<Still, "start" | "end">[]): TrackSegment[] {
  const out: TrackSegment[] = [];
  let i = 0;
  let j = 0;
  let t = Math.min(slides[0]?.start ?? 0, captions[0]?.start ?? 0);
  const end = Math.max(slides.at(-1)?.end ?? 0, captions.at(-1)?.end ?? 0);
  while (t < end - 1e-9) {
    while (i < slides.length - 1 && slides[i]!.end <= t + 1e-9) i++;
    while (j < captions.length && captions[j]!.end <= t + 1e-9) j++;
    const c = captions[j] && captions[j]!.start <= t + 1e-9 ? j : -1;
    const next = Math.min(slides[i]?.end ?? end, c >= 0 ? captions[c]!.end : (captions[j]?.start ?? end), end);
    if (next <= t + 1e-9) break;
    out.push({ start: t, end: next, slide: i, caption: c });
    t = next;
  }
  return out;
}

/** Reads rows [top, top+height) of an RGBA PAM file written by {@link writePam}. */
async function readPamRows(path: string, top: number, height: number): Promise<{ width: number; pixels: Buffer }> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(256);
    await fh.read(head, 0, 256, 0);
    const text = head.toString("latin1");
    const endHdr = text.indexOf("ENDHDR\n");
    const width = Number(/WIDTH (\d+)/.exec(text)?.[1]);
    const depth = Number(/DEPTH (\d+)/.exec(text)?.[1]);
    if (endHdr < 0 || !width || depth !== 4) throw new Error(`${path} is not an RGBA PAM`);
    const pixels = Buffer.alloc(width * height * 4);
    await fh.read(pixels, 0, pixels.length, endHdr + 7 + top * width * 4);
    return { width, pixels };
  } finally {
    await fh.close();
  }
}

/** A cue drawn over one slide's rows: the plain band, and each word's text pixels with their coverage. */
interface DrawnCue {
  plain: Buffer;
  /** Per word: pairs of (byte offset, coverage 0..255). */
  words: Int32Array[];
}

/** Blends premultiplied `over` onto opaque `under` at row `rowOffset` (same width). */
function blendInto(under: Buffer, over: Buffer, rowOffset: number, width: number): void {
  const start = rowOffset * width * 4;
  const n = Math.min(over.length, under.length - start);
  for (let i = 0; i < n; i += 4) {
    const a = over[i + 3]!;
    if (a === 0) continue;
    const k = 255 - a;
    const u = start + i;
    under[u] = (over[i]! + (under[u]! * k + 127) / 255) | 0;
    under[u + 1] = (over[i + 1]! + (under[u + 1]! * k + 127) / 255) | 0;
    under[u + 2] = (over[i + 2]! + (under[u + 2]! * k + 127) / 255) | 0;
    under[u + 3] = 255;
  }
}

export interface CaptionTrackInput {
  dir: string;
  prefix: string;
  /** The slide stills' files (in `dir`) and timeline. */
  slideFiles: string[];
  slides: Still[];
  /** The caption states (see buildStills with burn = true). */
  captions: Still[];
  layout: Layout;
  style: VideoSettings["style"];
  fonts: FontPair;
  signal: AbortSignal;
}

/** Draws the caption band stream; returns its files (in `dir`) and their timeline. */
export async function drawCaptionTrack(o: CaptionTrackInput): Promise<{ files: string[]; segments: TrackSegment[] }> {
  const L = o.layout;
  const rows = trackRows(L);
  const band = captionBand(L);
  const offset = band.top - rows.top;
  const accent = [1, 3, 5].map((i) => parseInt(o.style.accent.slice(i, i + 2), 16));
  const segments = mergeTimelines(o.slides, o.captions);
  const slideRows = new Map<number, Promise<Buffer>>();
  const rowsOf = (slide: number) => {
    let p = slideRows.get(slide);
    if (!p) {
      p = readPamRows(join(o.dir, o.slideFiles[slide]!), rows.top, rows.height).then((r) => r.pixels);
      slideRows.set(slide, p);
    }
    return p;
  };
  const drawn = new Map<string, Promise<DrawnCue>>();
  const cueOn = (slide: number, still: Still): Promise<DrawnCue> => {
    const lines = still.lines ?? [still.caption ?? ""];
    const key = `${slide}\u0000${lines.join("\n")}`;
    let p = drawn.get(key);
    if (!p) {
      p = (async () => {
        const [under, plain, ids] = await Promise.all([
          rowsOf(slide),
          rasterize(captionSvg(lines, -1, L, o.style, o.fonts), o.fonts),
          rasterize(captionSvg(lines, -1, L, o.style, o.fonts, true), o.fonts),
        ]);
        const out = Buffer.from(under);
        blendInto(out, plain.pixels, offset, L.width);
        const count = lines.join(" ").split(" ").filter(Boolean).length;
        const lists: number[][] = Array.from({ length: Math.min(count, ID_WORDS) }, () => []);
        const px = ids.pixels;
        for (let i = 0; i < px.length; i += 4) {
          const a = px[i + 3]!;
          if (a < 8) continue;
          const k = Math.round((px[i]! * 255) / a / ID_STEP) - 1;
          if (k >= 0 && k < lists.length) lists[k]!.push(offset * L.width * 4 + i, a);
        }
        return { plain: out, words: lists.map((l) => Int32Array.from(l)) };
      })();
      drawn.set(key, p);
    }
    return p;
  };
  // Two stretches look the same when slide, caption text, highlighted word and part all match.
  const same = (a: TrackSegment, b: TrackSegment) => {
    if (a.slide !== b.slide) return false;
    const ca = a.caption >= 0 ? o.captions[a.caption]! : null;
    const cb = b.caption >= 0 ? o.captions[b.caption]! : null;
    return ca?.caption === cb?.caption && (ca?.highlight ?? -1) === (cb?.highlight ?? -1) && ca?.clip === cb?.clip;
  };
  const files: string[] = [];
  const merged: TrackSegment[] = [];
  for (const seg of segments) {
    o.signal.throwIfAborted();
    const last = merged.at(-1);
    if (last && same(last, seg)) {
      last.end = seg.end;
      continue;
    }
    merged.push({ ...seg });
    const still = seg.caption >= 0 ? o.captions[seg.caption]! : null;
    let pixels: Buffer;
    if (!still?.caption) {
      pixels = await rowsOf(seg.slide);
    } else {
      const cue = await cueOn(seg.slide, still);
      pixels = Buffer.from(cue.plain);
      const word = cue.words[still.highlight ?? -1];
      if (word) {
        // Text pixel = white·a + under·(1−a); with the accent instead of white it is that minus (255 − accent)·a.
        for (let k = 0; k < word.length; k += 2) {
          const at = word[k]!;
          const a = word[k + 1]!;
          for (let c = 0; c < 3; c++) pixels[at + c] = Math.max(0, pixels[at + c]! - (((255 - accent[c]!) * a + 127) / 255) | 0);
        }
      }
    }
    const name = `${o.prefix}-band-${String(files.length).padStart(4, "0")}.pam`;
    await writePam(join(o.dir, name), { width: L.width, height: rows.height, pixels });
    files.push(name);
  }
  return { files, segments: merged };
}
