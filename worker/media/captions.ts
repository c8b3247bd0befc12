/**
 * Captions from the measured narration: each clip's text is cut into short cues (sentence first,
 * then clause, then words) and the clip's real duration is shared among them by length. A part's
 * first cue starts exactly where its clip starts, so captions never drift across sections.
 */
import type { NarrationClip } from "../../shared/models.ts";

/** One caption on screen. Times in seconds from the start of the video. */
export interface Cue {
  start: number;
  end: number;
  text: string;
  /** Index of the narration clip (part) it belongs to. */
  clip: number;
}

/** Cuts `text` into pieces of at most `maxChars`, preferring sentence and clause ends. */
export function splitCueText(text: string, maxChars: number): string[] {
  const clean = text.replace(/\s+/g, " ").trim();
  const sentences = clean.match(/[^.!?]+(?:[.!?]+["')\]]*|$)/g)?.map((s) => s.trim()).filter(Boolean) ?? [clean];
  const out: string[] = [];
  for (const s of sentences) {
    if (s.length <= maxChars) {
      out.push(s);
      continue;
    }
    // Greedy over words, but break after a clause mark when the line is already half full.
    let cur = "";
    for (const w of s.split(" ")) {
      const next = cur ? `${cur} ${w}` : w;
      if (next.length > maxChars && cur) {
        out.push(cur);
        cur = w;
      } else {
        cur = next;
        if (/[,;:]$/.test(w) && cur.length >= maxChars / 2) {
          out.push(cur);
          cur = "";
        }
      }
    }
    if (cur) out.push(cur);
  }
  return out;
}

/** Cues for clips played back to back, timed by their measured durations. */
export function buildCues(clips: Pick<NarrationClip, "text" | "durationSec">[], maxChars: number): Cue[] {
  const cues: Cue[] = [];
  let t0 = 0;
  clips.forEach((clip, ci) => {
    const pieces = splitCueText(clip.text, maxChars);
    // Weight by characters plus a constant: short cues still get time to be read.
    const weights = pieces.map((p) => p.length + 8);
    const sum = weights.reduce((a, b) => a + b, 0);
    let at = t0;
    pieces.forEach((text, i) => {
      const end = i === pieces.length - 1 ? t0 + clip.durationSec : at + (clip.durationSec * weights[i]!) / sum;
      cues.push({ start: at, end, text, clip: ci });
      at = end;
    });
    t0 += clip.durationSec;
  });
  return cues;
}

function stamp(sec: number, sep: "," | "."): string {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
}

/** SubRip (.srt). */
export function toSrt(cues: Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${stamp(c.start, ",")} --> ${stamp(c.end, ",")}\n${c.text}\n`).join("\n");
}

/** WebVTT (.vtt). */
export function toVtt(cues: Cue[]): string {
  const body = cues.map((c) => `${stamp(c.start, ".")} --> ${stamp(c.end, ".")}\n${c.text.replace(/-->/g, "->")}\n`);
  return `WEBVTT\n\n${body.join("\n")}`;
}

/** Parses SRT or WebVTT cue times back into seconds (used by tests and to check a written file). */
export function parseCueTimes(text: string): { start: number; end: number; text: string }[] {
  const re = /(\d{2}):(\d{2}):(\d{2})[,.](\d{3}) --> (\d{2}):(\d{2}):(\d{2})[,.](\d{3})\r?\n([^\r\n]*)/g;
  const sec = (h: string, m: string, s: string, ms: string) => +h * 3600 + +m * 60 + +s + +ms / 1000;
  return [...text.matchAll(re)].map((m) => ({
    start: sec(m[1]!, m[2]!, m[3]!, m[4]!),
    end: sec(m[5]!, m[6]!, m[7]!, m[8]!),
    text: m[9]!,
  }));
}
