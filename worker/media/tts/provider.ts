/**
 * One interface for every voice, and the narration of a script through it: a WAV clip per part
 * (hook, each section, outro) with its measured duration, cached by the hash of what decides the
 * sound, so unchanged narration is never synthesised twice.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MediaAssets, VideoScript } from "../../../shared/models.ts";
import { contentHash } from "../hash.ts";
import { spokenForm, SPOKEN_VERSION, type SpokenText } from "../spoken.ts";
import { encodeWav, joinPcm, parseWav, pcmDuration, type Pcm } from "../wav.ts";
import { phrases, placeInVoiced, roundTimes, writtenTimes, type WordTime } from "../word-timing.ts";

/** Speech with the time of each spoken word (one entry per `SpokenText.words`, seconds from the start). */
export interface TimedSpeech {
  pcm: Pcm;
  words: WordTime[];
}

/** A text-to-speech voice. */
export interface SpeechProvider {
  /** "espeak" | "google" | "elevenlabs". */
  readonly name: string;
  /** The voice's id within the provider. */
  readonly voice: string;
  /** Every setting that changes the sound (rate, pitch, model…): part of the cache key. */
  readonly cacheKey: unknown;
  /** Speaks `text`; plain text in, 16-bit PCM out. */
  synthesize(text: string, signal: AbortSignal): Promise<Pcm>;
  /**
   * Speaks a spoken form and says when each of its words is heard. Without it, `synthesize` reads
   * `spoken.text` and the words are spread over the voiced audio by length.
   */
  speak?(spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech>;
}

/**
 * Speaks `spoken` with word times, through `speak` when the provider has it; otherwise phrase by
 * phrase, placing each phrase's words inside its measured (voiced) span.
 */
export async function speakTimed(provider: SpeechProvider, spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech> {
  if (provider.speak) return provider.speak(spoken, signal);
  return speakByPhrases((text) => provider.synthesize(text, signal), spoken);
}

/** Speaks each phrase of `spoken` with `synthesize`, placing its words inside its voiced span. */
export async function speakByPhrases(synthesize: (text: string) => Promise<Pcm>, spoken: SpokenText): Promise<TimedSpeech> {
  const parts: Pcm[] = [];
  const words: WordTime[] = [];
  let at = 0;
  for (const group of phrases(spoken.words)) {
    const text = group.map((i) => spoken.words[i]!);
    const pcm = await synthesize(text.join(" "));
    words.push(...placeInVoiced(text, pcm, at));
    parts.push(pcm);
    at += pcmDuration(pcm);
  }
  if (parts.length === 0) return { pcm: await synthesize(spoken.text), words: [] };
  return { pcm: joinPcm(parts), words };
}

/** One part of a script to speak. */
export interface NarrationPart {
  part: string;
  text: string;
}

/** The parts of a script in speaking order: hook, section-0…, outro. */
export function narrationParts(script: VideoScript): NarrationPart[] {
  return [
    { part: "hook", text: script.hook },
    ...script.sections.map((s, i) => ({ part: `section-${i}`, text: s.narration })),
    { part: "outro", text: script.outro },
    // A Short written as its own piece is narrated as its own three parts.
    ...(script.short
      ? [
          { part: "short-hook", text: script.short.hook },
          { part: "short-body", text: script.short.narration },
          { part: "short-end", text: script.short.ending },
        ]
      : []),
  ];
}

/** Where a clip lives, relative to the artifacts dir. */
export function clipPath(provider: SpeechProvider, text: string): string {
  // The spoken form's version is part of the key: a clip read from an older spoken form is remade.
  const key = contentHash({ text, voice: provider.voice, provider: provider.name, settings: provider.cacheKey, spoken: SPOKEN_VERSION });
  return join("narration", provider.name, `${key.slice(0, 32)}.wav`);
}

export interface NarrateOptions {
  artifactsDir: string;
  signal: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

/** Result of {@link narrate}: the contract's narration block plus how many clips were synthesised. */
export interface NarrationResult {
  narration: MediaAssets["narration"];
  synthesised: number;
}

/**
 * Narrates every part of `script`, reusing cached clips. Each clip is written to a temp name and
 * renamed, so an interrupted run never leaves a truncated clip behind to be "cached".
 */
export async function narrate(script: VideoScript, provider: SpeechProvider, o: NarrateOptions): Promise<NarrationResult> {
  const parts = narrationParts(script);
  const clips: MediaAssets["narration"]["clips"] = new Array(parts.length);
  let synthesised = 0;
  let done = 0;
  const dir = join(o.artifactsDir, "narration", provider.name);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new Error(`Cannot write narration to ${dir} (${code}). Make WORK_DIR writable, or set WORK_DIR to a folder this user can write.`);
  }
  const one = async (i: number) => {
    const p = parts[i]!;
    o.signal.throwIfAborted();
    const rel = clipPath(provider, p.text);
    const abs = join(o.artifactsDir, rel);
    const timesFile = wordTimesPath(abs);
    let pcm: Pcm;
    let words: [number, number][] | null = null;
    const cached = await readFile(abs).catch(() => null);
    if (cached) words = await readWordTimes(timesFile);
    if (cached && words) {
      pcm = parseWav(cached);
    } else {
      const spoken = spokenForm(p.text);
      const speech = await speakTimed(provider, spoken, o.signal);
      pcm = speech.pcm;
      if (pcm.samples.length === 0) throw new Error(`${provider.name} returned no audio for ${p.part}`);
      words = roundTimes(writtenTimes(speech.words, spoken.toWritten, spoken.writtenCount));
      // Times first, sound last: a clip on disk always has its times beside it.
      await writeAtomically(timesFile, JSON.stringify({ words }), i);
      await writeAtomically(abs, encodeWav(pcm), i);
      synthesised++;
    }
    clips[i] = { part: p.part, path: rel, durationSec: pcmDuration(pcm), text: p.text, words };
    o.onProgress?.(++done / parts.length, `narrated ${p.part}`);
  };
  // Two parts at a time: eSpeak's WASM start-up is CPU-bound (two cores), the cloud voices are network-bound.
  let next = 0;
  const worker = async () => {
    while (next < parts.length) await one(next++);
  };
  await Promise.all([worker(), worker()]);
  const totalSec = clips.reduce((s, c) => s + c.durationSec, 0);
  return { narration: { provider: provider.name, voice: provider.voice, clips, totalSec }, synthesised };
}

/** Where a clip's word times are kept: beside its WAV. */
export function wordTimesPath(wavPath: string): string {
  return wavPath.replace(/\.wav$/, ".words.json");
}

/** The word times stored beside a clip, or null when missing or unreadable (the clip is then spoken again). */
async function readWordTimes(path: string): Promise<[number, number][] | null> {
  try {
    const v = JSON.parse(await readFile(path, "utf8")) as { words?: unknown };
    const ok = Array.isArray(v.words) && v.words.every((w) => Array.isArray(w) && w.length === 2 && w.every((x) => typeof x === "number"));
    return ok ? (v.words as [number, number][]) : null;
  } catch {
    return null;
  }
}

async function writeAtomically(path: string, data: string | Buffer, n: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${n}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Splits text at sentence ends into chunks of at most `maxBytes` UTF-8 bytes (Google's request
 * limit is 5,000 bytes). A single sentence longer than that is split at word boundaries.
 */
export function splitSentences(text: string, maxBytes: number): string[] {
  const sentences = text.match(/[^.!?]+(?:[.!?]+["')\]]*|$)\s*/g) ?? [text];
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");
  const pieces: string[] = [];
  for (const s of sentences) {
    if (bytes(s) <= maxBytes) {
      pieces.push(s);
      continue;
    }
    let cur = "";
    for (const w of s.split(/(\s+)/)) {
      if (bytes(cur + w) > maxBytes && cur) {
        pieces.push(cur);
        cur = "";
      }
      cur += w;
    }
    if (cur) pieces.push(cur);
  }
  const chunks: string[] = [];
  let cur = "";
  for (const p of pieces) {
    if (cur && bytes(cur + p) > maxBytes) {
      chunks.push(cur.trim());
      cur = "";
    }
    cur += p;
  }
  if (cur.trim()) chunks.push(cur.trim());
  return chunks;
}
