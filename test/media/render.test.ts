/**
 * End to end with real eSpeak NG and real ffmpeg: a short script becomes a lesson, a Short, a
 * thumbnail and captions that meet the upload spec, checked with ffprobe and ffmpeg's ebur128.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaAssets } from "../../shared/models.ts";
import { parseCueTimes } from "../../worker/media/captions.ts";
import { integratedLoudness } from "../../worker/media/loudness.ts";
import { render, type RenderResult } from "../../worker/media/render.ts";
import { mediaSettings } from "../../worker/media/settings.ts";
import { espeakProvider } from "../../worker/media/tts/espeak.ts";
import { narrate } from "../../worker/media/tts/provider.ts";
import { probe, topLevelBoxes } from "./probe.ts";
import { sampleScript } from "./sample-script.ts";

const { voice, video } = mediaSettings({});
let dir: string;
let narration: MediaAssets["narration"];
let result: RenderResult;
const signal = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "media-render-"));
  narration = (await narrate(sampleScript(), espeakProvider(voice.espeak), { artifactsDir: dir, signal })).narration;
  result = await render({ script: sampleScript(), narration, video, artifactsDir: dir, signal });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("render", () => {
  it("makes a 1920x1080 H.264 High yuv420p lesson with 48 kHz AAC-LC as long as the narration, moov first", async () => {
    const file = join(dir, result.files.lesson);
    const p = await probe(file);
    const v = p.streams.find((s) => s.codec_type === "video")!;
    const a = p.streams.find((s) => s.codec_type === "audio")!;
    expect([v.codec_name, v.profile, v.pix_fmt, v.width, v.height]).toEqual(["h264", "High", "yuv420p", 1920, 1080]);
    expect([a.codec_name, a.profile, a.sample_rate]).toEqual(["aac", "LC", "48000"]);
    for (const d of [p.format.duration, v.duration, a.duration]) expect(Math.abs(Number(d) - narration.totalSec)).toBeLessThan(0.1);
    const boxes = await topLevelBoxes(file);
    expect(boxes.indexOf("moov")).toBeGreaterThan(-1);
    expect(boxes.indexOf("moov")).toBeLessThan(boxes.indexOf("mdat"));
  });

  it("makes a 1080x1920 Short holding the hook and the whole sections that fit", async () => {
    const p = await probe(join(dir, result.files.short!));
    const v = p.streams.find((s) => s.codec_type === "video")!;
    expect([v.codec_name, v.profile, v.pix_fmt, v.width, v.height]).toEqual(["h264", "High", "yuv420p", 1080, 1920]);
    const expected = narration.clips.filter((c) => c.part !== "outro").reduce((s, c) => s + c.durationSec, 0);
    expect(result.shortSec).toBeCloseTo(expected, 3); // the sample is shorter than 60 s: everything but the outro
    for (const d of [p.format.duration, ...p.streams.map((s) => s.duration)]) expect(Math.abs(Number(d) - expected)).toBeLessThan(0.1);
  });

  it("normalises both videos to -14 LUFS integrated within 1 LU (measured by ebur128)", async () => {
    for (const f of [result.files.lesson, result.files.short!]) {
      expect(Math.abs((await integratedLoudness(join(dir, f))) + 14)).toBeLessThanOrEqual(1);
    }
  });

  it("writes SRT and WebVTT cues that start each part exactly where its narration starts", async () => {
    const srt = parseCueTimes(await readFile(join(dir, result.files.captionsSrt), "utf8"));
    const vtt = await readFile(join(dir, result.files.captionsVtt), "utf8");
    expect(vtt.startsWith("WEBVTT\n")).toBe(true);
    expect(parseCueTimes(vtt)).toEqual(srt);
    let t = 0;
    for (const clip of narration.clips) {
      const first = srt.find((c) => Math.abs(c.start - t) < 0.0015);
      expect(first, `a cue starts at ${t.toFixed(3)} s (${clip.part})`).toBeDefined();
      expect(clip.text.startsWith(first!.text.split(" ")[0]!)).toBe(true);
      t += clip.durationSec;
    }
    expect(srt.at(-1)!.end).toBeCloseTo(narration.totalSec, 2);
    for (let i = 1; i < srt.length; i++) expect(srt[i]!.start).toBeCloseTo(srt[i - 1]!.end, 3);
  });

  it("makes a 1280x720 PNG thumbnail", async () => {
    const png = await readFile(join(dir, result.files.thumbnail));
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 720]);
  });

  it("renders nothing the second time for the same inputs, and leaves no temp folders", async () => {
    const again = await render({ script: sampleScript(), narration, video, artifactsDir: dir, signal });
    expect(again.cached).toBe(true);
    expect(again.files).toEqual(result.files);
    expect(await readdir(join(dir, "media", "ton-timer"))).toHaveLength(1);
  });

  it("reuses every narration clip when only slide text changes", async () => {
    const script = sampleScript();
    script.sections[0]!.heading = "What an on-delay timer does";
    const n = await narrate(script, espeakProvider(voice.espeak), { artifactsDir: dir, signal });
    expect(n.synthesised).toBe(0);
    expect(n.narration).toEqual(narration);
  });
});
