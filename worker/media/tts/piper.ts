/**
 * A local neural voice: a Piper voice (a VITS model as `<voice>.onnx` plus its `<voice>.onnx.json`)
 * that the owner downloads once and names in factory.config.json, run with onnxruntime-node and
 * phonemised with the eSpeak NG already installed. Nothing is downloaded at run time: a missing
 * model, config or runtime is a clear error (and a doctor finding) that says where to get it.
 *
 * onnxruntime-node is not a dependency of the project (it is ~180 MB for everyone else): the owner
 * who chooses Piper installs it once with `npm install onnxruntime-node@1.20.1`.
 *
 * Phonemes follow Piper's own rules (piper-phonemize): eSpeak's IPA for each clause, split into
 * code points; ids = BOS, pad, then each phoneme's id followed by pad, then EOS.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { z } from "zod";
import type { Pcm } from "../wav.ts";
import { espeakText, runEspeak } from "./espeak.ts";
import type { SpeechProvider } from "./provider.ts";

/** Where Piper voices are published (the owner downloads one .onnx and its .onnx.json). */
export const PIPER_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices";
/** The runtime version this code was written against (Node 20 builds ship inside the package). */
export const ORT_PACKAGE = "onnxruntime-node@1.20.1";

/** The parts of a Piper voice's .onnx.json that synthesis needs. */
export const PiperVoiceConfig = z.object({
  audio: z.object({ sample_rate: z.number().int().min(8000).max(48000) }),
  espeak: z.object({ voice: z.string().min(1) }).prefault({ voice: "en-us" }),
  inference: z
    .object({ noise_scale: z.number().default(0.667), length_scale: z.number().default(1), noise_w: z.number().default(0.8) })
    .prefault({}),
  phoneme_id_map: z.record(z.string(), z.array(z.number().int().min(0))),
  num_speakers: z.number().int().min(1).default(1),
});
export type PiperVoiceConfig = z.infer<typeof PiperVoiceConfig>;

export interface PiperSettings {
  /** The voice model, e.g. ~/voices/en_US-lessac-medium.onnx. */
  model: string;
  /** Its config; default: the model's path + ".json". */
  config?: string | undefined;
  /** For multi-speaker voices. */
  speaker: number;
  /** 1 is the voice's own pace; above 1 is slower (Piper's length_scale). */
  lengthScale?: number | undefined;
}

/** What the provider needs of onnxruntime-node (its real module has all of it). */
export interface OrtLike {
  InferenceSession: { create(path: string): Promise<{ run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }> };
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
}

/** Phoneme ids of one utterance, by Piper's rules; phonemes missing from the map are skipped. */
export function phonemeIds(clauses: readonly string[], map: PiperVoiceConfig["phoneme_id_map"]): number[] {
  const id = (p: string) => map[p];
  const pad = id("_") ?? [0];
  const ids = [...(id("^") ?? [1]), ...pad];
  clauses.forEach((clause, i) => {
    const text = i < clauses.length - 1 ? `${clause}, ` : `${clause}.`;
    for (const cp of text) {
      const m = id(cp);
      if (m) ids.push(...m, ...pad);
    }
  });
  ids.push(...(id("$") ?? [2]));
  return ids;
}

/** eSpeak NG's IPA for `text`, one string per clause (the WASM build prints a line per clause). */
export async function espeakIpa(text: string, voice: string): Promise<string[]> {
  const lines: string[] = [];
  await runEspeak(["-q", "--ipa", "-v", voice, espeakText(text)], (l) => lines.push(l), () => {});
  return lines.map((l) => l.trim()).filter(Boolean);
}

/** Float samples in [-1, 1] as 16-bit PCM. */
function floatToPcm(samples: Float32Array, sampleRate: number): Pcm {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767)));
  return { sampleRate, channels: 1, samples: out };
}

/** What is missing for a Piper voice, as sentences that say what to do; empty when all is there. */
export function piperProblems(s: PiperSettings, hasRuntime = ortInstalled()): string[] {
  const problems: string[] = [];
  const config = s.config ?? `${s.model}.json`;
  if (!existsSync(s.model)) problems.push(`The Piper voice model ${s.model} is not there: download a voice's .onnx and .onnx.json from ${PIPER_VOICES_URL} and set voice.piper.model to the .onnx file.`);
  else if (!existsSync(config)) problems.push(`The Piper voice config ${config} is not there: download it beside the model (the same name + .json) from ${PIPER_VOICES_URL}, or set voice.piper.config.`);
  if (!hasRuntime) problems.push(`onnxruntime-node is not installed: run \`npm install ${ORT_PACKAGE}\` in the project folder once.`);
  return problems;
}

/** Whether onnxruntime-node can be loaded from here. */
function ortInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve("onnxruntime-node");
    return true;
  } catch {
    return false;
  }
}

/** The Piper provider. `loadOrt` is injected by tests; by default it imports onnxruntime-node. */
export function piperProvider(s: PiperSettings, loadOrt: () => Promise<OrtLike> = () => import("onnxruntime-node" as string) as Promise<OrtLike>): SpeechProvider {
  const configPath = s.config ?? `${s.model}.json`;
  let ready: Promise<{ ort: OrtLike; session: Awaited<ReturnType<OrtLike["InferenceSession"]["create"]>>; voice: PiperVoiceConfig }> | null = null;
  const load = () => {
    ready ??= (async () => {
      const problems = piperProblems(s, true);
      if (problems.length) throw new Error(problems.join(" "));
      let ort: OrtLike;
      try {
        ort = await loadOrt();
      } catch {
        throw new Error(`onnxruntime-node is not installed: run \`npm install ${ORT_PACKAGE}\` in the project folder once, or set voice.provider to "flite".`);
      }
      const parsed = PiperVoiceConfig.safeParse(JSON.parse(await readFile(configPath, "utf8")));
      if (!parsed.success) throw new Error(`${configPath} is not a Piper voice config (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}).`);
      return { ort, session: await ort.InferenceSession.create(s.model), voice: parsed.data };
    })();
    ready.catch(() => (ready = null));
    return ready;
  };
  const run = async (text: string, signal: AbortSignal): Promise<Pcm> => {
    signal.throwIfAborted();
    const { ort, session, voice } = await load();
    const ids = phonemeIds(await espeakIpa(text, voice.espeak.voice), voice.phoneme_id_map);
    const feeds: Record<string, unknown> = {
      input: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      input_lengths: new ort.Tensor("int64", BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor("float32", Float32Array.from([voice.inference.noise_scale, s.lengthScale ?? voice.inference.length_scale, voice.inference.noise_w]), [3]),
    };
    if (voice.num_speakers > 1) feeds.sid = new ort.Tensor("int64", BigInt64Array.from([BigInt(s.speaker)]), [1]);
    const out = await session.run(feeds);
    const audio = (out.output ?? Object.values(out)[0])?.data;
    if (!(audio instanceof Float32Array)) throw new Error(`the Piper model ${s.model} gave no float audio output`);
    return floatToPcm(audio, voice.audio.sample_rate);
  };
  return {
    name: "piper",
    voice: s.model.replace(/^.*[\\/]/, "").replace(/\.onnx$/, ""),
    cacheKey: { speaker: s.speaker, lengthScale: s.lengthScale ?? null, model: s.model },
    synthesize: run,
  };
}
