/**
 * Issue 13, defects 2-5: every legal push is kept whatever its size, and every bad or oversized
 * input is a 4xx with the limit in its message, never a 500 and never a failed batch.
 */
import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import dispatch from "../fixtures/github-webhooks/repository_dispatch/payload.json?raw";
import { LIMITS } from "../../shared/jobs.ts";
import { api, enqueue, json, lease, pushBody, sha, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

/** `n` distinct paths like a big monorepo push (~90 bytes each in the body). */
function paths(n: number, prefix = "src"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}/components/generated/module-${String(i).padStart(6, "0")}/widgets/dashboard/panels/index.generated.component.tsx`);
}

/** A push body with `added` paths, padded with commits of `padCommits` paths each up to the wanted size. */
function bigPush(added: string[], after: string, commits = 1): string {
  const body = JSON.parse(pushBody({ after, ref: "refs/heads/master" }));
  const per = Math.ceil(added.length / commits);
  body.commits = Array.from({ length: commits }, (_, i) => ({
    ...body.commits[0],
    id: after,
    added: added.slice(i * per, (i + 1) * per),
    modified: [],
    removed: [],
  }));
  return JSON.stringify(body);
}

function deep(levels: number): unknown {
  let v: unknown = { leaf: true };
  for (let i = 0; i < levels; i++) v = { d: v };
  return v;
}

describe("large legal pushes (defect 2)", () => {
  it("keeps a push of 30,000 paths (2.7 MB) as a bounded summary marked truncated", async () => {
    const body = bigPush(paths(30_000), sha(1));
    expect(body.length).toBeGreaterThan(2_700_000);
    const res = await webhook("push", body);
    expect(res.status).toBe(202);
    const job = await json(await api("GET", `/v1/jobs/${(await json(res)).jobId}`));
    expect(job.payload.after).toBe(sha(1));
    expect(job.payload.changes.truncated).toBe(true);
    expect(job.payload.changes.added).toHaveLength(LIMITS.changedPaths);
    expect(job.payload.changes.added[0]).toBe(paths(1)[0]);
  });

  it("accepts a 25 MB push (GitHub's maximum) and keeps it", async () => {
    // Just under 25 MiB: the largest body GitHub sends.
    const perPath = paths(1)[0]!.length + 3;
    const body = bigPush(paths(Math.floor((25 * 1024 * 1024 - 200_000) / perPath)), sha(2), 50);
    expect(body.length).toBeGreaterThan(24 * 1024 * 1024);
    expect(body.length).toBeLessThanOrEqual(25 * 1024 * 1024);
    const res = await webhook("push", body);
    expect(res.status).toBe(202);
    const job = await json(await api("GET", `/v1/jobs/${(await json(res)).jobId}`));
    expect(job).toMatchObject({ state: "queued", payload: { after: sha(2), changes: { truncated: true } } });
  });

  it("coalesces many large pushes into one bounded job, newest target, every delivery counted", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await webhook("push", bigPush(paths(30_000, `p${i}`), sha(10 + i)));
      expect(res.status).toBe(202);
      ids.push((await json(res)).jobId);
    }
    expect(new Set(ids).size).toBe(1);
    const job = await json(await api("GET", `/v1/jobs/${ids[0]}`));
    expect(job.payload).toMatchObject({ after: sha(15), coalesced: 6, changes: { truncated: true } });
    const kept = job.payload.changes.added.length + job.payload.changes.modified.length + job.payload.changes.removed.length;
    expect(kept).toBeLessThanOrEqual(LIMITS.changedPaths);
    expect(job.payload.deliveryIds).toHaveLength(6);
  });

  it("keeps only the newest delivery ids in a job that coalesced very many pushes", async () => {
    for (let i = 0; i < LIMITS.deliveryIds + 5; i++) expect((await webhook("push", pushBody({ after: sha(100 + i), ref: "refs/heads/master" }))).status).toBe(202);
    const jobs = (await json(await api("GET", "/v1/jobs"))).jobs;
    expect(jobs).toHaveLength(1);
    expect(jobs[0].payload.coalesced).toBe(LIMITS.deliveryIds + 5);
    expect(jobs[0].payload.deliveryIds).toHaveLength(LIMITS.deliveryIds);
  });
});

describe("runAt bounds (defect 3)", () => {
  it("refuses runAt in the year 3000 with 400 before storing, and the other jobs of the same batch are stored", async () => {
    const year3000 = Date.UTC(3000, 0, 1);
    const results = await Promise.all([
      api("POST", "/v1/jobs", { type: "factory.a", payload: {} }),
      api("POST", "/v1/jobs", { type: "factory.b", payload: {}, runAt: year3000 }),
      api("POST", "/v1/jobs", { type: "factory.c", payload: {} }),
    ]);
    expect(results.map((r) => r.status)).toEqual([202, 400, 202]);
    const bad = await json(results[1]!);
    expect(bad).toMatchObject({ error: "invalid_request", issues: [{ path: "runAt" }] });
    expect((await json(await api("GET", "/v1/jobs"))).jobs.map((j: any) => j.type).sort()).toEqual(["factory.a", "factory.c"]);
  });

  it("refuses a retryAt out of range with 400, and the lease stays held", async () => {
    const id = await enqueue();
    const l = await lease();
    const res = await api("POST", `/v1/jobs/${id}/fail`, { leaseToken: l.lease.token, error: "x", retryable: true, retryAt: 1e300 });
    expect(res.status).toBe(400);
    expect((await json(await api("GET", `/v1/jobs/${id}`))).state).toBe("leased");
  });

  it("stores a job scheduled far ahead (its alarm is planned in steps) and keeps serving", async () => {
    const far = await enqueue({ runAt: Date.UTC(2199, 0, 1) });
    const now = await enqueue();
    expect((await lease()).job.id).toBe(now);
    expect((await json(await api("GET", `/v1/jobs/${far}`))).state).toBe("queued");
  });
});

describe("nesting depth (defect 4)", () => {
  it("answers 400 to a repository_dispatch whose client_payload nests thousands of levels deep", async () => {
    const body = JSON.parse(dispatch);
    body.action = "factory.rebuild";
    body.client_payload = deep(5000);
    const res = await webhook("repository_dispatch", JSON.stringify(body));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/nests deeper than \d+ levels/);
    expect((await json(await api("GET", "/v1/stats"))).counts.queued).toBe(0);
  });

  it("answers 400 to a client_payload over its size limit", async () => {
    const body = JSON.parse(dispatch);
    body.action = "factory.rebuild";
    body.client_payload = { blob: "x".repeat(LIMITS.clientPayloadBytes + 1) };
    const res = await webhook("repository_dispatch", JSON.stringify(body));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/client_payload .* over the 64 KiB limit/);
  });

  it("answers 400 to deep JSON on every worker API body", async () => {
    const id = await enqueue();
    const nested = JSON.stringify({ leaseToken: "x".repeat(32), progress: deep(5000) });
    for (const path of ["/v1/jobs", `/v1/jobs/${id}/heartbeat`, `/v1/jobs/${id}/complete`]) {
      const res = await api("POST", path, undefined);
      expect(res.status).toBe(400); // no body at all: not JSON
      const deepRes = await fetchRaw(path, nested);
      expect(deepRes.status).toBe(400);
      expect((await json(deepRes)).message).toMatch(/nests deeper/);
    }
  });

  it("answers 400 to a body that is not UTF-8", async () => {
    const res = await fetchRaw("/v1/jobs", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/UTF-8/);
  });
});

describe("storage limits (defect 5)", () => {
  it("answers 413 with the limit to a job payload over it, and stores nothing", async () => {
    const res = await api("POST", "/v1/jobs", { type: "factory.big", payload: { blob: "x".repeat(LIMITS.payloadBytes) } });
    expect(res.status).toBe(413);
    expect(await json(res)).toMatchObject({ error: "payload_too_large", message: expect.stringMatching(/256 KiB/) });
    expect((await json(await api("GET", "/v1/stats"))).counts.queued).toBe(0);
  });

  it("answers 413 with the limit to a complete result over it; the lease stays held and a smaller result completes the job", async () => {
    const id = await enqueue();
    const l = await lease();
    const steps = Array.from({ length: 400 }, (_, i) => ({ key: `step-${i}`, kind: "render", status: "ran", ms: 1, produced: ["x".repeat(200)] }));
    const big = await api("POST", `/v1/jobs/${id}/complete`, { leaseToken: l.lease.token, result: { steps } });
    expect(big.status).toBe(413);
    expect((await json(big)).message).toMatch(/64 KiB.*artifacts/);
    const ok = await api("POST", `/v1/jobs/${id}/complete`, { leaseToken: l.lease.token, result: { steps: [], summary: "trimmed" } });
    expect(ok.status).toBe(200);
    expect((await json(ok)).job).toMatchObject({ state: "done", result: { summary: "trimmed" } });
  });

  it("answers 413 to a worker API body over 1 MiB, by its Content-Length", async () => {
    const res = await fetchRaw("/v1/jobs", "x".repeat(LIMITS.apiBodyBytes + 1));
    expect(res.status).toBe(413);
    expect((await json(res)).message).toMatch(/1 MiB/);
  });
});

/** An authorised POST with a raw body. */
async function fetchRaw(path: string, body: string | Uint8Array): Promise<Response> {
  const { SELF } = await import("cloudflare:test");
  return SELF.fetch(`https://relay.test${path}`, {
    method: "POST",
    headers: { Authorization: "Bearer test-token-a", "Content-Type": "application/json" },
    body,
  });
}
