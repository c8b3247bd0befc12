/**
 * Defect 1 (issue 13) with real processes: the relay under `wrangler dev` (whose proxy does not
 * pass a client's hang-up on) and real worker processes that are stopped and started again.
 * The next push after a restart must go to the live process at once, never sit on a poll the
 * stopped process left parked at the relay until a lease runs out.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayClient } from "../../worker/relay-client.ts";
import { createTestRepo, type TestRepo } from "../helpers/git.ts";
import { startRelay, type RelayProcess } from "../helpers/relay-process.ts";
import { kbFiles } from "../worker/test-stages.ts";
import { pushPayload, startTestWorker, type WorkerProcess } from "./harness.ts";

let relay: RelayProcess;
let client: RelayClient;
const procs: WorkerProcess[] = [];
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `factory-e2e-${p}-`));

beforeAll(async () => {
  // The default 120 s lease: a job handed to a dead poll would outlast every test here.
  relay = await startRelay({ vars: { CLAIM_SECONDS: "3" } });
  client = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "e2e-restart-observer" });
});
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await relay?.stop();
});

/** A long-polling test worker (no wake-up channel: the poll itself is what a restart leaves behind). */
function worker(name: string, workDir: string): WorkerProcess {
  const w = startTestWorker({ relayUrl: relay.url, token: relay.token, workDir, name, env: { WORKER_TRANSPORT: "longpoll" } });
  procs.push(w);
  return w;
}

/** Resolves once the relay has seen `name` poll (its poll is then parked in the queue object). */
async function polling(name: string, after: number): Promise<void> {
  const deadline = AbortSignal.timeout(30_000);
  for (;;) {
    const stats = await client.stats(deadline);
    if (stats.workers.some((w) => w.name === name && w.lastSeenAt >= after)) return;
  }
}

async function push(repo: TestRepo, fullName: string): Promise<string> {
  const before = repo.head();
  const sha = repo.commitAndPush({ ...kbFiles(), "notes.txt": `${fullName} ${Math.random()}` });
  const res = await relay.sendWebhook("push", pushPayload(repo, fullName, before, sha));
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
}

describe("a restarted worker takes the next push at once", () => {
  it("SIGKILL, then the same worker name again: the new process takes the job from the dead one's poll", async () => {
    const repo = createTestRepo();
    const workDir = tmp("kill-same");
    const started = Date.now();
    const first = worker("home-kill", workDir);
    await polling("home-kill", started);
    first.kill("SIGKILL");
    await first.exited;

    const jobId = await push(repo, "e2e/restart-kill");
    const second = worker("home-kill", workDir);
    await second.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job to complete in the new process");
    const job = await client.get(jobId);
    expect(job.state).toBe("done");
    // wrangler dev did not tell the relay the killed process hung up: its parked poll took the
    // job; the new process's first poll took it back at once (not after the claim window).
    expect(job.history).toEqual([
      expect.objectContaining({ worker: "home-kill", outcome: "released", error: expect.stringMatching(/restarted.*no attempt spent/) }),
      expect.objectContaining({ worker: "home-kill", outcome: "completed" }),
    ]);
    expect(job.attempts).toBe(1);
    second.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  });

  it("SIGTERM withdraws the worker's parked poll: the next push goes only to the worker started after it", async () => {
    const repo = createTestRepo();
    const started = Date.now();
    const first = worker("home-term-a", tmp("term-a"));
    await polling("home-term-a", started);
    first.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);

    const jobId = await push(repo, "e2e/restart-term");
    // Another name: only the withdrawal (not the restart rule) keeps the old poll from the job.
    const second = worker("home-term-b", tmp("term-b"));
    await second.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job to complete");
    const job = await client.get(jobId);
    expect(job.history).toEqual([expect.objectContaining({ worker: "home-term-b", outcome: "completed" })]);
    second.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  });

  it("SIGKILL and no restart under that name: a job handed to the dead poll comes back after the claim window", async () => {
    const repo = createTestRepo();
    const started = Date.now();
    const first = worker("home-gone", tmp("gone"));
    await polling("home-gone", started);
    first.kill("SIGKILL");
    await first.exited;

    const jobId = await push(repo, "e2e/restart-gone");
    const other = worker("home-other", tmp("other"));
    await other.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job to complete on the other worker");
    const job = await client.get(jobId);
    // The dead poll took it (wrangler dev does not report the hang-up); unconfirmed, it came back
    // after the claim window with no attempt spent, and went to the live worker.
    expect(job.history).toEqual([
      expect.objectContaining({ worker: "home-gone", outcome: "released", error: expect.stringMatching(/not confirmed within 3 s/) }),
      expect.objectContaining({ worker: "home-other", outcome: "completed" }),
    ]);
    expect(job.attempts).toBe(1);
    other.kill("SIGTERM");
    expect((await other.exited).code).toBe(0);
  });
});
