import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../worker/config.ts";
import { checkFfmpeg, machineProbes, parseFfmpegVersion } from "../../worker/doctor/checks.ts";
import { ffmpegPath } from "../../worker/media/ffmpeg.ts";

const config = loadConfig({ cwd: mkdtempSync(join(tmpdir(), "doctor-ffmpeg-")), env: {} });

describe("doctor says which ffmpeg renders", () => {
  it("names the npm build, its version, its year and its path", async () => {
    const probes = { ...machineProbes(config, () => ffmpegPath({ FACTORY_FFMPEG: "npm" })), env: {} };
    const r = await checkFfmpeg(probes);
    expect(r.name).toBe("ffmpeg");
    expect(r.status === "ok" || r.status === "warn").toBe(true);
    expect(r.detail).toMatch(/^\S+ \(built \d{4}\), from npm: .*ffmpeg-installer.*ffmpeg$/);
  });

  it("points at a newer ffmpeg on PATH when the npm one is older", async () => {
    const runs: string[] = [];
    const probes = {
      ...machineProbes(config, () => "/x/node_modules/@ffmpeg-installer/linux-x64/ffmpeg"),
      env: {},
      run: async (cmd: string) => {
        runs.push(cmd);
        return cmd === "ffmpeg"
          ? { code: 0, out: "ffmpeg version 7.1.1 Copyright (c) 2000-2025 the FFmpeg developers\n" }
          : { code: 0, out: "ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018 the FFmpeg developers\n" };
      },
    };
    const r = await checkFfmpeg(probes);
    expect(runs).toEqual(["/x/node_modules/@ffmpeg-installer/linux-x64/ffmpeg", "ffmpeg"]);
    expect(r).toMatchObject({ status: "warn", detail: "N-47683-g0e8eb07980-static (built 2018), from npm: /x/node_modules/@ffmpeg-installer/linux-x64/ffmpeg" });
    expect(r.fix).toContain("A newer ffmpeg 7.1.1 (built 2025) is on PATH");
    expect(r.fix).toContain("FFMPEG_PATH=ffmpeg");
  });

  it("the worker renders with a newer ffmpeg on PATH, and keeps the npm build for an older one or when told", () => {
    const newer = () => "ffmpeg version 7.1.1 Copyright (c) 2000-2025 the FFmpeg developers\n";
    const older = () => "ffmpeg version 3.4 Copyright (c) 2000-2017 the FFmpeg developers\n";
    expect(ffmpegPath({}, newer)).toBe("ffmpeg");
    expect(ffmpegPath({}, older)).toMatch(/ffmpeg-installer/);
    expect(ffmpegPath({}, () => null)).toMatch(/ffmpeg-installer/);
    expect(ffmpegPath({ FACTORY_FFMPEG: "npm" }, newer)).toMatch(/ffmpeg-installer/);
    expect(ffmpegPath({ FFMPEG_PATH: "/opt/ff" }, newer)).toBe("/opt/ff");
  });

  it("reads the version and the year from ffmpeg's banner", () => {
    expect(parseFfmpegVersion("ffmpeg version 6.1.1-3ubuntu5 Copyright (c) 2000-2023 the FFmpeg developers")).toEqual({ version: "6.1.1-3ubuntu5", year: 2023 });
    expect(parseFfmpegVersion("not ffmpeg")).toBeNull();
  });
});
