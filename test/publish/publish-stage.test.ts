import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "../../worker/ledger.ts";
import { saveRefreshToken } from "../../worker/publish/oauth.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { makeLessonFiles, writeClientFile } from "./helpers.ts";
import { ATOM, runOnce } from "./pipeline-fixture.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z"); // 02:00 in Los Angeles
const now = () => NOW;

let fake: FakeYouTube;
let workDir: string;
let settings: Record<string, unknown>;

beforeEach(async () => {
  fake = new FakeYouTube();
  fake.now = now;
  await fake.start();
  workDir = await mkdtemp(join(tmpdir(), "publish-stage-"));
  await makeLessonFiles(join(workDir, "artifacts", "lesson"));
  const clientFile = join(workDir, "secrets", "client_secret.json");
  const tokenFile = join(workDir, "secrets", "token.json");
  await saveRefreshToken(tokenFile, fake.refreshToken, undefined, new Date(NOW));
  await writeClientFile(clientFile, fake);
  settings = {
    publish: {
      target: "youtube",
      youtube: { clientFile, tokenFile, rootUrl: fake.rootUrl, tokenUrl: fake.tokenUrl, chunkBytes: 256 * 1024 },
    },
  };
});

afterEach(async () => {
  await fake.stop();
  await rm(workDir, { recursive: true, force: true });
});

function publishRuns() {
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  try {
    return ledger.listStepRuns({ kind: "publish" });
  } finally {
    ledger.close();
  }
}

describe("publish stage → YouTube", () => {
  it("uploads once, records videoId, playlistId and the review state, and skips on the next run", async () => {
    const first = await runOnce({ workDir, settings, now });
    expect(first.kind).toBe("completed");

    const [run] = publishRuns();
    const video = fake.uploadedVideos()[0]!;
    expect(run).toMatchObject({
      key: `publish:${ATOM}`,
      state: "done",
      output: {
        external: { videoId: video.id, playlistId: [...fake.playlists.keys()][0] },
        data: { url: `https://www.youtube.com/watch?v=${video.id}`, privacy: "private" },
      },
    });
    expect(run!.recorded["yt.videoId"]).toBe(video.id);
    // `<` and `>` are refused by YouTube, so the description was cleaned.
    expect(video.snippet.description).toBe("Voltage, current, resistance ‹explained›.");

    const requests = fake.log.length;
    const second = await runOnce({ workDir, settings, now });
    expect(second.kind).toBe("completed");
    expect(second.kind === "completed" && second.result.skipped).toBe(3);
    expect(fake.log.length).toBe(requests);
    expect(fake.problems).toEqual([]);
  });

  it("makes exactly one video when the worker is SIGKILLed mid-upload and started again", async () => {
    const size = (await readFile(join(workDir, "artifacts", "lesson", "lesson.mp4"))).length;
    fake.nextPutFault = { kind: "hold", afterBytes: Math.floor(size / 3) };
    const held = fake.waitForHold();
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "publish-child.ts"), JSON.stringify({ workDir, settings })], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let childErr = "";
    child.stderr.on("data", (d: Buffer) => (childErr += d.toString()));
    const exited = once(child, "exit");
    await Promise.race([held, exited.then(() => Promise.reject(new Error(`child exited early: ${childErr}`)))]);

    // The session URI is in the ledger before the bytes flow.
    const [running] = publishRuns();
    expect(running).toMatchObject({ state: "running" });
    expect(running!.recorded["yt.session"]).toMatch(/upload_id=/);
    child.kill("SIGKILL");
    const [, signal] = await exited;
    expect(signal).toBe("SIGKILL");

    const outcome = await runOnce({ workDir, settings, now });
    expect(outcome.kind).toBe("completed");
    expect(fake.uploadedVideos()).toHaveLength(1);
    expect(fake.uploadedVideos()[0]!.bytes.equals(await readFile(join(workDir, "artifacts", "lesson", "lesson.mp4")))).toBe(true);
    expect(fake.log.filter((l) => l.startsWith("POST /upload/youtube/v3/videos"))).toHaveLength(1);
    expect(publishRuns()[0]!.output?.external?.videoId).toBe(fake.uploadedVideos()[0]!.id);
    expect(fake.problems).toEqual([]);
  });

  it("fails as retryable with the next run at midnight Pacific when the quota is used up", async () => {
    fake.quotaExhausted = true;
    const outcome = await runOnce({ workDir, settings, now });

    expect(outcome).toMatchObject({ kind: "failed", retryable: true, retryAt: Date.parse("2026-11-26T08:00:00Z") });
    expect(outcome.kind === "failed" && outcome.error).toMatch(/quota/);
    expect(fake.uploadedVideos()).toHaveLength(0);
  });

  it("fails, not retryable, telling the owner to run factory youtube auth again on invalid_grant", async () => {
    fake.revokeRefreshToken = true;
    const outcome = await runOnce({ workDir, settings, now });

    expect(outcome).toMatchObject({ kind: "failed", retryable: false });
    expect(outcome.kind === "failed" && outcome.error).toMatch(/invalid_grant.*7 days.*Run `factory youtube auth` again/s);
    expect(outcome.kind === "failed" && outcome.error).not.toContain(fake.refreshToken);
  });

  it("says to sign in first when no token was saved", async () => {
    await rm(join(workDir, "secrets", "token.json"));
    const outcome = await runOnce({ workDir, settings, now });

    expect(outcome).toMatchObject({ kind: "failed", retryable: false });
    expect(outcome.kind === "failed" && outcome.error).toMatch(/Not signed in to YouTube.*Run `factory youtube auth`/);
    expect(fake.log).toEqual([]);
  });
});

describe("publish stage → local folder", () => {
  it("writes video, captions, thumbnail and metadata under <folder>/<course>/<atom>/, private", async () => {
    const folder = join(workDir, "out", "published");
    const outcome = await runOnce({ workDir, settings: { publish: { target: "local", folder } }, now });
    expect(outcome.kind).toBe("completed");

    const dir = join(folder, "plc-basics", ATOM);
    expect((await readdir(dir)).sort()).toEqual(["captions.srt", "lesson.mp4", "metadata.json", "thumbnail.png"]);
    const meta = JSON.parse(await readFile(join(dir, "metadata.json"), "utf8"));
    expect(meta).toMatchObject({ atomId: ATOM, courseId: "plc-basics", title: "Ohm's law in five minutes", privacy: "private", publishedAt: "2026-11-25T10:00:00.000Z" });
    expect(publishRuns()[0]!.output).toMatchObject({
      external: { videoId: `local:plc-basics/${ATOM}` },
      data: { privacy: "private", url: expect.stringMatching(/^file:.*lesson\.mp4$/) },
    });
    expect(fake.log).toEqual([]);
  });
});
