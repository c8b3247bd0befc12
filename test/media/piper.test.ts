/**
 * The Piper voice without its 180 MB runtime: phonemes come from the real eSpeak NG, ids follow
 * Piper's rules, and a stand-in for onnxruntime-node (same API: InferenceSession.create, run,
 * Tensor) checks the feeds a real VITS model expects and answers with float audio. The model and
 * config files are real files on disk; what a missing one says is checked too.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spokenForm } from "../../worker/media/spoken.ts";
import { speakTimed } from "../../worker/media/tts/provider.ts";
import { ORT_PACKAGE, type OrtLike, espeakIpa, phonemeIds, piperProblems, piperProvider } from "../../worker/media/tts/piper.ts";
import { pcmDuration } from "../../worker/media/wav.ts";

const signal = new AbortController().signal;
// A few real entries of a Piper English voice's phoneme_id_map, plus every IPA code point eSpeak may print mapped to 10+.
const base: Record<string, number[]> = { _: [0], "^": [1], $: [2], " ": [3], ",": [8], ".": [10] };
const ipa = "abcdefhijklmnoprstuvwxzæðŋɐɑɔəɚɛɜɡɪɹɾʃʊʌʒʔˈˌːθᵻɬʲ";
const idMap = { ...base, ...Object.fromEntries([...ipa].map((c, i) => [c, [20 + i]])) };

function voiceFiles(numSpeakers = 1) {
  const dir = mkdtempSync(join(tmpdir(), "piper-"));
  const model = join(dir, "en_US-test-medium.onnx");
  writeFileSync(model, "not read by the stand-in runtime");
  writeFileSync(`${model}.json`, JSON.stringify({ audio: { sample_rate: 22050 }, espeak: { voice: "en-us" }, inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }, phoneme_id_map: idMap, num_speakers: numSpeakers }));
  return { dir, model };
}

/** onnxruntime-node's shape: checks the feeds like a Piper VITS graph, answers 256 samples per id. */
function standInRuntime(calls: Record<string, { type: string; data: unknown; dims: number[] }>[]): OrtLike {
  class Tensor {
    constructor(readonly type: string, readonly data: unknown, readonly dims: number[]) {}
  }
  return {
    Tensor: Tensor as unknown as OrtLike["Tensor"],
    InferenceSession: {
      create: async () => ({
        run: async (feeds: Record<string, unknown>) => {
          const f = feeds as Record<string, Tensor>;
          calls.push(f);
          if (f.input?.type !== "int64" || f.input.dims[0] !== 1) throw new Error("input must be int64 [1, n]");
          if (f.input_lengths?.type !== "int64" || f.scales?.type !== "float32" || f.scales.dims[0] !== 3) throw new Error("bad lengths or scales");
          const n = f.input.dims[1]! * 256;
          const audio = new Float32Array(n).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 220 * i) / 22050));
          return { output: { data: audio } };
        },
      }),
    },
  };
}

describe("the Piper voice", () => {
  it("turns text into Piper phoneme ids: BOS, pad after each phoneme, clause punctuation, EOS", async () => {
    const clauses = await espeakIpa("Press start, then wait.", "en-us");
    expect(clauses.length).toBe(2);
    const ids = phonemeIds(clauses, idMap);
    expect(ids.slice(0, 2)).toEqual([1, 0]);
    expect(ids.at(-1)).toBe(2);
    expect(ids).toContain(8); // the comma between the clauses
    expect(ids.at(-3)).toBe(10); // the full stop before the last pad and EOS
    // every other id (after BOS) is the pad
    expect(ids.slice(1, -1).filter((_, i) => i % 2 === 0).every((x) => x === 0)).toBe(true);
  });

  it("speaks through the runtime with the feeds a VITS model takes, and times every word", async () => {
    const { model } = voiceFiles(2);
    const calls: Record<string, { type: string; data: unknown; dims: number[] }>[] = [];
    const voice = piperProvider({ model, speaker: 1 }, async () => standInRuntime(calls));
    const spoken = spokenForm("Press Start, then wait T#5s.");
    const speech = await speakTimed(voice, spoken, signal);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0]!.sid).toMatchObject({ type: "int64", dims: [1] });
    expect([...(calls[0]!.scales!.data as Float32Array)].map((x) => +x.toFixed(3))).toEqual([0.667, 1, 0.8]);
    expect(speech.pcm.sampleRate).toBe(22050);
    expect(pcmDuration(speech.pcm)).toBeGreaterThan(0.5);
    expect(speech.words).toHaveLength(spoken.words.length);
  });

  it("says what is missing and where to get it, and never downloads anything", () => {
    const { dir } = voiceFiles();
    const missing = piperProblems({ model: join(dir, "nope.onnx"), speaker: 0 }, false);
    expect(missing[0]).toMatch(/nope\.onnx is not there: download .*huggingface\.co\/rhasspy\/piper-voices/);
    expect(missing[1]).toContain(`npm install ${ORT_PACKAGE}`);
  });

  it("fails the narration with the install command when onnxruntime-node cannot be loaded", async () => {
    const { model } = voiceFiles();
    const voice = piperProvider({ model, speaker: 0 }, async () => {
      throw new Error("Cannot find package 'onnxruntime-node'");
    });
    await expect(voice.synthesize("Hello.", signal)).rejects.toThrow(`npm install ${ORT_PACKAGE}`);
  });
});
