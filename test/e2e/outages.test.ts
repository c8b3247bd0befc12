/**
 * What goes wrong, with real processes: the relay going away and coming back, a wrong token,
 * a wrong relay URL, an unreachable repository, a sha that does not exist.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RelayClient } from "../../worker/relay-client.ts";
import { createTestRepo } from "../helpers/git.ts";
import { freePort, startRelay, type RelayProcess } from "../helpers/relay-process.ts";
import { kbFiles, waitForFile } from "../worker/test-stages.ts";
import { counts, pushPayload, ranSteps, startFactory, startTestWorker, type WorkerProcess } from "./harness.ts";

let relay: RelayProcess;
let client: RelayClient;
const procs: WorkerProcess[] = [];
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `factory-e2e-${p}-`));
const track = (p: WorkerProcess) => (procs.push(p), p);

beforeAll(async () => {
  relay = await startRelay({ vars: { LEASE_SECONDS: "4", BACKOFF_BASE_SECONDS: "0.2", BACKOFF_MAX_SECONDS: "1" } });
  client = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "e2e-test" });
});
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await relay?.stop();
});

async function pushJob(fullName: string, body: unknown): Promise<string> {
  const res = await relay.sendWebhook("push", body);
  expect(res.status).toBe(202);
  return ((await res.json()) as { jobId: string }).jobId;
}

describe("outages and bad input", () => {
  it("the relay stopped mid-job and started again: the worker reconnects, one log line per outage, nothing lost", async () => {
    const repo = createTestRepo();
    const workDir = tmp("wd");
    const ranLog = join(workDir, "ran.log");
    const gate = join(workDir, "gate");
    const started = join(workDir, "started");
    const w = track(startTestWorker({ relayUrl: relay.url, token: relay.token, workDir, ranLog, behaviour: { blockOn: { key: "echo:ohms-law", file: gate, started } } }));
    const before = repo.head();
    const sha = repo.commitAndPush(kbFiles());
    const jobId = await pushJob("e2e/outage", pushPayload(repo, "e2e/outage", before, sha));
    await waitForFile(started, AbortSignal.timeout(50_000));

    await relay.stop();
    await w.waitFor((l) => l.msg.startsWith("relay unreachable"), "the outage line");
    await relay.restart();
    writeFileSync(gate, "go");

    await w.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job to complete after the restart");
    const job = await client.get(jobId);
    expect(job.state).toBe("done");
    expect(job.result).toMatchObject({ sha });
    expect(counts(ranSteps(ranLog))).toEqual({ "echo:lockout-tagout": 1, "echo:ohms-law": 1, "echo:what-is-a-plc": 1, combine: 1 });
    expect(w.lines.filter((l) => l.msg.startsWith("relay unreachable"))).toHaveLength(1);
    expect(w.lines.filter((l) => l.msg.startsWith("relay reachable again"))).toHaveLength(1);

    // And it keeps serving: the next push after the outage is picked up.
    const b2 = repo.head();
    const sha2 = repo.commitAndPush({ "notes.txt": "after the outage" });
    const next = await pushJob("e2e/outage", pushPayload(repo, "e2e/outage", b2, sha2));
    await w.waitFor((l) => l.jobId === next && l.msg.startsWith("completed"), "the next job");
    w.kill("SIGTERM");
    expect((await w.exited).code).toBe(0);
  });

  it("a wrong token: `factory worker` says the token was rejected and where to set it, and exits 3", async () => {
    const p = track(startFactory(["worker"], { RELAY_URL: relay.url, WORKER_TOKEN: "not-the-token-123", WORK_DIR: tmp("wd") }));
    const { code } = await p.exited;
    expect(code).toBe(3);
    const line = p.lines.find((l) => l.level === "error");
    expect(line?.msg).toMatch(/rejected the worker token \(401\)/);
    expect(line?.msg).toContain("WORKER_TOKEN");
    expect(JSON.stringify(p.lines)).not.toContain("not-the-token-123");
  });

  it("a relay URL where nothing answers: one clear line naming it, retries quietly, stops cleanly on SIGTERM", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const p = track(startFactory(["worker"], { RELAY_URL: url, WORKER_TOKEN: "x-token-1234", WORK_DIR: tmp("wd") }));
    const line = await p.waitFor((l) => l.msg.startsWith("relay unreachable"), "the outage line");
    expect(line.msg).toContain(url);
    p.kill("SIGTERM");
    expect((await p.exited).code).toBe(0);
    expect(p.lines.filter((l) => l.msg.startsWith("relay unreachable"))).toHaveLength(1);
  });

  it("a malformed RELAY_URL: a config error that names it, exit 2", async () => {
    const p = track(startFactory(["worker"], { RELAY_URL: "relay.example.com", WORKER_TOKEN: "t", WORK_DIR: tmp("wd") }));
    expect((await p.exited).code).toBe(2);
    expect(p.lines[0]?.msg).toMatch(/RELAY_URL: must be an http\(s\) URL/);
  });

  it("an unreachable repository and a missing sha: each job dead with a clear error", async () => {
    const repo = createTestRepo();
    const w = track(startTestWorker({ relayUrl: relay.url, token: relay.token, workDir: tmp("wd") }));
    const gone = { ...repo, bare: join(tmp("gone"), "missing.git") };
    const unreachable = await pushJob("e2e/unreachable", pushPayload(gone, "e2e/unreachable", repo.head(), repo.head()));
    const missingSha = "0123456789abcdef0123456789abcdef01234567";
    const missing = await pushJob("e2e/missing-sha", pushPayload(repo, "e2e/missing-sha", repo.head(), missingSha));
    for (const id of [unreachable, missing]) {
      await w.waitFor((l) => l.jobId === id && l.msg.startsWith("failed for good"), `job ${id} to be dead`);
    }
    const a = await client.get(unreachable);
    expect(a.state).toBe("dead");
    // Failed once, not retried (an earlier attempt may only have expired, if a lease went to a poll that had just gone away).
    expect(a.history.filter((h) => h.outcome === "failed")).toHaveLength(1);
    expect(a.lastError).toMatch(/git clone of e2e\/unreachable from .*missing\.git failed/);
    expect(a.lastError).toContain("cloneUrl");
    const b = await client.get(missing);
    expect(b.state).toBe("dead");
    expect(b.lastError).toContain(`commit ${missingSha} does not exist in e2e/missing-sha`);
    w.kill("SIGTERM");
    await w.exited;
  });

  it("SIGTERM mid-step: the step gets the drain time, then the lease is released without spending an attempt; a second signal exits at once", async () => {
    const repo = createTestRepo();
    const workDir = tmp("wd");
    const gate = join(workDir, "never");
    const started = join(workDir, "started");
    const w = track(startTestWorker({ relayUrl: relay.url, token: relay.token, workDir, env: { WORKER_DRAIN_SECONDS: "1" }, behaviour: { blockOn: { key: "echo:ohms-law", file: gate, started } } }));
    const before = repo.head();
    const sha = repo.commitAndPush(kbFiles());
    const jobId = await pushJob("e2e/drain", pushPayload(repo, "e2e/drain", before, sha));
    await waitForFile(started, AbortSignal.timeout(50_000));
    w.kill("SIGTERM");
    expect((await w.exited).code).toBe(0);
    expect(w.lines.some((l) => l.jobId === jobId && l.msg.startsWith("released the lease"))).toBe(true);
    const job = await client.get(jobId);
    expect(job.state).toBe("queued");
    expect(job.history.at(-1)?.outcome).toBe("released");

    // Pick it up again, then send two signals: the second one exits at once (130).
    const w2 = track(startTestWorker({ relayUrl: relay.url, token: relay.token, workDir, env: { WORKER_DRAIN_SECONDS: "60" }, behaviour: { blockOn: { key: "echo:ohms-law", file: gate, started: join(workDir, "started-2") } } }));
    await waitForFile(join(workDir, "started-2"), AbortSignal.timeout(50_000));
    w2.kill("SIGTERM");
    await w2.waitFor((l) => /^SIGTERM: .*running step/.test(l.msg), "the drain line");
    w2.kill("SIGTERM");
    expect((await w2.exited).code).toBe(130);
  });
});
