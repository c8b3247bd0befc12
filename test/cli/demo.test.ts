import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { probe } from "../media/probe.ts";

const CLI = resolve("bin/factory.mjs");

function demo(dir: string, out: string) {
  // The demo must work without any key: hide the ones a developer may have set.
  const env = { ...process.env, ANTHROPIC_API_KEY: "", ELEVENLABS_API_KEY: "", GOOGLE_TTS_API_KEY: "" };
  const r = spawnSync(process.execPath, [CLI, "demo", "--dir", dir, "--out", out, "--atoms", "1"], {
    encoding: "utf8",
    env,
    timeout: 300_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("npm run demo", () => {
  it("makes real, playable lessons end to end, then skips every step on a second run", { timeout: 600_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), "demo-"));
    const dir = join(root, "state");
    const out = join(root, "published");

    const first = demo(dir, out);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/Job \S+: done\. 5 step\(s\) ran, 0 skipped as unchanged\./);
    const videos = [...first.out.matchAll(/^ {2}(\S+lesson\.mp4)/gm)].map((m) => join(out, m[1]!));
    expect(videos).toHaveLength(1);
    // Its Short, 1080×1920, beside it.
    const short = await probe(videos[0]!.replace(/lesson\.mp4$/, "short.mp4"));
    expect(short.streams.find((st) => st.codec_type === "video")).toMatchObject({ width: 1080, height: 1920 });
    for (const file of videos) {
      const info = await probe(file);
      const video = info.streams.find((s) => s.codec_type === "video");
      const audio = info.streams.find((s) => s.codec_type === "audio");
      expect(video).toMatchObject({ codec_name: "h264", width: 1920, height: 1080, pix_fmt: "yuv420p" });
      expect(audio).toMatchObject({ codec_name: "aac", sample_rate: "48000" });
      expect(Number(info.format.duration)).toBeGreaterThan(10);
    }

    const second = demo(dir, out);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/Job \S+: done\. 0 step\(s\) ran, 5 skipped as unchanged\./);
    expect(second.out).toContain("(unchanged since the last run)");
  });
});

describe("the demo's parts", () => {
  it("uses the offline writer and voice with no keys, and any real key that is set", async () => {
    const { demoParts } = await import("../../worker/demo/run-demo.ts");
    expect(demoParts({})).toMatchObject({ writer: "offline writer", voice: { provider: "flite" } });
    expect(demoParts({ ANTHROPIC_API_KEY: "k" }).writer).toMatch(/Claude/);
    expect(demoParts({ GOOGLE_TTS_API_KEY: "k" }).voice).toEqual({ provider: "google" });
    expect(demoParts({ ELEVENLABS_API_KEY: "k" }).voice).toEqual({ provider: "flite" }); // no voice id yet
    expect(demoParts({ ELEVENLABS_API_KEY: "k", ELEVENLABS_VOICE_ID: "v1" }).voice).toEqual({
      provider: "elevenlabs",
      elevenlabs: { voiceId: "v1" },
    });
  });
});
