/**
 * End to end with real eSpeak NG and real ffmpeg: a short script becomes a lesson, a Short, a
 * thumbnail and captions that meet the upload spec, checked with ffprobe and ffmpeg's ebur128.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaAssets } from "../../shared/models.ts";
import { parseCueTimes } from "../../worker/media/captions.ts";
import { ffmpegPath } from "../../worker/media/ffmpeg.ts";
import { integratedLoudness } from "../../worker/media/loudness.ts";
import { MIN_HIGHLIGHT_SEC, render, type RenderResult } from "../../worker/media/render.ts";
import { mediaSettings } from "../../worker/media/settings.ts";
import { espeakProvider } from "../../worker/media/tts/espeak.ts";
import { narrate } from "../../worker/media/tts/provider.ts";
import { parseWav } from "../../worker/media/wav.ts";
import { voicedSpan } from "../../worker/media/word-timing.ts";
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

  it("writes SRT and WebVTT cues that start each part within 150 ms of its first voiced sound, without overlaps", async () => {
    const srt = parseCueTimes(await readFile(join(dir, result.files.captionsSrt), "utf8"));
    const vtt = await readFile(join(dir, result.files.captionsVtt), "utf8");
    expect(vtt.startsWith("WEBVTT\n")).toBe(true);
    expect(parseCueTimes(vtt)).toEqual(srt);
    let t = 0;
    for (const clip of narration.clips) {
      const [voiced] = voicedSpan(parseWav(await readFile(join(dir, clip.path))));
      const first = srt.find((c) => c.start >= t - 0.001 && c.start < t + clip.durationSec);
      expect(first, `a cue starts in ${clip.part}`).toBeDefined();
      expect(Math.abs(first!.start - (t + voiced)), `${clip.part}'s first cue vs its first sound`).toBeLessThanOrEqual(0.15);
      expect(clip.text.startsWith(first!.text.split(/\s/)[0]!)).toBe(true);
      t += clip.durationSec;
    }
    expect(srt.at(-1)!.end).toBeCloseTo(narration.totalSec, 2);
    for (let i = 1; i < srt.length; i++) {
      expect(srt[i]!.start).toBeGreaterThanOrEqual(srt[i - 1]!.end - 0.0005);
      expect(srt[i]!.start - srt[i - 1]!.end).toBeLessThan(0.5);
    }
    for (const c of srt) expect(c.text).not.toMatch(/[<>{}\\]/); // no markup in the files
  });

  it("burns the caption with the word being spoken in the accent colour, and the highlight moves with the words", async () => {
    // Section 0: its clip starts after the hook; pick two words on the first line of its first cue, far apart.
    const clip = narration.clips[1]!;
    const t0 = narration.clips[0]!.durationSec;
    const words = clip.words!;
    const band = { top: 850, height: 180 }; // the landscape caption band's rows
    /** x-range of accent-coloured pixels in the caption band of the lesson frame at `t`. */
    const accentColumns = async (t: number) => {
      const { stdout } = await promisify(execFile)(
        ffmpegPath(),
        ["-v", "error", "-ss", t.toFixed(3), "-i", join(dir, result.files.lesson), "-frames:v", "1", "-vf", `crop=1920:${band.height}:0:${band.top}`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        { encoding: "buffer", maxBuffer: 64 << 20 },
      );
      const xs: number[] = [];
      for (let i = 0; i < stdout.length; i += 3) {
        // The accent (#f59e0b) after yuv420p: strong red, mid green, little blue.
        if (stdout[i]! > 180 && stdout[i + 1]! > 100 && stdout[i + 1]! < 200 && stdout[i + 2]! < 90) xs.push((i / 3) % 1920);
      }
      return xs.length > 40 ? { from: Math.min(...xs), to: Math.max(...xs) } : null;
    };
    // Seeking gives the first frame at or after the time: just before a word starts, that is the
    // frame its highlight begins on. Words 2 and 4 ("timer", "counting") are long enough to get one.
    const at = (k: number) => t0 + words[k]![0] - 0.02;
    for (const k of [2, 4]) expect(words[k]![1] - words[k]![0]).toBeGreaterThan(MIN_HIGHLIGHT_SEC);
    const first = await accentColumns(at(2));
    const later = await accentColumns(at(4));
    expect(first, "a highlighted word when word 2 is spoken").not.toBeNull();
    expect(later, "a highlighted word when word 4 is spoken").not.toBeNull();
    expect(later!.from).toBeGreaterThan(first!.to); // word 4 is to the right of word 2 on the same line
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
