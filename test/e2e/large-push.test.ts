/**
 * Defect 2 (issue 13) with real processes: a push whose changed-path list is huge goes through
 * `wrangler dev` and the relay (a 2.7 MB body, and one of 25 MB), is kept as a bounded summary
 * marked truncated, and the worker still remakes exactly the atom that changed even though the
 * summary does not name it (content hashes decide, never the lists).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/jobs.ts";
import { RelayClient } from "../../worker/relay-client.ts";
import { createTestRepo } from "../helpers/git.ts";
import { startRelay, type RelayProcess } from "../helpers/relay-process.ts";
import { editedAtom, kbFiles } from "../worker/test-stages.ts";
import { counts, pushPayload, ranSteps, startTestWorker, type WorkerProcess } from "./harness.ts";

let relay: RelayProcess;
let client: RelayClient;
const procs: WorkerProcess[] = [];

beforeAll(async () => {
  relay = await startRelay();
  client = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "e2e-large-observer" });
});
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await relay?.stop();
});

/** `n` generated paths (about 90 bytes each in the body), none of them a knowledge atom. */
function generatedPaths(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `vendor/generated/module-${String(i).padStart(6, "0")}/widgets/dashboard/index.generated.tsx`);
}

const completed = (id: string) => (l: { jobId: string | null; msg: string }) => l.jobId === id && l.msg.startsWith("completed");

describe("large legal pushes through wrangler dev", () => {
  it("a 30,000-path push is kept truncated, and the worker still remakes the atom the summary does not name", async () => {
    const repo = createTestRepo();
    const workDir = mkdtempSync(join(tmpdir(), "factory-e2e-large-"));
    const ranLog = join(workDir, "ran.log");
    const w = startTestWorker({ relayUrl: relay.url, token: relay.token, workDir, ranLog });
    procs.push(w);

    const b1 = repo.head();
    const s1 = repo.commitAndPush(kbFiles());
    const first = await relay.sendWebhook("push", pushPayload(repo, "e2e/large", b1, s1, Object.keys(kbFiles())));
    const firstId = ((await first.json()) as { jobId: string }).jobId;
    await w.waitFor(completed(firstId), "the first job");

    // The real change (one atom) listed last, after 30,000 generated paths: cut from the summary.
    const b2 = repo.head();
    const s2 = repo.commitAndPush(editedAtom("ohms-law", "A new worked example."));
    const body = pushPayload(repo, "e2e/large", b2, s2, [...generatedPaths(30_000), "kb/atoms/ohms-law.json"]);
    expect(JSON.stringify(body).length).toBeGreaterThan(2_700_000);
    const res = await relay.sendWebhook("push", body);
    expect(res.status).toBe(202);
    const jobId = ((await res.json()) as { jobId: string }).jobId;
    const stored = await client.get(jobId);
    const changes = stored.payload.changes as { modified: string[]; truncated?: boolean };
    expect(changes.truncated).toBe(true);
    expect(changes.modified).toHaveLength(LIMITS.changedPaths);
    expect(changes.modified).not.toContain("kb/atoms/ohms-law.json");

    await w.waitFor(completed(jobId), "the large push's job");
    expect((await client.get(jobId)).result).toMatchObject({ sha: s2 });
    const ran = counts(ranSteps(ranLog));
    expect(ran["echo:ohms-law"]).toBe(2);
    expect(ran["echo:lockout-tagout"]).toBe(1);
    w.kill("SIGTERM");
    expect((await w.exited).code).toBe(0);
  });

  it("a 25 MB push (GitHub's maximum body) is accepted and kept", async () => {
    const repo = createTestRepo();
    const b = repo.head();
    const s = repo.commitAndPush(kbFiles());
    const perPath = generatedPaths(1)[0]!.length + 3;
    // pushPayload lists the paths twice (the commit and head_commit), as GitHub does.
    const body = pushPayload(repo, "e2e/large-25", b, s, generatedPaths(Math.floor((25 * 1024 * 1024 - 100_000) / (2 * perPath))));
    const size = Buffer.byteLength(JSON.stringify(body));
    expect(size).toBeGreaterThan(24 * 1024 * 1024);
    expect(size).toBeLessThanOrEqual(25 * 1024 * 1024);
    const res = await relay.sendWebhook("push", body);
    expect(res.status).toBe(202);
    const job = await client.get(((await res.json()) as { jobId: string }).jobId);
    expect(job).toMatchObject({ state: "queued", payload: { after: s, changes: { truncated: true } } });
  });
});
