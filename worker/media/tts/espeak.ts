/**
 * The offline voice: eSpeak NG compiled to WebAssembly (the `espeak-ng` npm package), so a fresh
 * machine narrates with nothing but `npm install`. It sounds robotic; it is the default because it
 * needs no account, and Google or a cloned voice replace it by one setting.
 *
 * This build is the command-line program (no word events), so word timings come from phrases:
 * the part is spoken once with a long break between phrases (SSML), the breaks are found in the
 * audio and shortened to natural pauses, and each phrase's words are placed in its measured span
 * by length. If the breaks cannot be found exactly, each phrase is spoken on its own instead.
 * Each run needs a fresh WASM instance (its `main` runs once), but the 18 MB module is compiled
 * once per process: an instance then starts in ~80 ms instead of ~200 ms.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import ESpeakNg from "espeak-ng";
import type { VoiceSettings } from "../settings.ts";
import type { SpokenText } from "../spoken.ts";
import { parseWav, type Pcm } from "../wav.ts";
import { esc } from "../visuals/theme.ts";
import { phrases, placeInSpan, voicedSpan } from "../word-timing.ts";
import { speakByPhrases, type SpeechProvider, type TimedSpeech } from "./provider.ts";

// Node has WebAssembly at run time; this project's TypeScript libs (no DOM) only declare its types.
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
    instantiate(module: WebAssembly.Module, imports: object): Promise<unknown>;
  };
}).WebAssembly;

let compiled: Promise<WebAssembly.Module> | null = null;

/** The eSpeak NG module, compiled once per process. */
function espeakModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const entry = createRequire(import.meta.url).resolve("espeak-ng");
    return Wasm.compile(await readFile(entry.replace(/espeak-ng\.js$/, "espeak-ng.wasm")));
  })();
  compiled.catch(() => (compiled = null));
  return compiled;
}

/** `text` as one command-line argument: whitespace folded, and a leading "-" not read as an option by espeak's argument parser. */
export function espeakText(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/^-/, " -");
}

/** Runs eSpeak NG once with `args`, on a fresh instance of the module compiled once per process. */
export async function runEspeak(args: string[], print: (line: string) => void, printErr: (line: string) => void): Promise<Awaited<ReturnType<typeof ESpeakNg>>> {
  const module = await espeakModule();
  return ESpeakNg({
    arguments: args,
    print,
    printErr,
    instantiateWasm: (imports, done) => {
      Wasm.instantiate(module, imports).then(done, (err: unknown) => printErr(String(err)));
      return {};
    },
  });
}

/** Silence asked for between phrases: longer than any pause eSpeak makes itself, so it is found again. */
const BREAK_SEC = 0.9;
/** A silent run at least this long is one of ours. */
const BREAK_FOUND_SEC = 0.65;
/** The pause a break becomes in the final audio: after a clause, after a sentence. */
const CLAUSE_PAUSE_SEC = 0.22;
const SENTENCE_PAUSE_SEC = 0.42;

/** Silent runs (every 10 ms window below 1% of full scale) of at least `minSec`: [start, end) sample indices. */
export function silentRuns(pcm: Pcm, minSec: number): [number, number][] {
  const win = Math.max(1, Math.round(pcm.sampleRate / 100)) * pcm.channels;
  const need = Math.ceil((minSec * pcm.sampleRate * pcm.channels) / win);
  const runs: [number, number][] = [];
  let from = -1;
  let quiet = 0;
  for (let at = 0; at < pcm.samples.length; at += win) {
    const end = Math.min(pcm.samples.length, at + win);
    let loud = false;
    for (let i = at; i < end && !loud; i++) loud = Math.abs(pcm.samples[i]!) > 327;
    if (!loud) {
      if (quiet++ === 0) from = at;
      continue;
    }
    if (quiet >= need) runs.push([from, at]);
    quiet = 0;
  }
  return runs;
}

/**
 * Cuts speech made with a {@link BREAK_SEC} break between phrases back into phrases: finds exactly
 * `pauses.length` long silences, shortens each to its pause, and returns the joined audio with
 * each phrase's voiced span in it; null when the silences found do not match (then the caller
 * speaks phrase by phrase).
 */
export function splitAtBreaks(pcm: Pcm, pauses: number[]): { pcm: Pcm; spans: [number, number][] } | null {
  const runs = silentRuns(pcm, BREAK_FOUND_SEC);
  if (runs.length !== pauses.length) return null;
  const rate = pcm.sampleRate * pcm.channels;
  const pieces: Int16Array[] = [];
  const spans: [number, number][] = [];
  let at = 0;
  let outLen = 0;
  for (let k = 0; k <= runs.length; k++) {
    const run = runs[k];
    // Keep half the pause from each side of the long silence: both halves are silent.
    const half = k < runs.length ? Math.round((pauses[k]! * rate) / 2) : 0;
    const end = run ? Math.min(run[1], run[0] + half) : pcm.samples.length;
    const piece = pcm.samples.subarray(at, end);
    const [from, to] = voicedSpan({ sampleRate: pcm.sampleRate, channels: pcm.channels, samples: piece });
    spans.push([outLen / rate + from, outLen / rate + to]);
    pieces.push(piece);
    outLen += piece.length;
    if (run) at = Math.max(end, run[1] - half);
  }
  const samples = new Int16Array(outLen);
  let o = 0;
  for (const p of pieces) {
    samples.set(p, o);
    o += p.length;
  }
  return { pcm: { sampleRate: pcm.sampleRate, channels: pcm.channels, samples }, spans };
}

/** The eSpeak NG provider. */
export function espeakProvider(s: VoiceSettings["espeak"]): SpeechProvider {
  const run = async (text: string, signal: AbortSignal, ssml = false): Promise<Pcm> => {
    signal.throwIfAborted();
    const errors: string[] = [];
    const instance = await runEspeak(
      [...(ssml ? ["-m"] : []), "-w", "out.wav", "-v", s.voice, "-s", String(s.speed), "-p", String(s.pitch), espeakText(text)],
      () => {},
      (line) => errors.push(line),
    );
    let wav: Uint8Array;
    try {
      wav = instance.FS.readFile("out.wav");
    } catch {
      throw new Error(
        `eSpeak NG produced no audio (${errors.join(" ").slice(0, 200) || "no message"}). Check voice.espeak.voice ("${s.voice}") names an eSpeak NG voice such as "en-us".`,
      );
    }
    return parseWav(wav);
  };
  return {
    name: "espeak",
    voice: s.voice,
    cacheKey: { speed: s.speed, pitch: s.pitch, engine: "espeak-ng@1.0.2" },
    synthesize: (text, signal) => run(text, signal),
    async speak(spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech> {
      const groups = phrases(spoken.words);
      const texts = groups.map((g) => g.map((i) => spoken.words[i]!));
      // One run for the whole part, phrases parted by a long break that is found and shortened
      // again: each phrase's span is measured, at the cost of one eSpeak start instead of one per phrase.
      if (groups.length > 1) {
        const ssml = `<speak>${texts.map((t) => esc(t.join(" "))).join(`<break time="${Math.round(BREAK_SEC * 1000)}ms"/>`)}</speak>`;
        const pauses = texts.slice(0, -1).map((t) => (/[.!?]$/.test(t.at(-1)!) ? SENTENCE_PAUSE_SEC : CLAUSE_PAUSE_SEC));
        const split = splitAtBreaks(await run(ssml, signal, true), pauses);
        if (split) return { pcm: split.pcm, words: texts.flatMap((t, k) => placeInSpan(t, split.spans[k]![0], split.spans[k]![1])) };
      }
      return speakByPhrases((text) => run(text, signal), spoken);
    },
  };
}
