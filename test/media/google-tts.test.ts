/** The Google provider through the real googleapis client against the loopback fake. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VoiceSettings } from "../../worker/media/settings.ts";
import { TtsError } from "../../worker/media/tts/errors.ts";
import { googleProvider, ssmlChunks } from "../../worker/media/tts/google.ts";
import { pcmDuration } from "../../worker/media/wav.ts";
import { FakeGoogleTts, SECONDS_PER_CHAR } from "../fakes/google-tts.ts";

const fake = new FakeGoogleTts();
const signal = new AbortController().signal;
beforeAll(() => fake.start());
afterAll(() => fake.stop());

function provider(key = fake.apiKey) {
  const s = VoiceSettings.parse({ provider: "google", google: { voice: "en-US-Neural2-F", rootUrl: fake.url } }).google;
  return googleProvider(s, { GOOGLE_TTS_API_KEY: key });
}

describe("Google Text-to-Speech", () => {
  it("sends escaped SSML with the configured voice and LINEAR16, and returns the audio's real duration", async () => {
    const text = "Ohm's law: V = I × R. Current & voltage <rise> together.";
    const pcm = await provider().synthesize(text, signal);
    const req = fake.requests.at(-1)!;
    expect(req.ssml).toBe("<speak>Ohm&apos;s law: V = I × R. Current &amp; voltage &lt;rise&gt; together.</speak>");
    expect(req.voice).toEqual({ languageCode: "en-US", name: "en-US-Neural2-F" });
    expect(req.audioConfig).toMatchObject({ audioEncoding: "LINEAR16", sampleRateHertz: 24000, speakingRate: 1, pitch: 0 });
    const spoken = req.ssml.replace(/<[^>]+>/g, "").length;
    expect(pcmDuration(pcm)).toBeCloseTo(spoken * SECONDS_PER_CHAR, 3);
    expect(fake.problems).toEqual([]);
  });

  it("splits long text at sentence ends into requests under 5,000 bytes and joins them in order", async () => {
    const sentence = "Each rung of ladder logic is evaluated from left to right, top to bottom, every scan. ";
    const text = sentence.repeat(150); // ~13 kB
    const before = fake.requests.length;
    const pcm = await provider().synthesize(text, signal);
    const sent = fake.requests.slice(before);
    expect(sent.length).toBe(ssmlChunks(text).length);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    for (const r of sent) {
      expect(Buffer.byteLength(r.ssml)).toBeLessThanOrEqual(5000);
      expect(r.ssml).toMatch(/every scan\.<\/speak>$/); // cut at a sentence end
    }
    expect(sent.map((r) => r.ssml.replace(/<\/?speak>/g, "")).join(" ")).toBe(text.trim());
    const chars = sent.reduce((n, r) => n + r.ssml.replace(/<[^>]+>/g, "").length, 0);
    expect(pcmDuration(pcm)).toBeCloseTo(chars * SECONDS_PER_CHAR, 2);
    expect(fake.problems).toEqual([]);
  });

  it("fades each join so chunks meet at silence instead of clicking", async () => {
    const pcm = await provider().synthesize("First sentence here. ".repeat(300), signal);
    const first = ssmlChunks("First sentence here. ".repeat(300))[0]!.replace(/<[^>]+>/g, "").length;
    const join = Math.round(first * SECONDS_PER_CHAR * 24000);
    expect(Math.abs(pcm.samples[join - 1]!)).toBeLessThan(200);
    expect(Math.abs(pcm.samples[join]!)).toBeLessThan(200);
  });

  it("turns a refused key into a non-retryable error naming the variable, and a 500 into a retryable one", async () => {
    const denied = await provider("wrong-key").synthesize("Hello.", signal).catch((e) => e);
    expect(denied).toBeInstanceOf(TtsError);
    expect(denied.retryable).toBe(false);
    expect(denied.message).toContain("GOOGLE_TTS_API_KEY");
    expect(denied.message).not.toContain("wrong-key");
    fake.failNext.push(500);
    const flaky = await provider().synthesize("Hello.", signal).catch((e) => e);
    expect(flaky).toBeInstanceOf(TtsError);
    expect(flaky.retryable).toBe(true);
  });
});
