import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { approvePublished, listPublished } from "../../worker/commands/publish.ts";
import { readLocalMetadata } from "../../worker/publish/local.ts";
import { saveRefreshToken } from "../../worker/publish/oauth.ts";
import { parsePublishTime } from "../../worker/publish/review.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { makeLessonFiles, writeClientFile } from "./helpers.ts";
import { ATOM, runOnce } from "./pipeline-fixture.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const now = () => NOW;

let fake: FakeYouTube;
let workDir: string;

beforeEach(async () => {
  fake = new FakeYouTube();
  fake.now = now;
  await fake.start();
  workDir = await mkdtemp(join(tmpdir(), "review-"));
  await makeLessonFiles(join(workDir, "artifacts", "lesson"));
});

afterEach(async () => {
  await fake.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function youtubeSettings(): Promise<Record<string, unknown>> {
  const clientFile = join(workDir, "client.json");
  const tokenFile = join(workDir, "token.json");
  await writeClientFile(clientFile, fake);
  await saveRefreshToken(tokenFile, fake.refreshToken, undefined, new Date(NOW));
  return { publish: { target: "youtube", youtube: { clientFile, tokenFile, rootUrl: fake.rootUrl, tokenUrl: fake.tokenUrl } } };
}

describe("factory publish list / approve", () => {
  it("lists a private YouTube upload as awaiting review, and schedules it on approve --at", async () => {
    const settings = await youtubeSettings();
    expect((await runOnce({ workDir, settings, now })).kind).toBe("completed");
    const env = { workDir, settings, now };
    const videoId = fake.uploadedVideos()[0]!.id;

    const list = await listPublished(env);
    expect(list).toContain(`awaiting review ${ATOM}`);
    expect(list).toContain(`https://www.youtube.com/watch?v=${videoId}`);
    expect(list).toMatch(/1 lesson\(s\) wait for review/);

    const report = await approvePublished(env, ATOM, { at: "2026-12-01T15:00:00Z" });
    expect(report).toBe(`${ATOM}: scheduled to go public at 2026-12-01T15:00:00.000Z — https://www.youtube.com/watch?v=${videoId}`);
    expect(fake.videos.get(videoId)!.status).toMatchObject({ privacyStatus: "private", publishAt: "2026-12-01T15:00:00.000Z" });
    expect(await listPublished(env)).toContain(`scheduled       ${ATOM}`);

    expect(await approvePublished(env, ATOM, {})).toMatch(/now public/);
    expect(fake.videos.get(videoId)!.status.privacyStatus).toBe("public");
    expect(await listPublished(env)).toMatch(/Nothing waits for review/);
    expect(fake.problems).toEqual([]);
  });

  it("approves a locally published lesson by rewriting its metadata.json", async () => {
    const folder = join(workDir, "published");
    const settings = { publish: { target: "local", folder } };
    await runOnce({ workDir, settings, now });
    const env = { workDir, settings, now };

    expect(await listPublished(env)).toContain(`awaiting review ${ATOM}  (local)`);
    await approvePublished(env, ATOM, {});
    expect(await readLocalMetadata(join(folder, "plc-basics", ATOM))).toMatchObject({ privacy: "public" });
    expect(fake.log).toEqual([]);
  });

  it("says what to do for an unknown atom and a time in the past", async () => {
    const env = { workDir, settings: {}, now };
    await expect(approvePublished(env, "nope", {})).rejects.toThrow(/No published lesson "nope".*factory publish list/);
    expect(() => parsePublishTime("2026-11-24T10:00:00Z", NOW)).toThrow(/not in the future/);
    expect(() => parsePublishTime("tomorrow", NOW)).toThrow(/Use e\.g\./);
    expect(parsePublishTime("2026-12-01T15:00+01:00", NOW)).toBe("2026-12-01T14:00:00.000Z");
  });
});
