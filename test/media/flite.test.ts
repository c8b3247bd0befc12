import { describe, expect, it } from "vitest";
import { spokenForm } from "../../worker/media/spoken.ts";
import { speakTimed } from "../../worker/media/tts/provider.ts";
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
    const speech = await speakTimed(fliteProvider({ voice: "slt", rate: 1 }), spoken, signal);
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
