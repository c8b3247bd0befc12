/**
 * The worker runs the dashboard's `factory.publish.approve` jobs: no sync, no pipeline, just the
 * review gate against the real ledger and the real local publisher (metadata.json in a temp dir).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVE_JOB_TYPE, SYNC_JOB_TYPE, type Job } from "../../shared/jobs.ts";
import { completeManualPayload } from "../../worker/commands/jobs.ts";
import { CalendarSettings } from "../../worker/publish/calendar.ts";
import { createTestRepo } from "../helpers/git.ts";
import { kbFiles } from "./test-stages.ts";
import { approveRequest, createJobHandler } from "../../worker/commands/worker.ts";
import { loadConfig } from "../../worker/config.ts";
import { Ledger } from "../../worker/ledger.ts";
import type { JobControl } from "../../worker/loop.ts";
import { silentLogger } from "../../worker/log.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { readLocalMetadata } from "../../worker/publish/local.ts";
import { nextPacificMidnight } from "../../worker/publish/quota.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { fakeYouTubeSettings, makeLessonFiles } from "../publish/helpers.ts";
import { ATOM, course, runOnce } from "../publish/pipeline-fixture.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const clock = { now: () => NOW, sleep: async () => {} };

let workDir: string;
let folder: string;
let ledger: Ledger | undefined;
/** What the worker's config says about publishing (local unless a test switches to the fake YouTube). */
let settings: Record<string, unknown>;

function approveJob(payload: Record<string, unknown>): Job {
  return {
    id: "approve-1",
    type: APPROVE_JOB_TYPE,
    state: "leased",
    payload,
    dedupeKey: null,
    attempts: 1,
    maxAttempts: 5,
    runAt: NOW,
    createdAt: NOW,
    updatedAt: NOW,
    lastError: null,
    leasedBy: "home",
    leaseExpiresAt: NOW + 60_000,
  };
}

function control(): JobControl {
  return { signal: new AbortController().signal, stopAtBoundary: new AbortController().signal, progress() {}, log: silentLogger };
}

/** Runs one job (an approval unless `type` says otherwise) through the real handler with the local publisher configured. */
function runJob(payload: Record<string, unknown>, o: { calendar?: CalendarSettings; type?: string } = {}) {
  const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
  config.settings = settings;
  if (o.calendar) config.calendar = o.calendar;
  if (!ledger) throw new Error("publish a lesson first (published())");
  const handle = createJobHandler(config, ledger, { log: silentLogger, clock, stages: [], statuses: { start: async () => {}, finish: async () => {} } });
  return handle({ job: { ...approveJob(payload), type: o.type ?? APPROVE_JOB_TYPE }, lease: { token: "t".repeat(20), expiresAt: NOW + 60_000 } }, control());
}

/** Publishes the fixture lesson with `s` (as the pipeline would have), then opens the worker's ledger. */
async function published(s: Record<string, unknown>, repository?: string): Promise<void> {
  settings = s;
  expect((await runOnce({ workDir, settings, now: clock.now, ...(repository ? { repository } : {}) })).kind).toBe("completed");
  ledger = Ledger.open(join(workDir, "ledger.sqlite"));
}

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), "approve-job-"));
  folder = join(workDir, "published");
  await makeLessonFiles(join(workDir, "artifacts", "lesson"));
});

afterEach(async () => {
  ledger?.close();
  ledger = undefined;
  await rm(workDir, { recursive: true, force: true });
});

describe("factory.publish.approve jobs (local publisher)", () => {
  beforeEach(() => published({ publish: { target: "local", folder } }));

  it("make a locally published lesson public, without syncing any repository", async () => {
    const lessonFolder = join(folder, "plc-basics", ATOM);
    expect(await readLocalMetadata(lessonFolder)).toMatchObject({ privacy: "private" });

    const outcome = await runJob({ atomId: ATOM });

    expect(outcome).toMatchObject({ kind: "completed", result: { ran: 1, steps: [{ key: `approve:${ATOM}`, kind: "approve", status: "ran" }] } });
    expect(outcome.result.summary).toBe(`${ATOM}: marked public (local: ${lessonFolder})`);
    expect(await readLocalMetadata(lessonFolder)).toMatchObject({ privacy: "public" });
    expect(existsSync(join(workDir, "repos"))).toBe(false);
    expect(ledger!.recentJobs().find((j) => j.jobId === "approve-1")).toMatchObject({ state: "completed" });
  });

  it("schedule it when the job carries a publish time", async () => {
    const outcome = await runJob({ atomId: ATOM, at: "2026-12-01T15:00:00Z" });
    expect(outcome.kind).toBe("completed");
    const meta = await readLocalMetadata(join(folder, "plc-basics", ATOM));
    expect(meta).toMatchObject({ privacy: "private", publishAt: "2026-12-01T15:00:00.000Z" });
  });

  it("fail without retries, saying what to do, for an unknown atom or a time in the past", async () => {
    const unknown = await runJob({ atomId: "no-such-lesson" });
    expect(unknown).toMatchObject({ kind: "failed", retryable: false });
    expect(unknown.kind === "failed" && unknown.error).toMatch(/No published lesson "no-such-lesson".*factory publish list/);

    const past = await runJob({ atomId: ATOM, at: "2026-11-24T10:00:00Z" });
    expect(past).toMatchObject({ kind: "failed", retryable: false });
    expect(past.kind === "failed" && past.error).toMatch(/not in the future/);
    expect(await readLocalMetadata(join(folder, "plc-basics", ATOM))).toMatchObject({ privacy: "private" });
  });

  it("fail without retries for a malformed payload", async () => {
    const outcome = await runJob({ atomId: "Not An Atom!" });
    expect(outcome).toMatchObject({ kind: "failed", retryable: false });
    expect(outcome.kind === "failed" && outcome.error).toMatch(/atomId: must be an atom id/);
  });
});

describe("the publishing calendar in the worker (local publisher)", () => {
  // Wednesday 2026-11-25 11:00 in Berlin: Friday 15:00 lies within 72 h.
  const berlin = CalendarSettings.parse({ timeZone: "Europe/Berlin", slots: [{ day: "fri", time: "15:00" }], aheadHours: 72 });
  beforeEach(() => published({ publish: { target: "local", folder } }, "me/kb"));

  it("an approval for the calendar waits for a scheduled tick, which schedules the lesson into the next slot", async () => {
    const repo = createTestRepo(undefined, { files: { ...kbFiles([ATOM]), "kb/courses/plc-basics.json": JSON.stringify(course) } });
    const approval = await runJob({ repository: "me/kb", atomId: ATOM, calendar: true }, { calendar: berlin });
    expect(approval).toMatchObject({ kind: "completed", result: { summary: expect.stringMatching(/^ohms-law: approved for the calendar; the next scheduled tick/) } });
    const lessonFolder = join(folder, "plc-basics", ATOM);
    expect(await readLocalMetadata(lessonFolder)).toMatchObject({ privacy: "private" });
    expect((await readLocalMetadata(lessonFolder))!.publishAt).toBeUndefined();

    // What the relay's cron enqueues, or the owner by hand: factory enqueue sync_and_generate_content --payload '{"repository":…,"trigger":"schedule"}'.
    const tick = completeManualPayload(SYNC_JOB_TYPE, { repository: "me/kb", cloneUrl: repo.bare, trigger: "schedule" }, NOW);
    expect(tick).toMatchObject({ trigger: "schedule", after: null, branch: "main" });
    const out = await runJob(tick, { calendar: berlin, type: SYNC_JOB_TYPE });
    expect(out).toMatchObject({ kind: "completed", result: { summary: expect.stringContaining("calendar: scheduled ohms-law for 2026-11-27 15:00 Europe/Berlin") } });
    expect(await readLocalMetadata(lessonFolder)).toMatchObject({ privacy: "private", publishAt: "2026-11-27T14:00:00.000Z" });

    // A push (or a second tick) changes nothing more.
    await runJob(tick, { calendar: berlin, type: SYNC_JOB_TYPE });
    expect(await readLocalMetadata(lessonFolder)).toMatchObject({ publishAt: "2026-11-27T14:00:00.000Z" });
  });

  it("an approval for the calendar fails without retries, saying what to add, when no calendar is set", async () => {
    const out = await runJob({ repository: "me/kb", atomId: ATOM, calendar: true });
    expect(out).toMatchObject({ kind: "failed", retryable: false });
    expect(out.kind === "failed" && out.error).toMatch(/No publishing calendar is set.*add "calendar" to factory.config.json/);
  });
});

describe("factory.publish.approve jobs (YouTube)", () => {
  let fake: FakeYouTube;
  beforeEach(async () => {
    fake = new FakeYouTube();
    fake.now = clock.now;
    await fake.start();
    await published(await fakeYouTubeSettings(workDir, fake, NOW));
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("fail as retryable after the quota reset when YouTube's quota is used up, then go through", async () => {
    const videoId = fake.uploadedVideos()[0]!.id;
    fake.quotaExhausted = true;
    const spent = await runJob({ atomId: ATOM });
    expect(spent).toMatchObject({ kind: "failed", retryable: true, retryAt: nextPacificMidnight(NOW) });
    expect(spent.kind === "failed" && spent.error).toMatch(/approving ohms-law: the project's daily YouTube API quota is used up/);
    expect(fake.videos.get(videoId)!.status.privacyStatus).toBe("private");

    fake.quotaExhausted = false;
    expect(await runJob({ atomId: ATOM })).toMatchObject({ kind: "completed", result: { summary: expect.stringMatching(/now public/) } });
    expect(fake.videos.get(videoId)!.status.privacyStatus).toBe("public");
    expect(fake.problems).toEqual([]);
  });
});

describe("approveRequest", () => {
  it("reads the dashboard's payload and a repository_dispatch's client_payload", () => {
    expect(approveRequest(approveJob({ repository: "me/kb", atomId: ATOM, at: "2026-12-01T15:00" }))).toEqual({
      repository: "me/kb",
      atomId: ATOM,
      at: "2026-12-01T15:00",
    });
    const dispatch = {
      trigger: "dispatch",
      repository: "me/kb",
      cloneUrl: "https://github.com/me/kb.git",
      branch: null,
      eventType: APPROVE_JOB_TYPE,
      clientPayload: { atomId: ATOM },
      deliveryIds: [],
      receivedAt: NOW,
    };
    expect(approveRequest(approveJob(dispatch))).toEqual({ repository: "me/kb", atomId: ATOM });
  });

  it("refuses a payload without an atom id as a non-retryable StepError", () => {
    expect(() => approveRequest(approveJob({ repository: "me/kb" }))).toThrow(StepError);
    try {
      approveRequest(approveJob({}));
    } catch (e) {
      expect((e as StepError).retryable).toBe(false);
      expect((e as StepError).message).toMatch(/atomId/);
    }
  });
});
