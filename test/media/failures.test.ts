/**
 * Broken inputs fail with a message that says what to do, and leave no half-written artifact:
 * nothing under media/<atom>, not even a temp folder.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MediaAssets } from "../../shared/models.ts";
import { FfmpegError } from "../../worker/media/ffmpeg.ts";
import { FontError } from "../../worker/media/fonts.ts";
import { render } from "../../worker/media/render.ts";
import { mediaSettings, VideoSettings } from "../../worker/media/settings.ts";
import { espeakProvider } from "../../worker/media/tts/espeak.ts";
import { narrate } from "../../worker/media/tts/provider.ts";
import { sampleScript } from "./sample-script.ts";

const { voice } = mediaSettings({});
const video = VideoSettings.parse({ makeShort: false });
let dir: string;
let narration: MediaAssets["narration"];
const signal = new AbortController().signal;
const savedFfmpeg = process.env.FFMPEG_PATH;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "media-fail-"));
  narration = (await narrate(sampleScript(), espeakProvider(voice.espeak), { artifactsDir: dir, signal })).narration;
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  if (savedFfmpeg === undefined) delete process.env.FFMPEG_PATH;
  else process.env.FFMPEG_PATH = savedFfmpeg;
});

async function mediaLeftovers(artifactsDir: string): Promise<string[]> {
  const atomDir = join(artifactsDir, "media", "ton-timer");
  return existsSync(atomDir) ? readdir(atomDir) : [];
}

describe("render failures", () => {
  it("names a missing font file and how to fix it, before touching the disk", async () => {
    const bad = VideoSettings.parse({ makeShort: false, style: { fontRegular: join(dir, "nope.ttf") } });
    const err = await render({ script: sampleScript(), narration, video: bad, artifactsDir: dir, signal }).catch((e) => e);
    expect(err).toBeInstanceOf(FontError);
    expect(err.message).toContain("nope.ttf");
    expect(err.message).toContain("video.style.fontRegular");
    expect(await mediaLeftovers(dir)).toEqual([]);
  });

  it("refuses a file that is not a font", async () => {
    const fake = join(dir, "fake.ttf");
    await writeFile(fake, "not a font at all");
    const bad = VideoSettings.parse({ style: { fontRegular: fake } });
    await expect(render({ script: sampleScript(), narration, video: bad, artifactsDir: dir, signal })).rejects.toThrow(/not a TrueType\/OpenType font/);
  });

  it("says when the artifacts folder cannot be written", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "");
    // A folder under a regular file cannot exist, even for root.
    const err = await render({ script: sampleScript(), narration, video, artifactsDir: join(file, "artifacts"), signal }).catch((e) => e);
    expect(err.message).toMatch(/Cannot write the render to .*a-file.*WORK_DIR/);
  });

  it("says when ffmpeg is missing and leaves no half-written artifact", async () => {
    process.env.FFMPEG_PATH = join(dir, "no-ffmpeg-here");
    const err = await render({ script: sampleScript(), narration, video, artifactsDir: dir, signal }).catch((e) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect(err.message).toContain("FFMPEG_PATH");
    expect(await mediaLeftovers(dir)).toEqual([]);
  });

  it("stops ffmpeg when aborted and leaves no half-written artifact", async () => {
    const ac = new AbortController();
    const run = render({
      script: sampleScript(),
      narration,
      video,
      artifactsDir: dir,
      signal: ac.signal,
      onProgress: (_f, msg) => {
        if (msg.startsWith("encoding")) ac.abort(new Error("shutting down"));
      },
    });
    await expect(run).rejects.toThrow("shutting down");
    expect(await mediaLeftovers(dir)).toEqual([]);
  });

  it("says when narration cannot be written", async () => {
    const file = join(dir, "another-file");
    await writeFile(file, "");
    const run = narrate(sampleScript(), espeakProvider(voice.espeak), { artifactsDir: join(file, "artifacts"), signal });
    await expect(run).rejects.toThrow(/Cannot write narration to .*another-file.*WORK_DIR/);
  });

  it("names a missing music file", async () => {
    const bad = VideoSettings.parse({ music: join(dir, "missing.mp3") });
    await expect(render({ script: sampleScript(), narration, video: bad, artifactsDir: dir, signal })).rejects.toThrow(/Music file .*missing\.mp3 not found/);
  });
});
