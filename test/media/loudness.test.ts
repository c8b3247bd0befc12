/** Loudness normalisation in memory, checked against ffmpeg's own EBU R128 meter. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { integratedLoudness, normalizeLoudness } from "../../worker/media/loudness.ts";
import { encodeWav, type Pcm } from "../../worker/media/wav.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "media-loud-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Speech-like test signal: tone bursts of varying level with pauses, plus a few sharp peaks. */
function bursts(sampleRate: number, level: number): Pcm {
  const n = sampleRate * 8;
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const on = Math.floor(t * 3) % 4 !== 3; // pauses between "words"
    const env = on ? 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.7 * t) ** 2 : 0;
    const peak = i % Math.floor(sampleRate * 1.3) < 40 ? 3 : 1;
    samples[i] = Math.round(32767 * level * env * peak * Math.sin(2 * Math.PI * (180 + 60 * Math.sin(t)) * t));
  }
  return { sampleRate, channels: 1, samples };
}

describe("normalizeLoudness", () => {
  for (const [rate, level] of [
    [22050, 0.05],
    [24000, 0.3],
    [48000, 0.01],
  ] as const) {
    it(`brings ${rate} Hz audio at level ${level} to -14 LUFS as ffmpeg's ebur128 measures it, peaks under -1.5 dBFS`, async () => {
      const out = normalizeLoudness(bursts(rate, level), -14);
      expect(out.outputLufs).toBeCloseTo(-14, 0);
      const file = join(dir, `n-${rate}.wav`);
      await writeFile(file, encodeWav(out.pcm));
      expect(Math.abs((await integratedLoudness(file)) + 14)).toBeLessThan(0.5);
      const peak = out.pcm.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0) / 32768;
      expect(20 * Math.log10(peak)).toBeLessThanOrEqual(-1.49);
    });
  }

  it("refuses silence with a message that points at the voice settings", () => {
    expect(() => normalizeLoudness({ sampleRate: 22050, channels: 1, samples: new Int16Array(22050 * 2) }, -14)).toThrow(/silent.*voice settings/);
  });
});
