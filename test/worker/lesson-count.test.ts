/**
 * "Make the next N lessons" (a sync job's `count`): the runner plans the lessons already made
 * plus the next N in course order, and the product's stages plan only those.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SYNC_JOB_TYPE, type Job } from "../../shared/jobs.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { requestedCount, selectLessons } from "../../worker/pipeline/lesson-count.ts";
import { defaultKbLoader, runPipeline } from "../../worker/pipeline/runner.ts";
import type { PlannedStep, Stage } from "../../worker/pipeline/types.ts";
import { contentStage } from "../../worker/steps/content-stage.ts";
import { mediaStage } from "../../worker/steps/media-stage.ts";
import { publishStage } from "../../worker/steps/publish-stage.ts";
import { createTestRepo } from "../helpers/git.ts";
import { kbFiles } from "./test-stages.ts";

function syncJob(count?: number): Job {
  return {
    id: `job-${count ?? "all"}`,
    type: SYNC_JOB_TYPE,
    state: "leased",
    payload: {
      trigger: "manual",
      repository: "me/kb",
      cloneUrl: "https://github.com/me/kb.git",
      ref: "refs/heads/main",
      branch: "main",
      before: null,
      after: null,
      pusher: null,
      changes: { added: [], modified: [], removed: [] },
      deliveryIds: [],
      receivedAt: 1,
      coalesced: 1,
      ...(count !== undefined ? { count } : {}),
    },
    dedupeKey: null,
    attempts: 1,
    maxAttempts: 5,
    runAt: 0,
    createdAt: 0,
    updatedAt: 0,
    lastError: null,
    leasedBy: "w",
    leaseExpiresAt: null,
  };
}

/** One `publish:<atom>` step per planned atom: a lesson counts as made once its publish step is done. */
function lessonStage(ran: string[]): Stage {
  return {
    name: "lessons",
    plan: ({ kb, only }): PlannedStep[] =>
      (kb?.atoms ?? [])
        .filter((a) => !only || only.has(a.id))
        .map((a) => ({
          key: `publish:${a.id}`,
          kind: "publish",
          version: 1,
          dependsOn: [],
          inputs: () => ({ id: a.id, body: a.body }),
          run: async () => {
            ran.push(a.id);
            return { external: { videoId: `v-${a.id}` }, data: {} };
          },
        })),
  };
}

const COURSE = JSON.stringify({
  id: "basics",
  title: "PLC basics",
  audience: "Students starting with PLCs",
  description: "What a PLC is, then the electricity it switches.",
  modules: [{ id: "m1", title: "First steps", atoms: ["what-is-a-plc", "ohms-law"] }],
});

describe("a sync job's count", () => {
  it("is read from sync payloads only; absent means every lesson", () => {
    expect(requestedCount(syncJob(3))).toBe(3);
    expect(requestedCount(syncJob())).toBeNull();
    expect(requestedCount({ type: "factory.learn", payload: { count: 3 } })).toBeNull();
    expect(requestedCount(null)).toBeNull();
  });

  it("keeps the lessons already made and adds the next N in course order", () => {
    const kb = { atoms: [{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }] as never, courses: [{ id: "k", modules: [{ atoms: ["c", "a"] }] }] as never };
    expect(selectLessons(kb, new Set(["c"]), 2)).toEqual({ only: new Set(["c", "a", "b"]), fresh: ["a", "b"], waiting: 1 });
    expect(selectLessons(kb, new Set(["a", "b", "c", "d"]), 2)).toEqual({ only: new Set(["a", "b", "c", "d"]), fresh: [], waiting: 0 });
  });

  it("makes the next lessons job by job, never one already made twice, in course order", async () => {
    const repo = createTestRepo(undefined, { files: { ...kbFiles(), "kb/courses/basics.json": COURSE } });
    const workDir = mkdtempSync(join(tmpdir(), "factory-count-"));
    const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
    const runWith = async (count?: number) => {
      const ran: string[] = [];
      const out = await runPipeline({
        job: syncJob(count),
        snapshot: { dir: repo.work, sha: repo.head(), repository: "me/kb", branch: "main", changes: null },
        stages: [lessonStage(ran)],
        ledger,
        settings: {},
        workDir,
        loadKb: defaultKbLoader,
        log: silentLogger,
        signal: new AbortController().signal,
      });
      if (out.kind !== "completed") throw new Error(JSON.stringify(out).slice(0, 600));
      return { ran, planned: out.result.steps.map((s) => s.key) };
    };
    try {
      // The course's order first (what-is-a-plc, ohms-law), then atoms in no course by id.
      expect(await runWith(1)).toEqual({ ran: ["what-is-a-plc"], planned: ["publish:what-is-a-plc"] });
      expect((await runWith(1)).ran).toEqual(["ohms-law"]);
      const third = await runWith(5);
      expect(third.ran).toEqual(["lockout-tagout"]);
      expect(third.planned).toHaveLength(3);
      expect((await runWith(2)).ran).toEqual([]);
      // An edit to a lesson already made is made again under a count, as any push would.
      repo.commit({ "kb/atoms/ohms-law.json": kbFiles(["ohms-law"])["kb/atoms/ohms-law.json"]!.replace('"body": "', '"body": "Edited. ') });
      expect((await runWith(1)).ran).toEqual(["ohms-law"]);
    } finally {
      ledger.close();
    }
  });

  it("restricts the product's content, media and publish stages to the selected atoms", async () => {
    const repo = createTestRepo(undefined, { files: kbFiles() });
    const { kb } = await defaultKbLoader(repo.work);
    const input = { snapshot: { dir: repo.work, sha: repo.head(), repository: "me/kb", branch: "main", changes: null }, kb, settings: {}, job: null };
    const only = new Set(["ohms-law"]);
    const keys = (stage: Stage) => stage.plan({ ...input, only }).map((s) => s.key);
    expect(keys(contentStage({ env: {} }))).toEqual(["script:ohms-law"]);
    expect(keys(mediaStage())).toEqual(["narrate:ohms-law", "render:ohms-law"]);
    expect(keys(publishStage())).toEqual(["publish:ohms-law"]);
    // Without a count every atom is planned.
    expect(contentStage({ env: {} }).plan(input).map((s) => s.key)).toHaveLength(3);
  });
});
