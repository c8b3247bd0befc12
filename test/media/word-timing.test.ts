/**
 * Word timings from each engine: ElevenLabs' character alignment and Google's SSML mark timepoints
 * through the real clients against the loopback fakes, eSpeak NG phrase by phrase; then captions
 * whose cues start within 150 ms of their first word.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCues } from "../../worker/media/captions.ts";
import { tokenize } from "../../worker/media/segment.ts";
import { VoiceSettings } from "../../worker/media/settings.ts";
import { spokenForm } from "../../worker/media/spoken.ts";
import { elevenLabsProvider, wordChunks } from "../../worker/media/tts/elevenlabs.ts";
import { espeakProvider } from "../../worker/media/tts/espeak.ts";
import { googleProvider, markedSsmlChunks } from "../../worker/media/tts/google.ts";
import { narrate, speakTimed, wordTimesPath } from "../../worker/media/tts/provider.ts";
import { pcmDuration } from "../../worker/media/wav.ts";
import { phrases, placeInSpan, timesFromAlignment, timesFromMarks, voicedSpan, wordOffsets, writtenTimes } from "../../worker/media/word-timing.ts";
import { FakeElevenLabs, LEAD_SEC, SECONDS_PER_CHAR as EL_CHAR } from "../fakes/elevenlabs.ts";
import { FakeGoogleTts, SECONDS_PER_CHAR as G_CHAR } from "../fakes/google-tts.ts";
import { sampleScript } from "./sample-script.ts";

const signal = new AbortController().signal;
const written = "At 24.5 V, Timer1.ACC counts to T#5s. Then the .DN bit turns on, e.g. after 0.1 seconds.";
const eleven = new FakeElevenLabs();
const googleFake = new FakeGoogleTts();
let dir: string;
beforeAll(async () => {
  await Promise.all([eleven.start(), googleFake.start()]);
  eleven.voices.add("voice-narrator");
  dir = await mkdtemp(join(tmpdir(), "word-timing-"));
});
afterAll(async () => {
  await Promise.all([eleven.stop(), googleFake.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe("ElevenLabs with-timestamps", () => {
  it("times every spoken word from the character alignment, and each written word from its spoken words", async () => {
    const s = VoiceSettings.parse({ elevenlabs: { voiceId: "voice-narrator", baseUrl: eleven.url } }).elevenlabs;
    const spoken = spokenForm(written);
    const speech = await elevenLabsProvider(s, { ELEVENLABS_API_KEY: eleven.apiKey }).speak!(spoken, signal);
    const req = eleven.speech.at(-1)!;
    expect(req).toMatchObject({ voiceId: "voice-narrator", outputFormat: "pcm_24000", text: spoken.text, timestamps: true });
    expect(eleven.problems).toEqual([]);
    expect(pcmDuration(speech.pcm)).toBeCloseTo(LEAD_SEC + spoken.text.length * EL_CHAR, 3);
    expect(speech.words).toHaveLength(spoken.words.length);
    // The fake speaks 60 ms per character after its lead-in: word k starts at its character offset.
    wordOffsets(spoken.words).forEach((at, k) => expect(speech.words[k]!.start).toBeCloseTo(LEAD_SEC + at * EL_CHAR, 3));
    const w = writtenTimes(speech.words, spoken.toWritten, spoken.writtenCount);
    const tokens = tokenize(written).map((t) => t.text);
    const acc = tokens.indexOf("Timer1.ACC");
    const firstSpoken = spoken.toWritten.indexOf(acc);
    const lastSpoken = spoken.toWritten.lastIndexOf(acc);
    expect(w[acc]!.start).toBe(speech.words[firstSpoken]!.start); // "Timer"
    expect(w[acc]!.end).toBe(speech.words[lastSpoken]!.end); // the last "C"
  });

  it("splits long narration into requests under the limit at sentence ends and keeps times running across them", async () => {
    const chunks = wordChunks(spokenForm("Each rung is solved from left to right. ".repeat(110)).words, 4000);
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    for (const c of chunks) {
      expect(c.join(" ").length).toBeLessThanOrEqual(4000);
      expect(c.at(-1)).toMatch(/\.$/);
    }
    const s = VoiceSettings.parse({ elevenlabs: { voiceId: "voice-narrator", baseUrl: eleven.url } }).elevenlabs;
    const spoken = spokenForm("Each rung is solved from left to right. ".repeat(110));
    const speech = await elevenLabsProvider(s, { ELEVENLABS_API_KEY: eleven.apiKey }).speak!(spoken, signal);
    const second = chunks[0]!.length; // first word of the second request
    const firstDur = LEAD_SEC + chunks[0]!.join(" ").length * EL_CHAR;
    expect(speech.words[second]!.start).toBeCloseTo(firstDur + LEAD_SEC, 3);
    for (let i = 1; i < speech.words.length; i++) expect(speech.words[i]!.start).toBeGreaterThan(speech.words[i - 1]!.start);
  });

  it("rejects an alignment for other text instead of mistiming words", () => {
    const a = { characters: [..."ab c"], character_start_times_seconds: [0, 1, 2, 3], character_end_times_seconds: [1, 2, 3, 4] };
    expect(timesFromAlignment(["ab", "c"], a)).toEqual([
      { start: 0, end: 2 },
      { start: 3, end: 4 },
    ]);
    expect(() => timesFromAlignment(["ab", "d"], a)).toThrow(/other text/);
  });
});

describe("Google SSML marks", () => {
  it("asks v1beta1 for SSML_MARK timepoints with a mark before every word and times each word by its mark", async () => {
    const s = VoiceSettings.parse({ provider: "google", google: { rootUrl: googleFake.url } }).google;
    const spoken = spokenForm(written);
    const speech = await googleProvider(s, { GOOGLE_TTS_API_KEY: googleFake.apiKey }).speak!(spoken, signal);
    const req = googleFake.requests.at(-1)!;
    expect(googleFake.problems).toEqual([]);
    expect(req.version).toBe("v1beta1");
    expect(req.enableTimePointing).toEqual(["SSML_MARK"]);
    expect(req.ssml.match(/<mark name="w\d+"\/>/g)).toHaveLength(spoken.words.length);
    expect(req.ssml.replace(/<mark name="w\d+"\/>/g, "").replace(/<\/?speak>/g, "")).toBe(spoken.text);
    expect(speech.words).toHaveLength(spoken.words.length);
    // The fake speaks 60 ms per character; a word starts after the text (and spaces) before it.
    wordOffsets(spoken.words).forEach((at, k) => expect(speech.words[k]!.start).toBeCloseTo(at * G_CHAR, 3));
  });

  it("cuts marked SSML under 5,000 bytes and interpolates a missing mark between its neighbours", () => {
    const words = spokenForm("Each rung of ladder logic is evaluated every scan. ".repeat(120)).words;
    const reqs = markedSsmlChunks(words);
    expect(reqs.length).toBeGreaterThanOrEqual(2);
    for (const r of reqs) expect(Buffer.byteLength(r.ssml)).toBeLessThanOrEqual(5000);
    expect(reqs.reduce((n, r) => n + r.count, 0)).toBe(words.length);
    const t = timesFromMarks(
      [
        { markName: "w0", timeSeconds: 0 },
        { markName: "w2", timeSeconds: 1 },
      ],
      3,
      1.5,
    );
    expect(t.map((x) => x.start)).toEqual([0, 0.5, 1]);
    expect(t.at(-1)!.end).toBe(1.5);
  });
});

describe("eSpeak NG, phrase by phrase", () => {
  it("groups words into phrases at punctuation", () => {
    expect(phrases(["One", "two,", "three", "four.", "Five"])).toEqual([[0, 1], [2, 3], [4]]);
  });

  it("places each phrase's words inside its voiced span, in order, and the spans cover the clip", async () => {
    const provider = espeakProvider(VoiceSettings.parse({}).espeak);
    const spoken = spokenForm("The done bit turns on, and the motor starts. Then it stops.");
    const speech = await provider.speak!(spoken, signal);
    const dur = pcmDuration(speech.pcm);
    const [from, to] = voicedSpan(speech.pcm);
    expect(speech.words).toHaveLength(spoken.words.length);
    expect(speech.words[0]!.start).toBeCloseTo(from, 2);
    expect(speech.words.at(-1)!.end).toBeLessThanOrEqual(to + 0.011);
    expect(to).toBeLessThanOrEqual(dur);
    for (let i = 1; i < speech.words.length; i++) expect(speech.words[i]!.start).toBeGreaterThanOrEqual(speech.words[i - 1]!.end - 1e-9);
    // Each phrase after the first starts where its own audio becomes loud, not by a guess over the whole clip.
    const phraseStart = speech.words[spoken.words.indexOf("and")]!.start;
    const window = speech.pcm.samples.subarray(Math.round((phraseStart - 0.03) * speech.pcm.sampleRate), Math.round((phraseStart + 0.05) * speech.pcm.sampleRate));
    expect(Math.max(...Array.from(window, Math.abs))).toBeGreaterThan(327);
  });

  it("spreads words by syllables inside a span", () => {
    const t = placeInSpan(["a", "controller"], 0, 1);
    expect(t[1]!.end - t[1]!.start).toBeGreaterThan(2 * (t[0]!.end - t[0]!.start));
    expect(t[1]!.end).toBeCloseTo(1, 9);
  });
});

describe("a voice without word timings", () => {
  it("is spoken phrase by phrase, each phrase's words placed inside its own voiced span", async () => {
    const rate = 8000;
    const asked: string[] = [];
    // 0.1 s of silence, then 50 ms of tone per character.
    const synthesize = async (text: string) => {
      asked.push(text);
      const lead = 0.1 * rate;
      const samples = new Int16Array(lead + Math.round(text.length * 0.05 * rate));
      for (let i = lead; i < samples.length; i++) samples[i] = i % 2 ? 6000 : -6000;
      return { sampleRate: rate, channels: 1, samples };
    };
    const spoken = spokenForm("The rung goes true, and the timer counts.");
    const speech = await speakTimed({ name: "plain", voice: "v", cacheKey: {}, synthesize }, spoken, signal);
    expect(asked).toEqual(["The rung goes true,", "and the timer counts."]);
    const firstLen = 0.1 + "The rung goes true,".length * 0.05;
    expect(speech.words[0]!.start).toBeCloseTo(0.1, 2);
    expect(speech.words[4]!.start).toBeCloseTo(firstLen + 0.1, 2); // "and": where phrase 2 becomes loud
    expect(speech.words.at(-1)!.end).toBeCloseTo(pcmDuration(speech.pcm), 2);
  });
});

describe("captions from word times", () => {
  it("narrates with stored word times, and every cue starts within 150 ms of its first word, shows ≥ 0.8 s, ≤ 2 lines of ≤ 42", async () => {
    const s = VoiceSettings.parse({ elevenlabs: { voiceId: "voice-narrator", baseUrl: eleven.url } }).elevenlabs;
    const { narration } = await narrate(sampleScript(2), elevenLabsProvider(s, { ELEVENLABS_API_KEY: eleven.apiKey }), { artifactsDir: dir, signal });
    for (const clip of narration.clips) {
      expect(clip.words).toHaveLength(tokenize(clip.text).length);
      const stored = JSON.parse(await readFile(wordTimesPath(join(dir, clip.path)), "utf8"));
      expect(stored.words).toEqual(clip.words);
    }
    const cues = buildCues(narration.clips, 42);
    let t0 = 0;
    const starts: number[] = [];
    for (const clip of narration.clips) {
      for (const [start] of clip.words!) starts.push(t0 + start);
      t0 += clip.durationSec;
    }
    for (const c of cues) {
      const first = c.words[0]!;
      expect(Math.abs(c.start - first.start)).toBeLessThanOrEqual(0.15);
      expect(starts.some((s) => Math.abs(s - c.start) <= 0.15)).toBe(true);
      expect(c.end - c.start, c.text).toBeGreaterThanOrEqual(0.8);
      expect(c.lines.length).toBeLessThanOrEqual(2);
      for (const l of c.lines) expect(l.length).toBeLessThanOrEqual(42);
      expect(c.words.length).toBeGreaterThanOrEqual(2);
    }
    // The first cue of the hook starts when the voice does, after the answer's lead-in silence.
    expect(cues[0]!.start).toBeCloseTo(LEAD_SEC, 2);
  });

  it("speaks a clip again when its word times are missing from the cache", async () => {
    const s = VoiceSettings.parse({ elevenlabs: { voiceId: "voice-narrator", baseUrl: eleven.url } }).elevenlabs;
    const provider = elevenLabsProvider(s, { ELEVENLABS_API_KEY: eleven.apiKey });
    const first = await narrate(sampleScript(2), provider, { artifactsDir: dir, signal });
    expect(first.synthesised).toBe(0);
    await rm(wordTimesPath(join(dir, first.narration.clips[1]!.path)));
    const again = await narrate(sampleScript(2), provider, { artifactsDir: dir, signal });
    expect(again.synthesised).toBe(1);
    expect(again.narration.clips[1]!.words).toEqual(first.narration.clips[1]!.words);
  });
});
