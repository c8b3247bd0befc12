import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVE_JOB_TYPE, type EnqueueRequest, type Job } from "../../shared/jobs.ts";
import { approveAllWaiting, listPublished, recordApprovalsOnRelay } from "../../worker/commands/publish.ts";
import { createJobHandler } from "../../worker/commands/worker.ts";
import { loadConfig } from "../../worker/config.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { readLocalMetadata } from "../../worker/publish/local.ts";
import { makeLessonFiles } from "../publish/helpers.ts";
import { ATOM, runOnce } from "../publish/pipeline-fixture.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const now = () => NOW;
let workDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), "approve-all-"));
  await makeLessonFiles(join(workDir, "artifacts", "lesson"));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("factory publish approve --all", () => {
  it("approves every lesson waiting for review, and then says none waits", async () => {
    const folder = join(workDir, "published");
    const settings = { publish: { target: "local", folder } };
    await runOnce({ workDir, settings, now });
    const env = { workDir, settings, now };
    expect(await listPublished(env)).toContain(`awaiting review ${ATOM}`);

    const lines = await approveAllWaiting(env, {});
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^${ATOM}: marked public`))]);
    expect(await readLocalMetadata(join(folder, "plc-basics", ATOM))).toMatchObject({ privacy: "public" });

    expect(await approveAllWaiting(env, {})).toEqual(["No lesson waits for review (`factory publish list` shows them all)."]);
  });
});

describe("approvals made from the command line reach the dashboard", () => {
  it("are recorded on the relay as approve jobs marked as made from the CLI", async () => {
    const sent: EnqueueRequest[] = [];
    const client = { enqueue: async (r: EnqueueRequest) => (sent.push(r), { jobId: `j${sent.length}` }) };
    expect(await recordApprovalsOnRelay(client as never, [{ atomId: "ohms-law", repository: "me/kb" }])).toBeNull();
    expect(sent).toEqual([
      { type: APPROVE_JOB_TYPE, payload: { atomId: "ohms-law", repository: "me/kb", approvedBy: "cli" } },
    ]);
    const down = { enqueue: async () => Promise.reject(new Error("relay unreachable")) };
    expect(await recordApprovalsOnRelay(down as never, [{ atomId: "a" }])).toMatch(/may still list it as waiting.*relay unreachable/);
  });

  it("the worker completes such a job without approving the lesson a second time", async () => {
    const folder = join(workDir, "published");
    const settings = { publish: { target: "local", folder } };
    await runOnce({ workDir, settings, now });
    const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
    config.settings = settings;
    const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
    try {
      const job: Job = {
        id: "approve-cli", type: APPROVE_JOB_TYPE, state: "leased", payload: { atomId: ATOM, approvedBy: "cli" }, dedupeKey: null,
        attempts: 1, maxAttempts: 5, runAt: NOW, createdAt: NOW, updatedAt: NOW, lastError: null, leasedBy: "home", leaseExpiresAt: NOW + 60_000,
      };
      const handle = createJobHandler(config, ledger, { log: silentLogger, clock: { now, sleep: async () => {} }, stages: [] });
      const c = { signal: new AbortController().signal, stopAtBoundary: new AbortController().signal, progress() {}, log: silentLogger };
      const outcome = await handle({ job, lease: { token: "t".repeat(20), expiresAt: NOW + 60_000 } }, c);
      expect(outcome).toMatchObject({ kind: "completed", result: { summary: `${ATOM}: approved from the command line on this machine` } });
      // Still private: the job only told the dashboard.
      expect(await readLocalMetadata(join(folder, "plc-basics", ATOM))).toMatchObject({ privacy: "private" });
    } finally {
      ledger.close();
    }
  });
});
