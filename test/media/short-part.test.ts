/**
 * A script with a Short of its own: the Short is its own three narrated parts, rendered 9:16 with
 * its own sound at -14 LUFS, and the lesson leaves those parts out.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VideoScript, type MediaAssets } from "../../shared/models.ts";
import { integratedLoudness } from "../../worker/media/loudness.ts";
import { render, type RenderResult } from "../../worker/media/render.ts";
import { mediaSettings } from "../../worker/media/settings.ts";
import { espeakProvider } from "../../worker/media/tts/espeak.ts";
import { narrate } from "../../worker/media/tts/provider.ts";
import { probe } from "./probe.ts";
import { sampleScript } from "./sample-script.ts";

const { voice, video } = mediaSettings({});
const signal = new AbortController().signal;
const script = VideoScript.parse({
  ...sampleScript(),
  short: {
    title: "The TON timer in one idea",
    hook: "Why does a motor wait before it starts?",
    narration: "A TON timer counts while its rung is true, and turns its done bit on at the preset.",
    ending: "The full lesson is linked below.",
    visual: { kind: "timing", durationMs: 6000, signals: [{ name: "IN", points: [[0, 0], [1000, 1]] }, { name: "Q", points: [[0, 0], [4000, 1]] }] },
  },
});
let dir: string;
let narration: MediaAssets["narration"];
let result: RenderResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "short-part-"));
  narration = (await narrate(script, espeakProvider(voice.espeak), { artifactsDir: dir, signal })).narration;
  result = await render({ script, narration, video, artifactsDir: dir, signal });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a Short written as its own part", () => {
  it("is narrated as its own three parts after the lesson's", () => {
    expect(narration.clips.map((c) => c.part)).toEqual(["hook", "section-0", "section-1", "section-2", "outro", "short-hook", "short-body", "short-end"]);
  });

  it("renders 1080x1920 from exactly those parts, and the lesson without them", async () => {
    const shortSec = narration.clips.filter((c) => c.part.startsWith("short-")).reduce((s, c) => s + c.durationSec, 0);
    const lessonSec = narration.clips.filter((c) => !c.part.startsWith("short-")).reduce((s, c) => s + c.durationSec, 0);
    expect(result.shortSec).toBeCloseTo(shortSec, 3);
    expect(result.durationSec).toBeCloseTo(lessonSec, 3);
    const short = await probe(join(dir, result.files.short!));
    expect(short.streams.find((s) => s.codec_type === "video")).toMatchObject({ width: 1080, height: 1920 });
    expect(Math.abs(Number(short.format.duration) - shortSec)).toBeLessThan(0.1);
    const lesson = await probe(join(dir, result.files.lesson));
    expect(Math.abs(Number(lesson.format.duration) - lessonSec)).toBeLessThan(0.1);
  });

  it("has its own sound at -14 LUFS within 1 LU", async () => {
    expect(Math.abs((await integratedLoudness(join(dir, result.files.short!))) + 14)).toBeLessThanOrEqual(1);
  });
});
