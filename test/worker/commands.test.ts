import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DispatchPayload, SyncPayload, type Job } from "../../shared/jobs.ts";
import { loadConfig } from "../../worker/config.ts";
import { completeManualPayload, formatJobs } from "../../worker/commands/jobs.ts";
import { runLocal } from "../../worker/commands/run.ts";
import { formatLedger, formatStats } from "../../worker/commands/status.ts";
import { createJobHandler, jobTarget } from "../../worker/commands/worker.ts";
import type { JobControl } from "../../worker/loop.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { createTestRepo } from "../helpers/git.ts";
import { echoStage, kbFiles, waitForFile } from "./test-stages.ts";
import { writeFileSync } from "node:fs";

const NOW = 1_700_000_000_000;
const job = (type: string, payload: Record<string, unknown>): Job => ({
  id: "j1",
  type,
  state: "leased",
  payload,
  dedupeKey: null,
  attempts: 1,
  maxAttempts: 5,
  runAt: NOW,
  createdAt: NOW - 45_000,
  updatedAt: NOW,
  lastError: null,
  leasedBy: null,
  leaseExpiresAt: null,
});

describe("factory enqueue payloads", () => {
  it("a bare repository name becomes a valid manual sync of the branch head", () => {
    const p = completeManualPayload("sync_and_generate_content", { repository: "me/kb" }, NOW);
    expect(SyncPayload.parse(p)).toMatchObject({
      trigger: "manual",
      repository: "me/kb",
      cloneUrl: "https://github.com/me/kb.git",
      branch: "main",
      ref: "refs/heads/main",
      after: null,
      receivedAt: NOW,
    });
    expect(SyncPayload.parse(completeManualPayload("sync_and_generate_content", { repository: "me/kb", sha: "a".repeat(40), cloneUrl: "/srv/kb.git" }, NOW))).toMatchObject({ after: "a".repeat(40), cloneUrl: "/srv/kb.git" });
  });
  it("a factory.* job becomes a valid dispatch payload", () => {
    expect(DispatchPayload.parse(completeManualPayload("factory.rebuild", { repository: "me/kb" }, NOW))).toMatchObject({ trigger: "dispatch", eventType: "factory.rebuild", branch: null });
  });
});

describe("jobTarget", () => {
  const config = { repositories: { "me/kb": { cloneUrl: "/mirror/kb.git", branch: "trunk" } } };
  it("takes the push's sha and applies the per-repository clone URL", () => {
    const p = completeManualPayload("sync_and_generate_content", { repository: "me/kb", sha: "b".repeat(40) }, NOW);
    expect(jobTarget(job("sync_and_generate_content", p), config)).toMatchObject({ repository: "me/kb", cloneUrl: "/mirror/kb.git", branch: "main", sha: "b".repeat(40) });
  });
  it("uses the configured branch when a dispatch names none", () => {
    const p = completeManualPayload("factory.rebuild", { repository: "me/kb" }, NOW);
    expect(jobTarget(job("factory.rebuild", p), config)).toMatchObject({ branch: "trunk", sha: null });
  });
  it("refuses unknown types and malformed payloads without retries", () => {
    for (const j of [job("mystery", {}), job("sync_and_generate_content", { repository: 5 })]) {
      try {
        jobTarget(j, config);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(StepError);
        expect((e as StepError).retryable).toBe(false);
      }
    }
  });
});

describe("status and jobs output", () => {
  it("lists jobs as an aligned table with each whole error under its job", () => {
    const out = formatJobs([{ ...job("sync_and_generate_content", { repository: "me/kb" }), state: "dead", lastError: "boom\nmore" }], NOW);
    expect(out.split("\n").slice(1, 4)).toEqual([
      expect.stringMatching(/^j1\s+dead\s+sync_and_generate_content\s+1\/5\s+45 s\s+me\/kb$/),
      "    error: boom",
      "           more",
    ]);
  });
  it("summarises the relay and the ledger, and says how to deal with dead jobs", () => {
    const s = formatStats({ counts: { queued: 2, leased: 1, done: 9, dead: 1 }, oldestQueuedAgeMs: 120_000, workers: [{ name: "pi", lastSeenAt: NOW - 5000 }], now: NOW });
    expect(s).toContain("relay: 2 queued, 1 leased, 9 done, 1 dead; oldest queued job waiting 2 min");
    expect(s).toContain("worker pi: last seen 5 s ago");
    expect(s).toContain("factory jobs --state dead");
    const l = formatLedger({ running: 0, done: 4, failed: 1 }, [{ jobId: "j1", repository: "me/kb", sha: "c".repeat(40), state: "completed", startedAt: NOW - 30_000, finishedAt: NOW, summary: "4 ran" }], NOW);
    expect(l).toContain("ledger: 4 step run(s) done, 1 failed");
    expect(l).toContain("j1  completed me/kb@cccccccccc  30 s ago  4 ran");
  });
});

describe("factory run --local", () => {
  it("runs the pipeline on a local checkout with no relay, and a second run skips everything", async () => {
    const repo = createTestRepo(undefined, { files: kbFiles() });
    const workDir = mkdtempSync(join(tmpdir(), "factory-local-"));
    const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
    const ran: string[] = [];
    const first = await runLocal(config, repo.work, { stages: [echoStage({ ran })], log: silentLogger });
    expect(first).toMatchObject({ kind: "completed", result: { ran: 4, sha: repo.head() } });
    const second = await runLocal(config, repo.work, { stages: [echoStage({ ran })], log: silentLogger });
    expect(second).toMatchObject({ kind: "completed", result: { ran: 0, skipped: 4 } });
    expect(ran).toHaveLength(4);
    const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
    expect(ledger.listStepRuns({ repository: "local" })).toHaveLength(4);
    ledger.close();
  });
});

describe("the job handler", () => {
  it("runs two jobs of one repository one after the other, since they share its checkout", async () => {
    const repo = createTestRepo(undefined, { files: kbFiles() });
    const workDir = mkdtempSync(join(tmpdir(), "factory-handler-"));
    const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
    const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
    const gate = join(workDir, "gate");
    const started = join(workDir, "started");
    const handle = createJobHandler(config, ledger, {
      stages: [echoStage({ blockOn: { key: "combine", file: gate, started } })],
      log: silentLogger,
    });
    const payload = completeManualPayload("sync_and_generate_content", { repository: "me/kb", cloneUrl: repo.bare, sha: repo.head() }, NOW);
    const lease = (id: string) => ({ job: { ...job("sync_and_generate_content", payload), id }, lease: { token: "t".repeat(20), expiresAt: NOW } });
    const control = (): JobControl => ({ signal: new AbortController().signal, stopAtBoundary: new AbortController().signal, progress() {}, log: silentLogger });
    const a = handle(lease("a"), control());
    const b = handle(lease("b"), control());
    await waitForFile(started, AbortSignal.timeout(30_000));
    expect(ledger.recentJobs().map((j) => j.jobId)).toEqual(["a"]);
    writeFileSync(gate, "go");
    expect(await a).toMatchObject({ kind: "completed", result: { ran: 4 } });
    expect(await b).toMatchObject({ kind: "completed", result: { ran: 0, skipped: 4 } });
    ledger.close();
  });
});
