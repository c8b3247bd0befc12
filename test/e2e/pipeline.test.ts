/**
 * The whole path with real processes: GitHub's push payload, signed, into the real relay
 * (wrangler dev / workerd), real Node worker processes, real git repositories.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayClient } from "../../worker/relay-client.ts";
import { checkoutDir } from "../../worker/sync.ts";
import { createTestRepo, git } from "../helpers/git.ts";
import { startRelay, type RelayProcess } from "../helpers/relay-process.ts";
import { waitForFile, editedAtom, kbFiles } from "../worker/test-stages.ts";
import { counts, pushPayload, ranSteps, startTestWorker, type WorkerProcess } from "./harness.ts";

let relay: RelayProcess;
let client: RelayClient;
const workers: WorkerProcess[] = [];
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `factory-e2e-${p}-`));

beforeAll(async () => {
  // Short leases and retries so expiry happens within the test; the worker heartbeats at a third of it.
  relay = await startRelay({ vars: { LEASE_SECONDS: "4", BACKOFF_BASE_SECONDS: "0.2", BACKOFF_MAX_SECONDS: "1" } });
  client = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "e2e-test" });
});
afterAll(async () => {
  for (const w of workers) w.kill("SIGKILL");
  await relay?.stop();
});

function worker(o: Omit<Parameters<typeof startTestWorker>[0], "relayUrl" | "token">): WorkerProcess {
  const w = startTestWorker({ relayUrl: relay.url, token: relay.token, ...o });
  workers.push(w);
  return w;
}

async function push(fullName: string, repo: ReturnType<typeof createTestRepo>, files: Record<string, string>, delivery?: string) {
  const before = repo.head();
  const sha = repo.commitAndPush(files);
  const res = await relay.sendWebhook("push", pushPayload(repo, fullName, before, sha, Object.keys(files)), delivery ? { delivery } : {});
  expect(res.status).toBe(202);
  const body = (await res.json()) as { jobId: string; deduplicated?: boolean };
  return { sha, jobId: body.jobId, body };
}

const completed = (id: string) => (l: { jobId: string | null; msg: string }) => l.jobId === id && l.msg.startsWith("completed");

describe("push → relay → worker", () => {
  it("syncs to exactly the pushed sha and runs the plan; the next push reruns only what changed", async () => {
    const repo = createTestRepo();
    const workDir = tmp("wd");
    const ranLog = join(workDir, "ran.log");
    const w = worker({ workDir, ranLog });
    const first = await push("e2e/first", repo, kbFiles());
    await w.waitFor(completed(first.jobId), "the first job to complete");
    const job = await client.get(first.jobId);
    expect(job.state).toBe("done");
    expect(job.result).toMatchObject({ sha: first.sha, ran: 4, skipped: 0 });
    expect(git(checkoutDir(workDir, "e2e/first"), "rev-parse", "HEAD")).toBe(first.sha);

    // Another commit lands upstream after the push: the worker must still take the pushed sha.
    const second = await push("e2e/first", repo, editedAtom("ohms-law", "An added paragraph."));
    repo.commitAndPush({ "unrelated.txt": "later" });
    await w.waitFor(completed(second.jobId), "the second job to complete");
    expect((await client.get(second.jobId)).result).toMatchObject({ sha: second.sha, ran: 2, skipped: 2 });
    expect(git(checkoutDir(workDir, "e2e/first"), "rev-parse", "HEAD")).toBe(second.sha);
    expect(counts(ranSteps(ranLog))).toEqual({ "echo:lockout-tagout": 1, "echo:ohms-law": 2, "echo:what-is-a-plc": 1, combine: 2 });
    w.kill("SIGTERM");
    expect((await w.exited).code).toBe(0);
  });

  it("the same delivery again makes no second job, and a job redelivered after a lost ack runs no step twice", async () => {
    const repo = createTestRepo();
    const workDir = tmp("wd");
    const ranLog = join(workDir, "ran.log");
    const w = worker({ workDir, ranLog, dropFirstAck: true });
    const delivery = "0f6a0b2e-9b63-4f6e-9f3e-000000000001";
    const first = await push("e2e/lost-ack", repo, kbFiles(), delivery);
    const again = await relay.sendWebhook("push", pushPayload(repo, "e2e/lost-ack", first.sha, first.sha), { delivery });
    expect(await again.json()).toMatchObject({ jobId: first.jobId, deduplicated: true });

    // The first ack is lost; the lease expires; the relay hands the job out again; every step is skipped.
    await w.waitFor(completed(first.jobId), "the redelivered job to complete");
    const job = await client.get(first.jobId);
    expect(job.state).toBe("done");
    // At least one expiry; more only if this loaded machine stalled a heartbeat past the short test lease.
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    expect(job.result).toMatchObject({ sha: first.sha, ran: 0, skipped: 4 });
    expect(counts(ranSteps(ranLog))).toEqual({ "echo:lockout-tagout": 1, "echo:ohms-law": 1, "echo:what-is-a-plc": 1, combine: 1 });
    w.kill("SIGTERM");
    await w.exited;
  });

  it("a worker SIGKILLed mid-step: the lease expires, a second worker finishes, no finished step runs again", async () => {
    const repo = createTestRepo();
    const workDir = tmp("wd");
    const ranLog = join(workDir, "ran.log");
    const gate = join(workDir, "never-created");
    const started = join(workDir, "blocked-step-started");
    const a = worker({ workDir, ranLog, behaviour: { blockOn: { key: "echo:ohms-law", file: gate, started } } });
    const { jobId, sha } = await push("e2e/crash", repo, kbFiles());
    await Promise.race([
      waitForFile(started, AbortSignal.timeout(50_000)),
      a.exited.then(() => {
        throw new Error(`worker A exited before its step started:\n${a.text()}`);
      }),
    ]);
    a.kill("SIGKILL");
    expect((await a.exited).signal).toBe("SIGKILL");
    expect(existsSync(gate)).toBe(false);

    const b = worker({ workDir, ranLog });
    await b.waitFor(completed(jobId), "the second worker to complete the job");
    const job = await client.get(jobId);
    expect(job.state).toBe("done");
    const outcomes = job.history.map((h) => h.outcome);
    expect(outcomes[0]).toBe("expired");
    expect(outcomes.at(-1)).toBe("completed");
    expect(outcomes.filter((o) => o === "completed")).toHaveLength(1);
    expect(job.result).toMatchObject({ sha, ran: 3, skipped: 1 });
    // lockout-tagout finished before the kill and never ran again; ohms-law was cut off and ran again.
    expect(counts(ranSteps(ranLog))).toEqual({ "echo:lockout-tagout": 1, "echo:ohms-law": 2, "echo:what-is-a-plc": 1, combine: 1 });
    b.kill("SIGTERM");
    await b.exited;
    writeFileSync(gate, "");
  });

  it("two workers serving one relay at once: every job runs once, on one of them", async () => {
    const ranLog = join(tmp("shared"), "ran.log");
    const a = worker({ workDir: tmp("wd-a"), ranLog, name: "worker-a" });
    const b = worker({ workDir: tmp("wd-b"), ranLog, name: "worker-b" });
    const jobs: string[] = [];
    for (let i = 0; i < 4; i++) jobs.push((await push(`e2e/multi-${i}`, createTestRepo(), kbFiles())).jobId);
    const doneBy = await Promise.all(
      jobs.map((id) => Promise.race([a.waitFor(completed(id)).then(() => "a"), b.waitFor(completed(id)).then(() => "b")])),
    );
    expect(doneBy).toHaveLength(4);
    for (const id of jobs) {
      const job = await client.get(id);
      expect(job.state).toBe("done");
      expect(job.history.filter((h) => h.outcome === "completed")).toHaveLength(1);
      expect(job.result).toMatchObject({ ran: 4 });
    }
    expect(ranSteps(ranLog)).toHaveLength(16);
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
  });
});
