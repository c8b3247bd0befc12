/**
 * Word timings: when each spoken word starts and ends in a clip, from whatever the voice engine
 * tells us (ElevenLabs' per-character alignment, Google's SSML mark timepoints) or, for an engine
 * without word events, by placing words inside a measured span in proportion to their length in
 * syllables. Then the spoken words' times become the written tokens' times through the spoken
 * form's mapping (see spoken.ts).
 */

/** When a word is heard, in seconds from the start of its clip. */
export interface WordTime {
  start: number;
  end: number;
}

/** ElevenLabs' `alignment` object (with-timestamps endpoints). */
export interface CharacterAlignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

/** The character offset where each word of `words.join(" ")` starts. */
export function wordOffsets(words: string[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const w of words) {
    out.push(at);
    at += w.length + 1;
  }
  return out;
}

/**
 * Word times from a character alignment of exactly the text `words.join(" ")`, shifted by
 * `offsetSec`. A word's start is its first character's start, its end its last character's end.
 */
export function timesFromAlignment(words: string[], a: CharacterAlignment, offsetSec = 0): WordTime[] {
  const n = a.characters.length;
  if (a.character_start_times_seconds.length !== n || a.character_end_times_seconds.length !== n) {
    throw new Error(`alignment arrays differ in length (${n} characters, ${a.character_start_times_seconds.length} starts, ${a.character_end_times_seconds.length} ends)`);
  }
  const expected = words.join(" ");
  if (a.characters.join("") !== expected) {
    throw new Error(`alignment is for other text (${a.characters.length} characters, expected ${expected.length})`);
  }
  return wordOffsets(words).map((from, i) => {
    const to = from + words[i]!.length - 1;
    return { start: a.character_start_times_seconds[from]! + offsetSec, end: a.character_end_times_seconds[to]! + offsetSec };
  });
}

/** A Google timepoint: the mark's name and when it was reached. */
export interface Timepoint {
  markName?: string | null;
  timeSeconds?: number | null;
}

/**
 * Word times from SSML marks named `w<i>` placed before each word `i` (of `count`), within a request
 * whose audio lasts `durationSec` and starts at `offsetSec` in the clip. A word ends where the next
 * one starts; a word whose mark is missing is placed between its neighbours.
 */
export function timesFromMarks(timepoints: Timepoint[], count: number, durationSec: number, offsetSec = 0, firstIndex = 0): WordTime[] {
  const starts: (number | undefined)[] = new Array(count).fill(undefined);
  for (const tp of timepoints) {
    const m = /^w(\d+)$/.exec(tp.markName ?? "");
    const t = tp.timeSeconds;
    if (!m || typeof t !== "number" || !Number.isFinite(t)) continue;
    const i = Number(m[1]) - firstIndex;
    if (i >= 0 && i < count) starts[i] = Math.min(Math.max(0, t), durationSec);
  }
  // Fill gaps by interpolating between known neighbours (or the request's edges).
  const filled = starts.slice();
  for (let i = 0; i < count; i++) {
    if (filled[i] !== undefined) continue;
    let j = i;
    while (j < count && starts[j] === undefined) j++;
    const lo = i === 0 ? 0 : filled[i - 1]!;
    const hi = j < count ? starts[j]! : durationSec;
    for (let k = i; k < j; k++) filled[k] = lo + ((hi - lo) * (k - i + 1)) / (j - i + 1);
    i = j - 1;
  }
  return filled.map((s, i) => ({ start: s! + offsetSec, end: (i + 1 < count ? filled[i + 1]! : durationSec) + offsetSec }));
}

/** Longest phrase spoken as one span, in words: longer clauses are cut so timings stay close. */
const MAX_PHRASE_WORDS = 12;

/** Groups spoken words (indices) into phrases ending at punctuation, or every {@link MAX_PHRASE_WORDS}. */
export function phrases(words: string[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  words.forEach((w, i) => {
    cur.push(i);
    if (/[,;:.!?]$/.test(w) || cur.length >= MAX_PHRASE_WORDS) {
      out.push(cur);
      cur = [];
    }
  });
  if (cur.length) out.push(cur);
  return out;
}

/** A rough syllable count: vowel groups, digits as their own spoken length, at least one. */
export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (w === "") return 0.5;
  if (/^\d+$/.test(w)) return w.length * 1.5;
  const groups = w.replace(/e$/, "").match(/[aeiouy]+/g)?.length ?? 0;
  return Math.max(1, groups);
}

/**
 * Places `words` inside the span `[start, end]` (a phrase's measured audio, without its edges'
 * silence) in proportion to syllables, plus a small pause after punctuation.
 */
export function placeInSpan(words: string[], start: number, end: number): WordTime[] {
  const weights = words.map((w) => syllables(w) + 0.3);
  const pauses = words.map((w, i): number => (i < words.length - 1 && /[,;:]$/.test(w) ? 0.8 : /[.!?]$/.test(w) && i < words.length - 1 ? 1.4 : 0));
  const total = weights.reduce((a, b) => a + b, 0) + pauses.reduce((a, b) => a + b, 0);
  const unit = total > 0 ? (end - start) / total : 0;
  const out: WordTime[] = [];
  let t = start;
  words.forEach((_, i) => {
    const e = t + weights[i]! * unit;
    out.push({ start: t, end: e });
    t = e + pauses[i]! * unit;
  });
  return out;
}

/**
 * Places `words` inside the voiced span of `pcm` (see {@link voicedSpan}), which starts `at`
 * seconds into the clip: the timing of a voice that gives no word times.
 */
export function placeInVoiced(words: string[], pcm: { sampleRate: number; channels: number; samples: Int16Array }, at: number): WordTime[] {
  const [from, to] = voicedSpan(pcm);
  return placeInSpan(words, at + from, at + to);
}

/**
 * The written tokens' times from the spoken words' times: a token spans its spoken words; a token
 * with no spoken word (a lone dash) gets an empty span where the previous one ended.
 */
export function writtenTimes(spoken: WordTime[], toWritten: number[], writtenCount: number): WordTime[] {
  const out: (WordTime | undefined)[] = new Array(writtenCount).fill(undefined);
  spoken.forEach((t, i) => {
    const w = toWritten[i]!;
    const cur = out[w];
    out[w] = cur ? { start: Math.min(cur.start, t.start), end: Math.max(cur.end, t.end) } : { ...t };
  });
  let last = 0;
  return out.map((t) => {
    if (t) {
      last = t.end;
      return t;
    }
    return { start: last, end: last };
  });
}

/**
 * The voiced part of a clip, in seconds: from the first to the last 10 ms window louder than
 * -40 dBFS (the whole clip if none is).
 */
export function voicedSpan(pcm: { sampleRate: number; channels: number; samples: Int16Array }): [number, number] {
  const win = Math.max(1, Math.round(pcm.sampleRate / 100)) * pcm.channels;
  const threshold = 32768 * 0.01;
  const loud: number[] = [];
  for (let at = 0; at < pcm.samples.length; at += win) {
    let peak = 0;
    const end = Math.min(pcm.samples.length, at + win);
    for (let i = at; i < end; i++) peak = Math.max(peak, Math.abs(pcm.samples[i]!));
    if (peak > threshold) loud.push(at);
  }
  const sec = (i: number) => i / pcm.channels / pcm.sampleRate;
  const total = sec(pcm.samples.length);
  if (loud.length === 0) return [0, total];
  return [sec(loud[0]!), Math.min(total, sec(loud.at(-1)! + win))];
}

/** Rounds times to milliseconds (what is stored beside a clip). */
export function roundTimes(times: WordTime[]): [number, number][] {
  return times.map((t) => [Math.round(t.start * 1000) / 1000, Math.round(t.end * 1000) / 1000]);
}
