import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StepError } from "../../worker/pipeline/types.ts";
import { silentLogger } from "../../worker/log.ts";
import { REAUTH_MESSAGE, toStepError } from "../../worker/publish/errors.ts";
import { YouTubePublisher, type VideoUpload } from "../../worker/publish/youtube.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { fakeAuth, makeLessonFiles, memoryRecorder } from "./helpers.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");

let fake: FakeYouTube;
let dir: string;
let files: Awaited<ReturnType<typeof makeLessonFiles>>;

beforeEach(async () => {
  fake = new FakeYouTube();
  fake.now = () => NOW;
  await fake.start();
  dir = await mkdtemp(join(tmpdir(), "yt-"));
  files = await makeLessonFiles(dir);
});

afterEach(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

function publisher(): YouTubePublisher {
  return new YouTubePublisher({ auth: fakeAuth(fake), rootUrl: fake.rootUrl, chunkBytes: 256 * 1024, now: () => NOW, log: silentLogger });
}

function upload(): VideoUpload {
  return {
    videoFile: files.video,
    mimeType: "video/mp4",
    thumbnailFile: files.thumbnail,
    captionsFile: files.captions,
    title: "Ohm's law in five minutes",
    description: "Voltage, current, resistance.",
    tags: ["plc", "electricity"],
    privacy: "private",
    categoryId: "27",
    language: "en",
    madeForKids: false,
    playlist: { title: "PLC basics", description: "A course", privacy: "private" },
  };
}

describe("YouTubePublisher", () => {
  it("uploads a video privately with thumbnail, captions and a new course playlist", async () => {
    const rec = memoryRecorder();
    const out = await publisher().publish(upload(), rec, "yt");

    const videos = fake.uploadedVideos();
    expect(videos).toHaveLength(1);
    const video = videos[0]!;
    expect(out).toMatchObject({ videoId: video.id, privacy: "private", uploaded: true, url: `https://www.youtube.com/watch?v=${video.id}` });
    expect(video.bytes.equals(await readFile(files.video))).toBe(true);
    expect(video.snippet).toMatchObject({ title: "Ohm's law in five minutes", tags: ["plc", "electricity"], categoryId: "27" });
    expect(video.status).toMatchObject({ privacyStatus: "private", selfDeclaredMadeForKids: false });
    expect(fake.thumbnails.get(video.id)?.length).toBeGreaterThan(0);
    expect(fake.captions).toEqual([expect.objectContaining({ videoId: video.id, language: "en" })]);
    const playlists = [...fake.playlists.values()];
    expect(playlists.map((p) => p.snippet.title)).toEqual(["PLC basics"]);
    expect(out.playlistId).toBe(playlists[0]!.id);
    expect(fake.playlistItems).toEqual([expect.objectContaining({ playlistId: out.playlistId, videoId: video.id })]);
    // The session is recorded before the video id, and both before anything else.
    expect(rec.log.slice(0, 3)).toEqual(["yt.session", "yt.sessionStartedAt", "yt.videoId"]);
    expect(fake.problems).toEqual([]);
  });

  it("re-uploads nothing when run again with the recorded values (a redelivered job)", async () => {
    const rec = memoryRecorder();
    const first = await publisher().publish(upload(), rec, "yt");
    const requestsBefore = fake.log.length;
    const again = await publisher().publish(upload(), memoryRecorder(rec.recorded), "yt");

    expect(again).toMatchObject({ videoId: first.videoId, uploaded: false, playlistId: first.playlistId });
    expect(fake.uploadedVideos()).toHaveLength(1);
    expect(fake.captions).toHaveLength(1);
    expect(fake.playlistItems).toHaveLength(1);
    // Only the confirmation that the video still exists.
    expect(fake.log.slice(requestsBefore).filter((l) => l !== "POST /token")).toEqual([expect.stringMatching(/^GET \/youtube\/v3\/videos\?/)]);
    expect(fake.problems).toEqual([]);
  });

  it("resumes an upload whose connection was cut mid-way from the byte the server reports", async () => {
    const size = (await readFile(files.video)).length;
    const cutAt = Math.floor(size / 2);
    fake.nextPutFault = { kind: "cut", afterBytes: cutAt };

    const out = await publisher().publish(upload(), memoryRecorder(), "yt");

    expect(fake.uploadedVideos()).toHaveLength(1);
    expect(fake.uploadedVideos()[0]!.bytes.equals(await readFile(files.video))).toBe(true);
    const puts = fake.log.filter((l) => l.startsWith("PUT /upload/youtube/v3/videos"));
    expect(puts).toHaveLength(3); // the cut chunk, the status query, the rest
    expect(out.uploaded).toBe(true);
    expect(fake.problems).toEqual([]);
  });

  it("finds the finished video among the channel's uploads when the recorded session has expired", async () => {
    const rec = memoryRecorder();
    await publisher().publish({ ...upload(), thumbnailFile: undefined, captionsFile: undefined, playlist: null }, rec, "yt");
    const videoId = rec.recorded["yt.videoId"]!;
    // As if the worker died after the upload finished but before it recorded the id, and a week passed.
    delete rec.recorded["yt.videoId"];
    fake.expireSession(new URL(rec.recorded["yt.session"]!).searchParams.get("upload_id")!);

    const out = await publisher().publish(upload(), memoryRecorder(rec.recorded), "yt");

    expect(out).toMatchObject({ videoId, uploaded: false });
    expect(fake.uploadedVideos()).toHaveLength(1);
    expect(fake.problems).toEqual([]);
  });

  it("starts a new session when the recorded one expired before the video was complete", async () => {
    const size = (await readFile(files.video)).length;
    fake.nextPutFault = { kind: "hold", afterBytes: Math.floor(size / 2) };
    const held = fake.waitForHold();
    const stop = new AbortController();
    const rec = memoryRecorder();
    const first = new YouTubePublisher({ auth: fakeAuth(fake), rootUrl: fake.rootUrl, chunkBytes: 256 * 1024, now: () => NOW, log: silentLogger, signal: stop.signal })
      .publish(upload(), rec, "yt")
      .catch((e: unknown) => e);
    const sessionId = await held;
    stop.abort(new Error("shutting down"));
    // The in-flight PUT is abandoned at once; the abort's reason comes back, nothing is retried.
    expect(((await first) as Error).message).toMatch(/shutting down|aborted/);
    expect(rec.recorded["yt.videoId"]).toBeUndefined();
    fake.expireSession(sessionId);

    const out = await publisher().publish(upload(), memoryRecorder(rec.recorded), "yt");

    expect(out.uploaded).toBe(true);
    expect(fake.uploadedVideos()).toHaveLength(1);
    expect(fake.uploadedVideos()[0]!.bytes.equals(await readFile(files.video))).toBe(true);
    expect(fake.log.filter((l) => l.startsWith("POST /upload/youtube/v3/videos"))).toHaveLength(2);
    expect(fake.problems).toEqual([]);
  });

  it("makes a video public on approval, or schedules it with publishAt, keeping the rest of its status", async () => {
    const { videoId } = await publisher().publish(upload(), memoryRecorder(), "yt");

    await expect(publisher().approve(videoId, "2026-12-01T15:00:00.000Z")).resolves.toEqual({
      privacy: "private",
      publishAt: "2026-12-01T15:00:00.000Z",
    });
    expect(fake.videos.get(videoId)!.status).toMatchObject({ privacyStatus: "private", publishAt: "2026-12-01T15:00:00.000Z", selfDeclaredMadeForKids: false });

    await expect(publisher().approve(videoId, null)).resolves.toEqual({ privacy: "public" });
    expect(fake.videos.get(videoId)!.status.publishAt).toBeUndefined();
    expect(fake.problems).toEqual([]);
  });
});

describe("YouTube errors", () => {
  it("turns quotaExceeded into a retryable StepError due at the next midnight Pacific", async () => {
    fake.quotaExhausted = true;
    const err = await publisher().publish(upload(), memoryRecorder(), "yt").catch((e: unknown) => e);
    const stepError = toStepError(err, NOW, "uploading ohms-law");

    expect(stepError).toBeInstanceOf(StepError);
    expect(stepError.retryable).toBe(true);
    expect(new Date(stepError.retryAt!).toISOString()).toBe("2026-11-26T08:00:00.000Z");
    expect(stepError.message).toMatch(/quota/);
    expect(fake.uploadedVideos()).toHaveLength(0);
  });

  it("turns invalid_grant into the 'run factory youtube auth again' message, not retryable", async () => {
    fake.revokeRefreshToken = true;
    const err = await publisher().publish(upload(), memoryRecorder(), "yt").catch((e: unknown) => e);
    const stepError = toStepError(err, NOW, "uploading ohms-law");

    expect(stepError.retryable).toBe(false);
    expect(stepError.message).toBe(REAUTH_MESSAGE);
    expect(stepError.message).toContain("factory youtube auth");
    expect(stepError.message).not.toContain(fake.refreshToken);
    expect(fake.problems).toEqual([]);
  });
});
