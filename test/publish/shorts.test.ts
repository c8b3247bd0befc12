import { copyFile, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MediaAssets, VideoScript } from "../../shared/models.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { approvePublished, listPublished } from "../../worker/commands/publish.ts";
import { saveRefreshToken } from "../../worker/publish/oauth.ts";
import { publishedLessons } from "../../worker/publish/review.ts";
import { runPipeline } from "../../worker/pipeline/runner.ts";
import { stepKey, type Stage } from "../../worker/pipeline/types.ts";
import { publishStage } from "../../worker/steps/publish-stage.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { makeLessonFiles, writeClientFile } from "./helpers.ts";
import { ATOM, kb, media, script } from "./pipeline-fixture.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const now = () => NOW;

const withShort: VideoScript = {
  ...script,
  short: { title: "Ohm's law in one breath", hook: "One rule explains every burnt resistor.", narration: "Voltage equals current times resistance.", ending: "The full lesson is linked below." },
};
const shortMedia: MediaAssets = { ...media, short: "lesson/short.mp4" };

const upstream: Stage = {
  name: "upstream",
  plan: () => [
    { key: stepKey.script(ATOM), kind: "write-script", version: 1, dependsOn: [], inputs: () => withShort, run: async () => ({ data: withShort }) },
    { key: stepKey.render(ATOM), kind: "render", version: 1, dependsOn: [], inputs: () => shortMedia, run: async () => ({ data: shortMedia }) },
  ],
};

let fake: FakeYouTube;
let workDir: string;

beforeEach(async () => {
  fake = new FakeYouTube();
  fake.now = now;
  await fake.start();
  workDir = await mkdtemp(join(tmpdir(), "shorts-"));
  const files = await makeLessonFiles(join(workDir, "artifacts", "lesson"));
  await copyFile(files.video, join(workDir, "artifacts", "lesson", "short.mp4"));
});

afterEach(async () => {
  await fake.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function run(settings: Record<string, unknown>) {
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  try {
    const outcome = await runPipeline({
      job: null,
      snapshot: { dir: workDir, sha: null, repository: "local", branch: "main", changes: null },
      stages: [upstream, publishStage({ now })],
      ledger, settings, workDir,
      loadKb: async () => ({ kb, problems: null }),
      log: silentLogger,
      signal: new AbortController().signal,
      now,
    });
    return { outcome, lessons: publishedLessons(ledger.listStepRuns({ kind: "publish" })) };
  } finally {
    ledger.close();
  }
}

async function youtubeSettings() {
  const clientFile = join(workDir, "secrets", "client_secret.json");
  const tokenFile = join(workDir, "secrets", "token.json");
  await saveRefreshToken(tokenFile, fake.refreshToken, undefined, new Date(NOW));
  await writeClientFile(clientFile, fake);
  return { publish: { target: "youtube", youtube: { clientFile, tokenFile, rootUrl: fake.rootUrl, tokenUrl: fake.tokenUrl, chunkBytes: 256 * 1024 } } };
}

describe("Shorts are published with their lesson", () => {
  it("uploads the Short as its own private video pointing to the lesson, and links it from the lesson, once", async () => {
    const settings = await youtubeSettings();
    const first = await run(settings);
    expect(first.outcome.kind).toBe("completed");
    const videos = fake.uploadedVideos();
    expect(videos).toHaveLength(2);
    const lesson = videos.find((v) => !v.snippet.title.includes("#Shorts"))!;
    const short = videos.find((v) => v.snippet.title.includes("#Shorts"))!;
    expect(short.snippet.title).toBe("Ohm's law in one breath #Shorts");
    expect(short.snippet.description).toContain(`Full lesson: https://www.youtube.com/watch?v=${lesson.id}`);
    expect(short.status.privacyStatus).toBe("private");
    expect(fake.videos.get(lesson.id)!.snippet.description).toContain(`Short version: https://www.youtube.com/watch?v=${short.id}`);
    expect(first.lessons[0]).toMatchObject({ videoId: lesson.id, shortVideoId: short.id });

    // A redelivered job re-uploads nothing and links nothing twice.
    const second = await run(settings);
    expect(second.outcome.kind).toBe("completed");
    expect(fake.uploadedVideos()).toHaveLength(2);
    expect(fake.snippetUpdates).toBe(1);
  });

  it("approving the lesson makes its Short public with it", async () => {
    const settings = await youtubeSettings();
    await run(settings);
    const report = await approvePublished({ workDir, settings, now }, ATOM, {});
    expect(report).toMatch(/and its Short/);
    // Both uploads count against today's quota.
    expect(await listPublished({ workDir, settings, now })).toMatch(/1 lesson\(s\) and 1 Short\(s\) uploaded, 2 of 100 uploads/);
    expect(fake.uploadedVideos().map((v) => v.status.privacyStatus)).toEqual(["public", "public"]);
  });

  it("leaves the Short out when publish.youtube.shorts is false", async () => {
    const settings = await youtubeSettings();
    (settings.publish.youtube as Record<string, unknown>).shorts = false;
    await run(settings);
    expect(fake.uploadedVideos()).toHaveLength(1);
  });

  it("writes the Short beside its lesson in the local publish folder", async () => {
    const folder = join(workDir, "published");
    await run({ publish: { target: "local", folder } });
    const lessonDir = join(folder, "plc-basics", ATOM);
    expect((await readdir(lessonDir)).sort()).toEqual(["captions.srt", "lesson.mp4", "metadata.json", "short.mp4", "thumbnail.png"]);
    const meta = JSON.parse(await readFile(join(lessonDir, "metadata.json"), "utf8"));
    expect(meta.files.short).toBe("short.mp4");
  });
});
