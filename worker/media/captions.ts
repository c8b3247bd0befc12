/**
 * Captions from the narration's word timings. Each clip's text is cut into cues of one or two
 * lines (at most `maxChars` characters a line) by a search over break points that prefers sentence
 * ends, then clause marks, then conjunctions and prepositions, never splits a number from its unit,
 * and never leaves a cue of one word or of punctuation alone (see segment.ts). Each cue starts when
 * its first word is heard and lasts until the next cue starts (the clip's end for its last cue).
 *
 * A clip without word times (an old narration) gets them spread over its duration by length.
 */
import type { NarrationClip } from "../../shared/models.ts";
import { breakCost, sentenceEnds, tokenize } from "./segment.ts";
import { placeInSpan, type WordTime } from "./word-timing.ts";

/** A word of a cue and when it is heard, in seconds from the start of the video. */
export interface CueWord {
  text: string;
  start: number;
  end: number;
  /** Which line of the cue it is on. */
  line: number;
}

/** One caption on screen. Times in seconds from the start of the video. */
export interface Cue {
  start: number;
  end: number;
  /** The cue's lines joined by "\n". */
  text: string;
  lines: string[];
  words: CueWord[];
  /** Index of the narration clip (part) it belongs to. */
  clip: number;
}

/** How cues are shaped. */
export interface CueOptions {
  /** Longest line, in characters. */
  maxChars: number;
  /** Most lines a cue may take. */
  maxLines?: number;
  /** Shortest time a cue should stay on screen, in seconds (a soft goal: a cue starts with its first word). */
  minSec?: number;
}

type ClipText = Pick<NarrationClip, "text" | "durationSec"> & { words?: NarrationClip["words"] };

const PER_CUE = 2;
const TWO_WORDS = 3;
const TOO_SHORT = 10;
/** A cue on screen longer than this reads as stuck (written units are short, their speech long): each second over costs. */
const MAX_ON_SCREEN_SEC = 6;
const TOO_LONG_PER_SEC = 3;
const SENTENCE_INSIDE = 1.5;
/** A cue that starts with the last word or two of the sentence before reads badly. */
const ORPHAN_TAIL = 4;
/** Inside brackets, a break costs this much more. */
const IN_BRACKETS = 6;
/** A mid-phrase cue break is worse than a mid-phrase line break: the eye loses the phrase. */
const CUE_BREAK_WEIGHT = 2;

/**
 * The best split of `words` into at most `maxLines` lines of `maxChars`, or null if none fits.
 * `costs[k]` is the cost of a break after word k.
 */
function splitLines(words: string[], costs: number[], maxChars: number, maxLines = 2): { lines: number[][]; cost: number } | null {
  // pre[k]: characters of words [0, k) joined by spaces, plus one.
  const pre = [0];
  for (const w of words) pre.push(pre.at(-1)! + w.length + 1);
  const len = (a: number, b: number) => pre[b]! - pre[a]! - 1;
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const go = (from: number, lines: number): { lines: number[][]; cost: number } | null => {
    const n = words.length;
    if (len(from, n) <= maxChars || n - from === 1) return { lines: [range(from, n)], cost: 0 };
    if (lines < 2) return null;
    let best: { lines: number[][]; cost: number } | null = null;
    for (let k = from + 1; k < n; k++) {
      const a = len(from, k);
      if (a > maxChars) break;
      if (!Number.isFinite(costs[k - 1]!)) continue;
      const rest = go(k, lines - 1);
      if (!rest) continue;
      const b = len(k, n);
      // A clean phrase break, then balance (a short first line over a long second reads worst).
      const cost = costs[k - 1]! + rest.cost + Math.abs(a - b) / 12 + (a < b * 0.5 ? 2 : 0);
      if (!best || cost < best.cost) best = { lines: [range(from, k), ...rest.lines], cost };
    }
    return best;
  };
  return go(0, maxLines);
}

/** The written words' times of a clip: its stored times when they match its text, else spread by length. */
function clipWordTimes(clip: ClipText, tokens: string[]): WordTime[] {
  const w = clip.words;
  if (w && w.length === tokens.length) return w.map(([start, end]) => ({ start, end }));
  return placeInSpan(tokens, 0, clip.durationSec);
}

/** The cues of one clip's text (its `tokens`, heard at `times`, relative to the clip). */
function clipCues(clip: ClipText, tokens: string[], times: WordTime[], o: Required<CueOptions>): { from: number; to: number; lines: number[][] }[] {
  const n = tokens.length;
  if (n === 0) return [];
  const ends = sentenceEnds(clip.text);
  let depth = 0;
  const costs = tokens.map((t, i) => {
    depth = Math.max(0, depth + (t.match(/[(\[]/g)?.length ?? 0) - (t.match(/[)\]]/g)?.length ?? 0));
    return breakCost(tokens, i, ends[i]!) + (depth > 0 ? IN_BRACKETS : 0);
  });
  // meaningfulBefore[k]: tokens of [0, k) with a letter or digit (not punctuation alone).
  const meaningfulBefore = [0];
  for (const t of tokens) meaningfulBefore.push(meaningfulBefore.at(-1)! + (/[\p{L}\p{N}]/u.test(t) ? 1 : 0));
  // best[j]: cheapest way to caption tokens [0, j).
  const best: { cost: number; from: number; lines: number[][] }[] = [{ cost: 0, from: -1, lines: [] }];
  const maxCueChars = o.maxChars * o.maxLines;
  for (let j = 1; j <= n; j++) {
    best[j] = { cost: Infinity, from: -1, lines: [] };
    const endCost = costs[j - 1]!;
    if (!Number.isFinite(endCost)) continue;
    let chars = -1;
    for (let i = j - 1; i >= 0; i--) {
      chars += tokens[i]!.length + 1;
      if (chars > maxCueChars && j - i > 1) break;
      const prev = best[i]!;
      if (!Number.isFinite(prev.cost)) continue;
      const count = j - i;
      // Never one word (or punctuation) alone, unless that word is too long to share a line.
      if (meaningfulBefore[j]! - meaningfulBefore[i]! <= 1 && n > 1 && chars <= o.maxChars) continue;
      const split = splitLines(tokens.slice(i, j), costs.slice(i, j), o.maxChars, o.maxLines);
      if (!split) continue;
      const onScreen = (j < n ? times[j]!.start : clip.durationSec) - times[i]!.start;
      let inside = 0;
      let firstEnd = -1;
      for (let k = i; k < j - 1; k++) {
        if (!ends[k]) continue;
        inside++;
        if (firstEnd < 0) firstEnd = k;
      }
      const orphan = firstEnd >= 0 && firstEnd - i < 2 && i > 0 && !ends[i - 1] ? ORPHAN_TAIL : 0;
      const cost = prev.cost + PER_CUE + endCost * CUE_BREAK_WEIGHT + orphan + split.cost + (count === 2 ? TWO_WORDS : 0) + (onScreen < o.minSec ? TOO_SHORT : 0) + Math.max(0, onScreen - MAX_ON_SCREEN_SEC) * TOO_LONG_PER_SEC + inside * SENTENCE_INSIDE;
      if (cost < best[j]!.cost) best[j] = { cost, from: i, lines: split.lines.map((l) => l.map((k) => k + i)) };
    }
  }
  if (!Number.isFinite(best[n]!.cost)) {
    // Only when no break is allowed anywhere (a text of unbreakable tokens): one cue, one line.
    best[n] = { cost: 0, from: 0, lines: [tokens.map((_, k) => k)] };
  }
  const out: { from: number; to: number; lines: number[][] }[] = [];
  for (let j = n; j > 0; j = best[j]!.from) out.unshift({ from: best[j]!.from, to: j, lines: best[j]!.lines });
  return out;
}

/** Cues for clips played back to back, timed by their words. */
export function buildCues(clips: ClipText[], options: number | CueOptions): Cue[] {
  const o: Required<CueOptions> = { maxLines: 2, minSec: 0.8, ...(typeof options === "number" ? { maxChars: options } : options) };
  const cues: Cue[] = [];
  let t0 = 0;
  clips.forEach((clip, ci) => {
    const tokens = tokenize(clip.text).map((t) => t.text);
    const times = clipWordTimes(clip, tokens);
    const pieces = clipCues(clip, tokens, times, o);
    pieces.forEach((p, k) => {
      const next = pieces[k + 1];
      const start = t0 + Math.min(times[p.from]!.start, clip.durationSec);
      const end = next ? t0 + Math.min(times[next.from]!.start, clip.durationSec) : t0 + clip.durationSec;
      const lines = p.lines.map((l) => l.map((i) => tokens[i]!).join(" "));
      const words: CueWord[] = p.lines.flatMap((l, line) => l.map((i) => ({ text: tokens[i]!, start: t0 + times[i]!.start, end: t0 + times[i]!.end, line })));
      cues.push({ start, end: Math.max(end, start), text: lines.join("\n"), lines, words, clip: ci });
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

/** SubRip (.srt): plain lines, no markup. */
export function toSrt(cues: Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${stamp(c.start, ",")} --> ${stamp(c.end, ",")}\n${c.text}\n`).join("\n");
}

/** WebVTT (.vtt): plain lines, no markup. */
export function toVtt(cues: Cue[]): string {
  const body = cues.map((c) => `${stamp(c.start, ".")} --> ${stamp(c.end, ".")}\n${c.text.replace(/-->/g, "->")}\n`);
  return `WEBVTT\n\n${body.join("\n")}`;
}

/** Parses SRT or WebVTT cues back into seconds and text (lines joined by "\n"). */
export function parseCueTimes(text: string): { start: number; end: number; text: string }[] {
  const re = /(\d{2}):(\d{2}):(\d{2})[,.](\d{3}) --> (\d{2}):(\d{2}):(\d{2})[,.](\d{3})\r?\n((?:[^\r\n]+\r?\n?)*)/g;
  const sec = (h: string, m: string, s: string, ms: string) => +h * 3600 + +m * 60 + +s + +ms / 1000;
  return [...text.matchAll(re)].map((m) => ({
    start: sec(m[1]!, m[2]!, m[3]!, m[4]!),
    end: sec(m[5]!, m[6]!, m[7]!, m[8]!),
    text: m[9]!.replace(/\r?\n$/, "").replace(/\r\n/g, "\n"),
  }));
}
