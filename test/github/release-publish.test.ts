/**
 * A published GitHub release becomes public (or scheduled) lessons: real git repositories (a
 * bare upstream with a tag, the worker's own checkout made by syncRepository), a real Ledger
 * holding script and publish step runs made the way the pipeline makes them (real offline
 * scripts with their provenance), and an injected approve that counts its calls. One test goes
 * through the real approvePublished on locally published lessons.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReleasePayload } from "../../shared/jobs.ts";
import { writeOffline } from "../../worker/agents/offline.ts";
import { type ApproveLesson, handleReleaseJob, runReleaseJob } from "../../worker/github/release-publish.ts";
import { parseReleaseNotes, selectCourses } from "../../worker/github/release-notes.ts";
import { releaseRecordPath } from "../../worker/github/release-record.ts";
import { loadKnowledgeBase } from "../../worker/kb/load.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { type KnowledgeBase, StepError } from "../../worker/pipeline/types.ts";
import { readLocalMetadata } from "../../worker/publish/local.ts";
import { scriptInputs, sourceHash } from "../../worker/steps/content-stage.ts";
import { syncRepository } from "../../worker/sync.ts";
import { FakeYouTube } from "../fakes/youtube.ts";
import { createTestRepo, git, type TestRepo } from "../helpers/git.ts";
import { atomJson, courseJson } from "../kb/helpers.ts";
import { fakeYouTubeSettings } from "../publish/helpers.ts";

const REPO = "owner/plc-kb";
const NOW = Date.parse("2026-12-01T10:00:00Z"); // a Tuesday
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

let root: string;
let upstream: TestRepo;
let workDir: string;
let ledger: Ledger;
let checkout: string;
let clock: number;

/** The approve the job calls, recording each call; `failOn` makes that call fail. */
function countingApprove(failOn?: { call: number; error: Error }): ApproveLesson & { calls: { atomId: string; at?: string; repository: string }[] } {
  const calls: { atomId: string; at?: string; repository: string }[] = [];
  const fn = (async (atomId: string, opts: { at?: string; repository: string }) => {
    calls.push({ atomId, ...opts });
    if (failOn && calls.length === failOn.call) throw failOn.error;
    return opts.at ? `${atomId}: scheduled to go public at ${opts.at}` : `${atomId}: now public`;
  }) as ApproveLesson & { calls: typeof calls };
  fn.calls = calls;
  return fn;
}

/** The knowledge base of the upstream's working clone as it is now (what a push job would load). */
async function kbNow(): Promise<KnowledgeBase> {
  const { kb, problems } = await loadKnowledgeBase(upstream.work);
  expect(problems).toEqual([]);
  return kb!;
}

/**
 * Records in the ledger what a pipeline run makes for `atomId` from `kb`: its script step (a
 * real offline script, whose provenance hashes what it was written from) and then its publish
 * step (a locally published, private lesson with its metadata.json).
 */
async function makeLesson(kb: KnowledgeBase, atomId: string, youtube?: FakeYouTube): Promise<{ videoId: string; folder: string }> {
  const atom = kb.atoms.find((a) => a.id === atomId)!;
  const inputs = scriptInputs(kb, atom, "offline", "claude-sonnet-4-6");
  const hash = sourceHash(inputs);
  const script = writeOffline(inputs, hash);
  const jobId = `job-${clock}`;
  const scriptId = { repository: REPO, key: `script:${atomId}`, inputHash: `s-${hash}` };
  ledger.startStep(scriptId, "write-script", jobId, (clock += 10));
  ledger.finishStep(scriptId, { data: script, files: { script: `scripts/${atomId}.json` } }, (clock += 10));
  const folder = join(workDir, "published", atomId, hash.slice(0, 8));
  await mkdir(folder, { recursive: true });
  await writeFile(
    join(folder, "metadata.json"),
    json({ atomId, courseId: null, title: script.title, description: "d", tags: [], privacy: "private", publishedAt: new Date(clock).toISOString(), files: { video: "lesson.mp4" } }),
  );
  const publishId = { repository: REPO, key: `publish:${atomId}`, inputHash: `p-${hash}` };
  ledger.startStep(publishId, "publish", jobId, (clock += 10));
  if (youtube) {
    // As if uploaded: a private video on the fake channel.
    const videoId = `yt${atomId}${hash.slice(0, 6)}`;
    youtube.videos.set(videoId, {
      kind: "youtube#video",
      id: videoId,
      snippet: { title: script.youtube.title, description: script.youtube.description, publishedAt: new Date(clock).toISOString() },
      status: { uploadStatus: "processed", privacyStatus: "private", selfDeclaredMadeForKids: false },
      bytes: Buffer.from("mp4"),
    });
    const url = `https://www.youtube.com/watch?v=${videoId}`;
    ledger.finishStep(publishId, { external: { videoId }, data: { url, privacy: "private" } }, (clock += 10));
    return { videoId, folder };
  }
  const videoId = `local:${atomId}/${hash.slice(0, 8)}`;
  ledger.finishStep(publishId, { external: { videoId, localFolder: folder }, data: { url: `file://${folder}/lesson.mp4`, privacy: "private" } }, (clock += 10));
  return { videoId, folder };
}

function release(over: Partial<ReleasePayload["release"]> = {}): ReleasePayload {
  return {
    repository: REPO,
    cloneUrl: upstream.bare,
    release: { id: 17372790, tag_name: "v1.0", name: "First course release", body: null, prerelease: false, ...over },
    deliveryIds: ["d-1"],
  };
}

function run(payload: ReleasePayload, approve: ApproveLesson, extra: Partial<Parameters<typeof runReleaseJob>[0]> = {}) {
  return runReleaseJob({
    payload,
    repoDir: checkout,
    ledger,
    settings: {},
    workDir,
    now: () => NOW,
    log: silentLogger,
    fetchUrl: upstream.bare,
    approve,
    ...extra,
  });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "release-publish-"));
  clock = NOW - 10_000_000;
  upstream = createTestRepo(join(root, "git"), {
    files: {
      "kb/atoms/a1.json": json(atomJson("a1")),
      "kb/atoms/a2.json": json(atomJson("a2", { prerequisites: ["a1"] })),
      "kb/atoms/a3.json": json(atomJson("a3")),
      "kb/atoms/b1.json": json(atomJson("b1")),
      "kb/courses/plc-basics.json": json(courseJson("plc-basics", ["a1", "a2", "a3"], { title: "PLC basics" })),
      "kb/courses/analog-signals.json": json(courseJson("analog-signals", ["b1"], { title: "Analog signals" })),
    },
  });
  workDir = join(root, "work");
  ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  // The lessons of the tagged commit, made by a push job.
  const atTag = await kbNow();
  for (const id of ["a1", "a2", "a3", "b1"]) await makeLesson(atTag, id);
  git(upstream.work, "tag", "-a", "v1.0", "-m", "First course release");
  git(upstream.work, "push", "-q", "origin", "refs/tags/v1.0");
  // After the tag: a2 changes and is remade, a3 changes but is not remade yet, a4 is new and made.
  upstream.commitAndPush({
    "kb/atoms/a2.json": json(atomJson("a2", { prerequisites: ["a1"], summary: "A better summary of a2." })),
    "kb/atoms/a3.json": json(atomJson("a3", { summary: "A better summary of a3." })),
    "kb/atoms/a4.json": json(atomJson("a4")),
    "kb/courses/plc-basics.json": json(courseJson("plc-basics", ["a1", "a2", "a3", "a4"], { title: "PLC basics" })),
  });
  const after = await kbNow();
  await makeLesson(after, "a2");
  await makeLesson(after, "a4");
  // The worker's own checkout, at the branch head, without tags (as every job leaves it).
  checkout = (await syncRepository({ workDir, repository: REPO, cloneUrl: upstream.bare, branch: "main", sha: null })).dir;
});

afterEach(async () => {
  ledger.close();
  await rm(root, { recursive: true, force: true });
});

describe("runReleaseJob", () => {
  it("publishes exactly the lessons made at its tag, in course order", async () => {
    const approve = countingApprove();
    const result = await run(release(), approve);

    // a2 was remade from content changed after the tag; a3 changed too, but its lesson is still the tag's.
    expect(approve.calls).toEqual([
      { atomId: "b1", repository: REPO },
      { atomId: "a1", repository: REPO },
      { atomId: "a3", repository: REPO },
    ]);
    expect(result.published.map((p) => [p.atomId, p.courseId])).toEqual([["b1", "analog-signals"], ["a1", "plc-basics"], ["a3", "plc-basics"]]);
    expect(result.skipped).toEqual([{ atomId: "a2", reason: expect.stringMatching(/made from other content than the release's commit/) }]);
    expect(result.sha).toBe(git(upstream.work, "rev-parse", "v1.0^{commit}"));
    expect(result.summary).toMatch(/^release v1\.0 \([0-9a-f]{12}\), all courses: 3 published, 1 skipped$/);
    // a4 was added after the tag: not even considered.
    expect([...result.published, ...result.scheduled, ...result.skipped].map((l) => l.atomId)).not.toContain("a4");
  });

  it("limits the lessons to the courses its notes name, and lists the names it does not know", async () => {
    const approve = countingApprove();
    const body = "## What's new\nThe basics, revised.\n\nCourses: PLC Basics, digital-networks\n";
    const result = await run(release({ body }), approve);

    expect(approve.calls.map((c) => c.atomId)).toEqual(["a1", "a3"]);
    expect(result.note).toBe('no course named "digital-networks" at v1.0 (known: analog-signals, plc-basics)');
    expect(result.summary).toContain("courses plc-basics: 2 published, 1 skipped");
  });

  it("approves nothing when the same release is published again", async () => {
    const first = countingApprove();
    await run(release(), first);
    expect(first.calls).toHaveLength(3);

    const again = countingApprove();
    const result = await run(release(), again);
    expect(again.calls).toEqual([]);
    expect(result.published).toEqual([]);
    expect(result.skipped.filter((s) => s.reason === "already published by this release").map((s) => s.atomId)).toEqual(["b1", "a1", "a3"]);
  });

  it("makes locally published lessons public through approvePublished", async () => {
    const result = await runReleaseJob({
      payload: release({ body: "Courses: analog-signals" }),
      repoDir: checkout,
      ledger,
      settings: { publish: { target: "local", folder: join(workDir, "published") } },
      workDir,
      now: () => NOW,
      log: silentLogger,
      fetchUrl: upstream.bare,
    });
    expect(result.published.map((p) => p.atomId)).toEqual(["b1"]);
    expect(result.published[0]!.report).toMatch(/^b1: marked public \(local: /);
    const folder = JSON.parse(await readFile(releaseRecordPath(workDir, REPO, 17372790), "utf8")).lessons.b1.videoId as string;
    expect(folder).toMatch(/^local:b1\//);
    const published = ledger.listStepRuns({ kind: "publish" }).find((r) => r.key === "publish:b1")!;
    expect(await readLocalMetadata(published.output!.external!.localFolder!)).toMatchObject({ privacy: "public" });

    // Another release of the same course finds it public already (its metadata.json says so).
    const next = await run(release({ id: 2, body: "Courses: analog-signals" }), countingApprove());
    expect(next.skipped).toEqual([{ atomId: "b1", reason: "already public" }]);
  });

  it("makes YouTube lessons public through approvePublished, leaving one the owner scheduled by hand", async () => {
    const fake = new FakeYouTube();
    fake.now = () => NOW;
    await fake.start();
    try {
      // The same release, but its lessons were uploaded to YouTube (a newer upload per atom).
      git(upstream.work, "checkout", "-q", "v1.0");
      const kb = await kbNow();
      git(upstream.work, "checkout", "-q", "main");
      const ids = Object.fromEntries(await Promise.all(["a1", "a3", "b1"].map(async (id) => [id, (await makeLesson(kb, id, fake)).videoId] as const)));
      fake.videos.get(ids.a3!)!.status.publishAt = "2026-12-24T09:00:00.000Z";
      const settings = await fakeYouTubeSettings(root, fake, NOW);

      const result = await runReleaseJob({ payload: release(), repoDir: checkout, ledger, settings, workDir, now: () => NOW, log: silentLogger, fetchUrl: upstream.bare });

      expect(result.published.map((p) => p.atomId)).toEqual(["b1", "a1"]);
      expect(result.skipped).toEqual([
        { atomId: "a2", reason: expect.stringMatching(/other content than the release's commit/) },
        { atomId: "a3", reason: "already scheduled for 2026-12-24T09:00:00.000Z" },
      ]);
      expect([ids.b1, ids.a1, ids.a3].map((id) => fake.videos.get(id!)!.status.privacyStatus)).toEqual(["public", "public", "private"]);
      expect(fake.problems).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it("runs from the job and the worker's configuration, syncing the checkout first", async () => {
    const config = {
      workDir,
      settings: {},
      calendar: null,
      github: { releases: { includePrereleases: false } } as never,
      githubToken: null,
      repositories: { [REPO]: { cloneUrl: upstream.bare } },
    };
    const approve = countingApprove();
    const payload = { ...release(), cloneUrl: "https://github.invalid/owner/plc-kb.git" };
    const result = await handleReleaseJob({ id: "job-1", payload }, config, ledger, { now: () => NOW, log: silentLogger, approve });
    expect(approve.calls.map((c) => c.atomId)).toEqual(["b1", "a1", "a3"]);
    expect(result.summary).toContain("3 published");
    // A prerelease is answered before any git: the unreachable clone URL is never tried.
    const pre = { ...payload, release: { ...payload.release, prerelease: true } };
    const ignored = await handleReleaseJob({ id: "job-2", payload: pre }, { ...config, repositories: {} }, ledger, { now: () => NOW, log: silentLogger, approve });
    expect(ignored.summary).toBe("ignored: prerelease");
  });

  it("fails the job when no lesson could be approved at all", async () => {
    const refused = (async () => {
      throw new StepError("YouTube refused the token (invalid_grant): sign in again with `factory youtube login`", false);
    }) as ApproveLesson;
    const failure = await run(release(), refused).catch((e: unknown) => e);
    expect((failure as StepError).retryable).toBe(false);
    expect((failure as StepError).message).toMatch(/no lesson could be approved: YouTube refused the token/);
    // Nothing counts as done: once signed in again, the same release publishes them all.
    const after = await run(release(), countingApprove());
    expect(after.published).toHaveLength(3);
  });

  it("ignores a prerelease unless prereleases are included", async () => {
    const approve = countingApprove();
    const ignored = await run(release({ prerelease: true }), approve);
    expect(ignored).toMatchObject({ summary: "ignored: prerelease", published: [], scheduled: [], skipped: [] });
    expect(approve.calls).toEqual([]);

    const included = await run(release({ prerelease: true }), approve, { releases: { includePrereleases: true } });
    expect(included.published).toHaveLength(3);
  });

  it("fails clearly, without retries, when its tag does not exist", async () => {
    const approve = countingApprove();
    const failure = await run(release({ tag_name: "v9.9" }), approve).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StepError);
    expect((failure as StepError).retryable).toBe(false);
    expect((failure as StepError).message).toMatch(/release tag "v9\.9" does not exist in owner\/plc-kb/);
    expect(approve.calls).toEqual([]);

    const bad = await run(release({ tag_name: "v1..0" }), approve).catch((e: unknown) => e);
    expect((bad as StepError).message).toMatch(/"v1\.\.0" .* not a valid git tag name/);
  });

  it("resumes a job that died after 1 of 3 approvals with the other 2", async () => {
    const dying = countingApprove({ call: 2, error: new StepError("YouTube could not be reached (ECONNRESET)", true) });
    const failure = await run(release(), dying).catch((e: unknown) => e);
    expect((failure as StepError).retryable).toBe(true);
    expect((failure as StepError).message).toMatch(/1 of 3 lessons done, then a1 failed: YouTube could not be reached/);
    const record = JSON.parse(await readFile(releaseRecordPath(workDir, REPO, 17372790), "utf8"));
    expect(Object.fromEntries(Object.entries(record.lessons).map(([id, l]) => [id, (l as { state: string }).state]))).toEqual({
      b1: "published",
      a1: "planned",
      a3: "planned",
    });

    const resumed = countingApprove();
    const result = await run(release(), resumed);
    expect(resumed.calls.map((c) => c.atomId)).toEqual(["a1", "a3"]);
    expect(result.published.map((p) => p.atomId)).toEqual(["a1", "a3"]);
  });

  it("keeps the commit its tag named at the first run, even if the tag moves later", async () => {
    const approve = countingApprove({ call: 1, error: new StepError("quota", true) });
    await run(release(), approve).catch(() => undefined);
    git(upstream.work, "tag", "-f", "-a", "v1.0", "-m", "moved");
    git(upstream.work, "push", "-q", "--force", "origin", "refs/tags/v1.0");
    const result = await run(release(), countingApprove());
    expect(result.sha).not.toBe(git(upstream.work, "rev-parse", "v1.0^{commit}"));
    expect(result.published.map((p) => p.atomId)).toEqual(["b1", "a1", "a3"]);
  });

  it("schedules into the next free calendar slots when the notes say schedule", async () => {
    const calendar = { timeZone: "Europe/Berlin", slots: [{ day: "tue" as const, time: "15:00" }, { day: "fri" as const, time: "15:00" }], perSlot: 1, takes: "approved" as const, aheadHours: 48 };
    const approve = countingApprove();
    const first = await run(release({ body: "Courses: plc-basics\nPublish: schedule" }), approve, { calendar });
    // 15:00 in Berlin is 14:00 UTC in December; the job runs on Tuesday 10:00 UTC.
    expect(first.scheduled.map((s) => [s.atomId, s.at])).toEqual([
      ["a1", "2026-12-01T14:00:00.000Z"],
      ["a3", "2026-12-04T14:00:00.000Z"],
    ]);
    expect(approve.calls.map((c) => c.at)).toEqual(["2026-12-01T14:00:00.000Z", "2026-12-04T14:00:00.000Z"]);

    // Another release takes the slots after those, never the same ones.
    const second = await run({ ...release({ id: 2, tag_name: "v1.0", body: "Courses: analog-signals\nschedule" }) }, approve, { calendar });
    expect(second.scheduled.map((s) => [s.atomId, s.at])).toEqual([["b1", "2026-12-08T14:00:00.000Z"]]);
    expect(second.summary).toContain("0 published, 1 scheduled, 0 skipped");
  });

  it("refuses to schedule without a calendar, saying what to set", async () => {
    const approve = countingApprove();
    const failure = await run(release({ body: "Publish: schedule" }), approve).catch((e: unknown) => e);
    expect((failure as StepError).retryable).toBe(false);
    expect((failure as StepError).message).toMatch(/no publishing calendar is set: add "calendar" to factory\.config\.json/);
    expect(approve.calls).toEqual([]);
  });

  it("rejects a malformed payload and bad settings without retries", async () => {
    const approve = countingApprove();
    const e1 = await run({ repository: REPO } as unknown as ReleasePayload, approve).catch((e: unknown) => e);
    expect((e1 as StepError).message).toMatch(/malformed release job payload \(release: /);
    const e2 = await run(release(), approve, { releases: { includePrerelease: true } }).catch((e: unknown) => e);
    expect((e2 as StepError).message).toMatch(/github\.releases\.: Unrecognized key.*includePrerelease/);
    expect([(e1 as StepError).retryable, (e2 as StepError).retryable]).toEqual([false, false]);
  });
});

describe("parseReleaseNotes", () => {
  it("reads courses from a line or from a list under a Courses heading, and ignores code blocks", () => {
    expect(parseReleaseNotes("Courses: plc-basics, `analog-signals`; Modbus").courses).toEqual(["plc-basics", "analog-signals", "Modbus"]);
    const body = [
      "# v2",
      "Fixes.",
      "```",
      "Courses: not-this-one",
      "Publish: schedule",
      "```",
      "## Courses",
      "- [PLC Foundations: From Ohm's Law to Safe Machine Control](https://example.com)",
      "* **analog-signals** — the 4-20 mA part",
      "",
      "1. plc-basics",
      "## Thanks",
      "- not a course",
    ].join("\n");
    expect(parseReleaseNotes(body)).toEqual({
      courses: ["PLC Foundations: From Ohm's Law to Safe Machine Control", "analog-signals — the 4-20 mA part", "plc-basics"],
      publish: null,
    });
    expect(parseReleaseNotes("Publish: now").publish).toBe("now");
    expect(parseReleaseNotes("Some notes.\n\nSchedule\n").publish).toBe("schedule");
    expect(parseReleaseNotes("We fixed the schedule page.").publish).toBeNull();
    expect(parseReleaseNotes(null)).toEqual({ courses: [], publish: null });
  });

  it("matches names to course ids or titles, ignoring case, in the order named", () => {
    const courses = [
      { id: "plc-basics", title: "PLC basics", audience: "x", modules: [{ id: "m", title: "M", atoms: ["a"] }] },
      { id: "analog-signals", title: "Analog Signals", audience: "x", modules: [{ id: "m", title: "M", atoms: ["b"] }] },
    ];
    const { selected, unknown } = selectCourses(courses, ["analog signals", "PLC-BASICS — first steps", "plc-basics", "ladder"]);
    expect(selected.map((c) => c.id)).toEqual(["analog-signals", "plc-basics"]);
    expect(unknown).toEqual(["ladder"]);
    expect(selectCourses(courses, []).selected.map((c) => c.id)).toEqual(["analog-signals", "plc-basics"]);
  });
});
