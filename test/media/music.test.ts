/** Background music: looped under the whole lesson, ducked under the voice, loudness still on target. */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ffmpegPath } from "../../worker/media/ffmpeg.ts";
import { integratedLoudness } from "../../worker/media/loudness.ts";
import { render } from "../../worker/media/render.ts";
import { VideoSettings, VoiceSettings } from "../../worker/media/settings.ts";
import { espeakProvider } from "../../worker/media/tts/espeak.ts";
import { narrate } from "../../worker/media/tts/provider.ts";
import { probe } from "./probe.ts";
import { sampleScript } from "./sample-script.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "media-music-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it("mixes a short music file, looped, under the whole lesson and keeps -14 LUFS and the narration's length", async () => {
  const music = join(dir, "music.wav");
  // 4 s of a soft chord: shorter than the lesson, so it must loop.
  await promisify(execFile)(ffmpegPath(), ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=80:duration=4", "-f", "lavfi", "-i", "sine=frequency=330:duration=4", "-filter_complex", "amix=inputs=2", music]);
  const signal = new AbortController().signal;
  const script = sampleScript();
  const { narration } = await narrate(script, espeakProvider(VoiceSettings.parse({}).espeak), { artifactsDir: dir, signal });
  const video = VideoSettings.parse({ makeShort: false, music, musicVolumeDb: -3 });
  const r = await render({ script, narration, video, artifactsDir: dir, signal });
  const lesson = join(dir, r.files.lesson);
  const p = await probe(lesson);
  expect(Math.abs(Number(p.format.duration) - narration.totalSec)).toBeLessThan(0.1);
  expect(Math.abs((await integratedLoudness(lesson)) + 14)).toBeLessThanOrEqual(1);
  // The 80 Hz note is there, under the voice, from start to end: through a narrow band-pass the
  // lesson is far louder than the same lesson rendered without music.
  const plain = join(dir, (await render({ script, narration, video: { ...video, music: undefined }, artifactsDir: dir, signal })).files.lesson);
  const band = async (file: string) => {
    const out = join(dir, `band-${Math.random().toString(36).slice(2)}.wav`);
    await promisify(execFile)(ffmpegPath(), ["-v", "error", "-i", file, "-vn", "-af", "bandpass=f=80:width_type=q:w=20", out]);
    return integratedLoudness(out);
  };
  expect((await band(lesson)) - (await band(plain))).toBeGreaterThan(6);
});
