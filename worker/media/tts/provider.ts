/**
 * One interface for every voice, and the narration of a script through it: a WAV clip per part
 * (hook, each section, outro) with its measured duration, cached by the hash of what decides the
 * sound, so unchanged narration is never synthesised twice.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MediaAssets, VideoScript } from "../../../shared/models.ts";
import { contentHash } from "../hash.ts";
import { encodeWav, parseWav, pcmDuration, type Pcm } from "../wav.ts";

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
  ];
}

/** Where a clip lives, relative to the artifacts dir. */
export function clipPath(provider: SpeechProvider, text: string): string {
  const key = contentHash({ text, voice: provider.voice, provider: provider.name, settings: provider.cacheKey });
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
    let pcm: Pcm;
    const cached = await readFile(abs).catch(() => null);
    if (cached) {
      pcm = parseWav(cached);
    } else {
      pcm = await provider.synthesize(p.text, o.signal);
      if (pcm.samples.length === 0) throw new Error(`${provider.name} returned no audio for ${p.part}`);
      const tmp = `${abs}.tmp-${process.pid}-${i}`;
      try {
        await writeFile(tmp, encodeWav(pcm));
        await rename(tmp, abs);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      synthesised++;
    }
    clips[i] = { part: p.part, path: rel, durationSec: pcmDuration(pcm), text: p.text };
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
