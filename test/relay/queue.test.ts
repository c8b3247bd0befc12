import { abortAllDurableObjects, reset, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { CompleteResponse, LeaseResponse } from "../../shared/jobs.ts";
import type { QueueObject } from "../../relay/queue/QueueObject.ts";
import { api, BASE, enqueue, json, lease, pushBody, queue, setClock, untilWaiting, webhook } from "./helpers.ts";

// In the future of the real clock, so alarms only fire when a test fires them.
const T0 = Date.UTC(2099, 0, 1);
const LEASE_MS = 120_000;
const CLAIM_MS = 10_000;

afterEach(async () => {
  await reset();
});

describe("authorisation", () => {
  it("refuses the worker API without a token, with a wrong token, and with a non-bearer scheme", async () => {
    const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer wrong" }, { Authorization: "Basic dGVzdC10b2tlbi1hOg==" }];
    for (const headers of attempts) {
      const res = await SELF.fetch(`${BASE}/v1/stats`, { headers });
      expect(res.status).toBe(401);
      expect((await res.json<any>()).error).toBe("unauthorized");
    }
  });

  it("accepts every token in WORKER_TOKENS", async () => {
    expect((await api("GET", "/v1/stats", undefined, "test-token-b")).status).toBe(200);
  });
});

describe("leasing", () => {
  it("leases a queued job with a token and expiry, and answers 204 when nothing is ready", async () => {
    await setClock(T0);
    const id = await enqueue();
    const res = await api("GET", "/v1/jobs/next?wait=0&worker=w1");
    expect(res.status).toBe(200);
    const body = LeaseResponse.parse(await json(res));
    expect(body.job).toMatchObject({ id, state: "leased", attempts: 1, leasedBy: "w1" });
    // Unconfirmed until the first heartbeat: short, and it says so.
    expect(body.lease).toMatchObject({ expiresAt: T0 + CLAIM_MS, confirmBy: T0 + CLAIM_MS });
    expect((await api("GET", "/v1/jobs/next?wait=0&worker=w1")).status).toBe(204);
  });

  it("answers 204 after the wait passes with no job", async () => {
    const res = await api("GET", "/v1/jobs/next?wait=1&worker=w1");
    expect(res.status).toBe(204);
  });

  it("rejects a wait outside 0..50 and a bad worker name with 400", async () => {
    expect((await api("GET", "/v1/jobs/next?wait=51")).status).toBe(400);
    expect((await api("GET", "/v1/jobs/next?wait=-1")).status).toBe(400);
    expect((await api("GET", "/v1/jobs/next?wait=0&worker=has%20space")).status).toBe(400);
  });

  it("wakes a waiting long poll the moment a webhook enqueues a job", async () => {
    const poll = api("GET", "/v1/jobs/next?wait=50&worker=sleeper");
    await untilWaiting(1);
    const { jobId } = await json(await webhook("push", pushBody()));
    const res = await poll;
    expect(res.status).toBe(200);
    expect((await json(res)).job.id).toBe(jobId);
  });

  it("never gives the same job to two of N concurrent pollers", async () => {
    const N = 8;
    const polls = Array.from({ length: N }, (_, i) => api("GET", `/v1/jobs/next?wait=50&worker=p${i}`));
    await untilWaiting(N);
    const ids = [];
    for (let i = 0; i < N - 2; i++) ids.push(await enqueue({ payload: { i } }));
    // Two pollers get nothing: end their wait by enqueueing two more jobs they may take.
    ids.push(await enqueue(), await enqueue());
    const leased = await Promise.all(polls.map(async (p) => (await json(await p)).job.id as string));
    expect(new Set(leased).size).toBe(N);
    expect(new Set(leased)).toEqual(new Set(ids));
  });

  it("leases jobs in order of readiness and holds back a job whose runAt is in the future", async () => {
    await setClock(T0);
    const later = await enqueue({ runAt: T0 + 60_000 });
    const now = await enqueue();
    expect((await lease()).job.id).toBe(now);
    expect((await api("GET", "/v1/jobs/next?wait=0")).status).toBe(204);
    await setClock(T0 + 60_000);
    expect((await lease()).job.id).toBe(later);
  });

  it("hands a delayed job to a waiting poll when its runAt alarm fires", async () => {
    await setClock(T0);
    const id = await enqueue({ runAt: T0 + 30_000 });
    const poll = api("GET", "/v1/jobs/next?wait=50&worker=w1");
    await untilWaiting(1);
    await setClock(T0 + 30_000);
    expect(await runDurableObjectAlarm(queue())).toBe(true);
    expect((await json(await poll)).job.id).toBe(id);
  });
});

describe("lease holders", () => {
  it("extends a lease with a heartbeat and records progress", async () => {
    await setClock(T0);
    await enqueue();
    const { job, lease: l } = await lease();
    await setClock(T0 + 30_000);
    const res = await api("POST", `/v1/jobs/${job.id}/heartbeat`, { leaseToken: l.token, progress: { step: "render" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ expiresAt: T0 + 30_000 + LEASE_MS });
    expect((await json(await api("GET", `/v1/jobs/${job.id}`))).progress).toEqual({ step: "render" });
  });

  it("refuses heartbeat, complete, fail and release with 409 when the lease is not held", async () => {
    await enqueue();
    const { job } = await lease();
    const wrong = { leaseToken: "0".repeat(32) };
    expect((await api("POST", `/v1/jobs/${job.id}/heartbeat`, wrong)).status).toBe(409);
    expect((await api("POST", `/v1/jobs/${job.id}/complete`, wrong)).status).toBe(409);
    expect((await api("POST", `/v1/jobs/${job.id}/fail`, { ...wrong, error: "x", retryable: true })).status).toBe(409);
    const release = await api("POST", `/v1/jobs/${job.id}/release`, wrong);
    expect(release.status).toBe(409);
    expect((await json(release)).error).toBe("lease_not_held");
  });

  it("answers 404 for a job that does not exist", async () => {
    expect((await api("POST", "/v1/jobs/nope/heartbeat", { leaseToken: "x" })).status).toBe(404);
    expect((await api("GET", "/v1/jobs/nope")).status).toBe(404);
  });

  it("completes a job with its result and refuses a second ack", async () => {
    await enqueue();
    const { job, lease: l } = await lease();
    const result = { sha: null, steps: [], ran: 3, skipped: 1, produced: ["out/a.mp4"] };
    const res = await api("POST", `/v1/jobs/${job.id}/complete`, { leaseToken: l.token, result });
    expect(res.status).toBe(200);
    const detail = await json(await api("GET", `/v1/jobs/${job.id}`));
    expect(detail).toMatchObject({ state: "done", result, leasedBy: null });
    expect(detail.history).toEqual([expect.objectContaining({ attempt: 1, worker: "w1", outcome: "completed" })]);
    expect((await api("POST", `/v1/jobs/${job.id}/complete`, { leaseToken: l.token })).status).toBe(409);
  });

  it("completes and leases the next ready job in one round trip with ?next=1", async () => {
    const first = await enqueue({ payload: { n: 1 } });
    const second = await enqueue({ payload: { n: 2 } });
    const held = await lease("w1");
    expect(held.job.id).toBe(first);
    const res = await api("POST", `/v1/jobs/${first}/complete?next=1&worker=w1`, { leaseToken: held.lease.token });
    expect(res.status).toBe(200);
    const body = CompleteResponse.parse(await json(res));
    expect(body.job).toMatchObject({ id: first, state: "done" });
    expect(body.next?.job).toMatchObject({ id: second, leasedBy: "w1" });
    const last = await api("POST", `/v1/jobs/${second}/complete?next=1&worker=w1`, { leaseToken: body.next!.lease.token });
    expect((await json(last)).next).toBeNull();
  });

  it("releases a job back to the queue without spending an attempt", async () => {
    await enqueue();
    const first = await lease("w1");
    const res = await api("POST", `/v1/jobs/${first.job.id}/release`, { leaseToken: first.lease.token });
    expect(res.status).toBe(200);
    const second = await lease("w2");
    expect(second.job).toMatchObject({ id: first.job.id, attempts: 1, leasedBy: "w2" });
    expect(second.lease.token).not.toBe(first.lease.token);
  });
});

describe("failure, backoff and dead-lettering", () => {
  it("queues a retryable failure again after an exponential backoff with jitter", async () => {
    await setClock(T0, 0.5);
    const id = await enqueue();
    const l1 = await lease();
    const res = await api("POST", `/v1/jobs/${id}/fail`, { leaseToken: l1.lease.token, error: "tts down", retryable: true });
    expect(res.status).toBe(200);
    // Base 30 s, equal jitter with random 0.5: 15 s + 0.5 × 15 s.
    expect(await json(res)).toEqual({ state: "queued", runAt: T0 + 22_500, attempts: 1 });
    expect((await api("GET", "/v1/jobs/next?wait=0")).status).toBe(204);

    await setClock(T0 + 22_500, 0.5);
    const l2 = await lease();
    const res2 = await api("POST", `/v1/jobs/${id}/fail`, { leaseToken: l2.lease.token, error: "tts down", retryable: true });
    // Second retry doubles: 30 s + 0.5 × 30 s.
    expect((await json(res2)).runAt).toBe(T0 + 22_500 + 45_000);
    expect((await json(await api("GET", `/v1/jobs/${id}`))).lastError).toBe("tts down");
  });

  it("honours a later retryAt the worker asks for", async () => {
    await setClock(T0, 0);
    const id = await enqueue();
    const l = await lease();
    const retryAt = T0 + 6 * 3_600_000;
    const res = await api("POST", `/v1/jobs/${id}/fail`, { leaseToken: l.lease.token, error: "quota", retryable: true, retryAt });
    expect((await json(res)).runAt).toBe(retryAt);
  });

  it("kills a job that fails non-retryably, and one that spends maxAttempts", async () => {
    await setClock(T0, 0);
    const fatal = await enqueue();
    const l = await lease();
    const res = await api("POST", `/v1/jobs/${fatal}/fail`, { leaseToken: l.lease.token, error: "bad script", retryable: false });
    expect(await json(res)).toEqual({ state: "dead", runAt: null, attempts: 1 });

    const flaky = await enqueue({ maxAttempts: 2 });
    let t = T0;
    for (const expected of ["queued", "dead"]) {
      await setClock(t, 0);
      const held = await lease();
      const out = await json(
        await api("POST", `/v1/jobs/${flaky}/fail`, { leaseToken: held.lease.token, error: "boom", retryable: true }),
      );
      expect(out.state).toBe(expected);
      t += 3_600_000;
    }
    const dead = await json(await api("GET", "/v1/jobs?state=dead"));
    expect(dead.jobs.map((j: any) => j.id).sort()).toEqual([fatal, flaky].sort());
  });

  it("retries a dead job from the queue and refuses to retry a job that is not dead", async () => {
    await setClock(T0, 0);
    const id = await enqueue();
    const l = await lease();
    await api("POST", `/v1/jobs/${id}/fail`, { leaseToken: l.lease.token, error: "bad", retryable: false });
    const res = await api("POST", `/v1/jobs/${id}/retry`);
    expect(res.status).toBe(200);
    expect((await json(res)).job).toMatchObject({ id, state: "queued", attempts: 0 });
    expect((await lease()).job.id).toBe(id);
    expect((await api("POST", `/v1/jobs/${id}/retry`)).status).toBe(409);
  });
});

describe("lease expiry by alarm", () => {
  it("returns an expired lease to the queue, spends the attempt and refuses the late ack", async () => {
    await setClock(T0, 0);
    const id = await enqueue();
    const stale = await lease("crashed");
    await setClock(T0 + LEASE_MS, 0);
    expect(await runDurableObjectAlarm(queue())).toBe(true);
    const job = await json(await api("GET", `/v1/jobs/${id}`));
    expect(job).toMatchObject({ state: "queued", attempts: 1, leasedBy: null });
    expect(job.lastError).toMatch(/crashed.*stopped heartbeating/);
    expect(job.history[0]).toMatchObject({ outcome: "expired", worker: "crashed" });

    await setClock(job.runAt, 0);
    const fresh = await lease("healthy");
    expect(fresh.job.id).toBe(id);
    const late = await api("POST", `/v1/jobs/${id}/complete`, { leaseToken: stale.lease.token });
    expect(late.status).toBe(409);
    expect((await json(late)).message).toMatch(/another worker/);
    expect((await api("POST", `/v1/jobs/${id}/complete`, { leaseToken: fresh.lease.token })).status).toBe(200);
  });

  it("dead-letters a job whose last attempt expires", async () => {
    await setClock(T0, 0);
    const id = await enqueue({ maxAttempts: 1 });
    await lease();
    await setClock(T0 + LEASE_MS, 0);
    await runDurableObjectAlarm(queue());
    expect((await json(await api("GET", `/v1/jobs/${id}`))).state).toBe("dead");
  });

  it("keeps a heartbeating lease alive through the alarm", async () => {
    await setClock(T0);
    const id = await enqueue();
    const l = await lease();
    await setClock(T0 + LEASE_MS - 1);
    await api("POST", `/v1/jobs/${id}/heartbeat`, { leaseToken: l.lease.token });
    await setClock(T0 + LEASE_MS);
    await runDurableObjectAlarm(queue());
    expect((await json(await api("GET", `/v1/jobs/${id}`))).state).toBe("leased");
  });

  it("prunes completed jobs after the retention period but keeps dead ones", async () => {
    await setClock(T0, 0);
    const doneId = await enqueue();
    const a = await lease();
    await api("POST", `/v1/jobs/${doneId}/complete`, { leaseToken: a.lease.token });
    const deadId = await enqueue();
    const b = await lease();
    await api("POST", `/v1/jobs/${deadId}/fail`, { leaseToken: b.lease.token, error: "x", retryable: false });
    await setClock(T0 + 7 * 86_400_000);
    expect(await runDurableObjectAlarm(queue())).toBe(true);
    expect((await api("GET", `/v1/jobs/${doneId}`)).status).toBe(404);
    expect((await api("GET", `/v1/jobs/${deadId}`)).status).toBe(200);
  });
});

describe("durability", () => {
  it("keeps queued and leased jobs, leases and history after the object is evicted", async () => {
    const queuedId = await enqueue({ payload: { n: 1 } });
    await enqueue({ payload: { n: 2 } });
    const held = await lease();
    // Every in-memory object goes; only what the object stored survives.
    await abortAllDurableObjects();
    const stats = await json(await api("GET", "/v1/stats"));
    expect(stats.counts).toMatchObject({ queued: 1, leased: 1 });
    const res = await api("POST", `/v1/jobs/${held.job.id}/complete`, { leaseToken: held.lease.token });
    expect(res.status).toBe(200);
    expect((await lease()).job.id).not.toBe(held.job.id);
    expect(queuedId).toBeTruthy();
  });

  it("answers only after the job is in storage", async () => {
    const id = await enqueue();
    const stored = await runInDurableObject(queue(), (_i: QueueObject, state) =>
      state.storage.sql.exec("SELECT state FROM jobs WHERE id = ?", id).toArray(),
    );
    expect(stored).toEqual([{ state: "queued" }]);
  });
});

describe("manual enqueue and operator reads", () => {
  it("lists every bad field of an invalid manual job with 400", async () => {
    const res = await api("POST", "/v1/jobs", { type: "Bad Type", payload: "nope", maxAttempts: 0 });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toBe("invalid_request");
    expect(body.issues.map((i: any) => i.path).sort()).toEqual(["maxAttempts", "payload", "type"]);
  });

  it("answers a body that is not JSON with 400", async () => {
    const res = await SELF.fetch(`${BASE}/v1/jobs`, {
      method: "POST",
      headers: { Authorization: "Bearer test-token-a", "Content-Type": "application/json" },
      body: "{",
    });
    expect(res.status).toBe(400);
  });

  it("deduplicates manual jobs by dedupeKey", async () => {
    const first = await enqueue({ dedupeKey: "course-1" });
    const again = await api("POST", "/v1/jobs", { type: "factory.test", dedupeKey: "course-1" });
    expect(await json(again)).toEqual({ jobId: first, deduplicated: true });
  });

  it("pages through jobs newest first with a cursor and filters by state", async () => {
    let t = T0;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      await setClock((t += 1000));
      ids.push(await enqueue({ payload: { i } }));
    }
    const page1 = await json(await api("GET", "/v1/jobs?limit=3"));
    expect(page1.jobs.map((j: any) => j.id)).toEqual(ids.slice(2).reverse());
    const page2 = await json(await api("GET", `/v1/jobs?limit=3&cursor=${page1.nextCursor}`));
    expect(page2.jobs.map((j: any) => j.id)).toEqual(ids.slice(0, 2).reverse());
    expect(page2.nextCursor).toBeNull();
    expect((await json(await api("GET", "/v1/jobs?state=leased"))).jobs).toEqual([]);
    expect((await api("GET", "/v1/jobs?state=bogus")).status).toBe(400);
    expect((await api("GET", "/v1/jobs?limit=0")).status).toBe(400);
  });

  it("reports counts per state, the oldest queued job's age and the workers seen", async () => {
    await setClock(T0);
    await enqueue();
    await enqueue();
    await lease("laptop");
    await setClock(T0 + 5000);
    const stats = await json(await api("GET", "/v1/stats"));
    expect(stats).toMatchObject({
      counts: { queued: 1, leased: 1, done: 0, dead: 0 },
      oldestQueuedAgeMs: 5000,
      workers: [{ name: "laptop", lastSeenAt: T0 }],
      now: T0 + 5000,
    });
  });

  it("deletes a dead job and refuses to delete a leased one", async () => {
    await setClock(T0, 0);
    const id = await enqueue();
    const l = await lease();
    expect((await api("DELETE", `/v1/jobs/${id}`)).status).toBe(409);
    await api("POST", `/v1/jobs/${id}/fail`, { leaseToken: l.lease.token, error: "x", retryable: false });
    expect((await api("DELETE", `/v1/jobs/${id}`)).status).toBe(200);
    expect((await api("GET", `/v1/jobs/${id}`)).status).toBe(404);
  });
});
