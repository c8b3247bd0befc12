import { describe, expect, it } from "vitest";
import { spokenForm } from "../../worker/media/spoken.ts";
import { fliteProvider } from "../../worker/media/tts/flite.ts";
import { pcmDuration } from "../../worker/media/wav.ts";

const signal = new AbortController().signal;

describe("the Flite voice (offline, from npm)", () => {
  it("speaks a sentence as 16-bit mono PCM of a plausible length", async () => {
    const pcm = await fliteProvider({ voice: "slt", rate: 1 }).synthesize("A relay coil draws zero point one amps.", signal);
    expect(pcm.channels).toBe(1);
    expect(pcm.sampleRate).toBeGreaterThanOrEqual(16000);
    expect(pcmDuration(pcm)).toBeGreaterThan(1.2);
    expect(pcmDuration(pcm)).toBeLessThan(5);
  });

  it("times every spoken word in order, inside the audio", async () => {
    const spoken = spokenForm("Press Start, then wait T#5s before you check Timer1.ACC.");
    const speech = await fliteProvider({ voice: "slt", rate: 1 }).speak!(spoken, signal);
    expect(speech.words).toHaveLength(spoken.words.length);
    const total = pcmDuration(speech.pcm);
    let last = 0;
    for (const w of speech.words) {
      expect(w.start).toBeGreaterThanOrEqual(last - 1e-9);
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.end).toBeLessThanOrEqual(total + 1e-9);
      last = w.start;
    }
  });

  it("a faster rate makes shorter speech", async () => {
    const text = "The scan cycle reads inputs, runs the program and writes outputs.";
    const normal = pcmDuration(await fliteProvider({ voice: "slt", rate: 1 }).synthesize(text, signal));
    const fast = pcmDuration(await fliteProvider({ voice: "slt", rate: 1.25 }).synthesize(text, signal));
    expect(fast).toBeLessThan(normal * 0.9);
  });

  it("names the voices it has when asked for one it does not", async () => {
    expect(() => fliteProvider({ voice: "nobody" as "slt", rate: 1 })).toThrow(/use one of slt, rms/);
  });
});

describe("Flite word times from its own pauses", () => {
  it("places each clause's words between the pauses flite reports, in one run per part", async () => {
    const { timesFromSegments, parseSegments } = await import("../../worker/media/tts/flite.ts");
    const segs = parseSegments("pau:0.2 hh:0.3 ax:0.4 l:0.5 ow:0.6 pau:1.0 w:1.1 er:1.2 l:1.3 d:1.5 pau:1.7");
    const pcm = { sampleRate: 16000, channels: 1, samples: new Int16Array(16000 * 2) };
    const times = timesFromSegments(["Hello,", "big", "world."], segs, pcm);
    expect(times[0]!.start).toBeCloseTo(0.2, 5);
    expect(times[0]!.end).toBeCloseTo(0.6, 5);
    expect(times[1]!.start).toBeCloseTo(1.0, 5);
    expect(times[2]!.end).toBeCloseTo(1.5, 5);
  });

  it("times a real part with its clauses in order", async () => {
    const spoken = spokenForm("Press Start, then wait T#5s. The motor runs, and the lamp turns on.");
    const speech = await fliteProvider({ voice: "slt", rate: 1 }).speak!(spoken, signal);
    const starts = speech.words.map((w) => w.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(speech.words.at(-1)!.end).toBeLessThanOrEqual(pcmDuration(speech.pcm) + 1e-9);
  });
});
