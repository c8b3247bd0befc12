import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KB_REQUEST_JOB_TYPE, RELEASE_JOB_TYPE, type Job } from "../../shared/jobs.ts";
import { loadConfig } from "../../worker/config.ts";
import { completeManualPayload } from "../../worker/commands/jobs.ts";
import { createJobHandler, jobTarget } from "../../worker/commands/worker.ts";
import type { CommitStatusReporter, JobEnd } from "../../worker/github/jobs.ts";
import type { JobControl } from "../../worker/loop.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { createTestRepo } from "../helpers/git.ts";
import { echoStage, kbFiles } from "./test-stages.ts";

const NOW = 1_700_000_000_000;
const job = (type: string, payload: Record<string, unknown>, id = "j1"): Job => ({
  id, type, state: "leased", payload, dedupeKey: null, attempts: 1, maxAttempts: 5, runAt: NOW, createdAt: NOW, updatedAt: NOW,
  lastError: null, leasedBy: null, leaseExpiresAt: null,
});
const control = (): JobControl => ({ signal: new AbortController().signal, stopAtBoundary: new AbortController().signal, progress() {}, log: silentLogger });

function recordingStatuses(): CommitStatusReporter & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    start: async (repo, sha) => void calls.push(`pending ${repo}@${sha.slice(0, 7)}`),
    finish: async (repo, sha, end: JobEnd) => void calls.push(`${end.kind} ${repo}@${sha.slice(0, 7)}`),
  };
}

function setup() {
  const repo = createTestRepo(undefined, { files: kbFiles() });
  const workDir = mkdtempSync(join(tmpdir(), "factory-gh-jobs-"));
  const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  return { repo, config, ledger };
}

describe("GitHub in the job handler", () => {
  it("reports pending, then success, on the pushed commit of a sync job", async () => {
    const { repo, config, ledger } = setup();
    const statuses = recordingStatuses();
    const handle = createJobHandler(config, ledger, { stages: [echoStage({ ran: [] })], log: silentLogger, statuses });
    const payload = completeManualPayload("sync_and_generate_content", { repository: "me/kb", cloneUrl: repo.bare, sha: repo.head() }, NOW);
    const out = await handle({ job: job("sync_and_generate_content", payload), lease: { token: "t".repeat(20), expiresAt: NOW } }, control());
    expect(out.kind).toBe("completed");
    expect(statuses.calls).toEqual([`pending me/kb@${repo.head().slice(0, 7)}`, `completed me/kb@${repo.head().slice(0, 7)}`]);
    ledger.close();
  });

  it("reports a failure on the commit when the pipeline fails", async () => {
    const { repo, config, ledger } = setup();
    const statuses = recordingStatuses();
    const failing = { name: "boom", plan: () => [{ key: "boom", kind: "boom", version: 1, dependsOn: [], inputs: () => ({}), run: async () => { throw new StepError("kb/atoms/x.json: broken", false); } }] };
    const handle = createJobHandler(config, ledger, { stages: [failing], log: silentLogger, statuses });
    const payload = completeManualPayload("sync_and_generate_content", { repository: "me/kb", cloneUrl: repo.bare, sha: repo.head() }, NOW);
    const out = await handle({ job: job("sync_and_generate_content", payload), lease: { token: "t".repeat(20), expiresAt: NOW } }, control());
    expect(out.kind).toBe("failed");
    expect(statuses.calls.at(-1)).toBe(`failed me/kb@${repo.head().slice(0, 7)}`);
    ledger.close();
  });

  it("a KB request drafts on the default branch of the repository it names", () => {
    const payload = { repository: "me/kb", issue: { number: 7, title: "Explain TOF", body: null, author: "me", labels: ["kb-request"] } };
    expect(jobTarget(job(KB_REQUEST_JOB_TYPE, payload), { repositories: {} })).toMatchObject({ repository: "me/kb", cloneUrl: "https://github.com/me/kb.git", branch: null, sha: null });
    expect(jobTarget(job(KB_REQUEST_JOB_TYPE, payload), { repositories: { "me/kb": { cloneUrl: "/srv/kb.git" } } }).cloneUrl).toBe("/srv/kb.git");
  });

  it("a release job runs the release publisher, not the sync pipeline (a prerelease is ignored without touching git)", async () => {
    const { config, ledger } = setup();
    const statuses = recordingStatuses();
    const ran: string[] = [];
    const handle = createJobHandler(config, ledger, { stages: [echoStage({ ran })], log: silentLogger, statuses });
    const payload = { repository: "me/kb", release: { id: 9, tag_name: "v1-rc", prerelease: true } };
    const out = await handle({ job: job(RELEASE_JOB_TYPE, payload), lease: { token: "t".repeat(20), expiresAt: NOW } }, control());
    expect(out).toMatchObject({ kind: "completed", result: { summary: "ignored: prerelease" } });
    expect(ran).toEqual([]);
    expect(statuses.calls).toEqual([]);
    ledger.close();
  });
});
