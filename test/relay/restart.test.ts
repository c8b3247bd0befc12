/**
 * Defect 1 (issue 13): a worker restarted by SIGTERM or SIGKILL must get the next job at once.
 * The relay side: a lease must be confirmed by its first heartbeat within the claim window,
 * expiry is checked on every read (not only by the alarm), and the first poll of a new process
 * under a worker name takes back what its dead predecessor held, never what it holds itself.
 */
import { reset, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { api, enqueue, json, lease, queue, setClock, untilWaiting } from "./helpers.ts";

const T0 = Date.UTC(2099, 0, 1);
const CLAIM_MS = 10_000;

afterEach(async () => {
  await reset();
});

async function jobOf(id: string) {
  return json(await api("GET", `/v1/jobs/${id}`));
}

describe("a lease must be confirmed", () => {
  it("gives an unconfirmed lease back after the claim window, without spending an attempt, to the waiting poll", async () => {
    await setClock(T0);
    const id = await enqueue();
    await lease("gone", { confirm: false });
    const poll = api("GET", "/v1/jobs/next?wait=50&worker=alive");
    await untilWaiting(1);
    await setClock(T0 + CLAIM_MS);
    expect(await runDurableObjectAlarm(queue())).toBe(true);
    const res = await poll;
    expect(res.status).toBe(200);
    const handed = await json(res);
    expect(handed.job).toMatchObject({ id, attempts: 1, leasedBy: "alive" });
    const detail = await jobOf(id);
    expect(detail.history[0]).toMatchObject({ worker: "gone", outcome: "released" });
    expect(detail.history[0].error).toMatch(/not confirmed within 10 s/);
  });

  it("keeps a lease its holder confirmed with the first heartbeat for the whole lease", async () => {
    await setClock(T0);
    const id = await enqueue();
    await lease("w1");
    await setClock(T0 + CLAIM_MS + 1);
    expect(await jobOf(id)).toMatchObject({ state: "leased", leasedBy: "w1" });
  });

  it("takes back an expired lease on the next read, before the alarm fires", async () => {
    await setClock(T0);
    const id = await enqueue();
    const stale = await lease("gone", { confirm: false });
    await setClock(T0 + CLAIM_MS);
    expect(await jobOf(id)).toMatchObject({ state: "queued", attempts: 0, leasedBy: null });
    expect((await api("POST", `/v1/jobs/${id}/heartbeat`, { leaseToken: stale.lease.token })).status).toBe(409);
    expect((await lease("alive")).job.id).toBe(id);
  });

  it("expires a confirmed lease on read too (attempt spent, backoff)", async () => {
    await setClock(T0, 0);
    const id = await enqueue();
    await lease("crashed");
    await setClock(T0 + 120_000, 0);
    const job = await jobOf(id);
    expect(job).toMatchObject({ state: "queued", attempts: 1 });
    expect(job.lastError).toMatch(/stopped heartbeating/);
  });
});

describe("a restarted worker process", () => {
  it("gets the next job, not the poll its killed predecessor left parked", async () => {
    await setClock(T0);
    const dead = api("GET", "/v1/jobs/next?wait=50&worker=home&instance=aaaa");
    await untilWaiting(1);
    const fresh = api("GET", "/v1/jobs/next?wait=50&worker=home&instance=bbbb");
    // The new process's first poll answers the predecessor's 204 (nobody reads it).
    expect((await dead).status).toBe(204);
    await untilWaiting(1);
    const id = await enqueue();
    const res = await fresh;
    expect(res.status).toBe(200);
    expect((await json(res)).job.id).toBe(id);
  });

  it("takes back what the predecessor held: an unconfirmed lease free, a running one with its attempt spent", async () => {
    await setClock(T0);
    await enqueue();
    await enqueue();
    const never = (await lease("home", { instance: "aaaa", confirm: false })).job.id as string;
    const running = (await lease("home", { instance: "aaaa" })).job.id as string;
    const first = await lease("home", { instance: "bbbb" });
    expect(first.job.id).toBe(never); // both ready at once; the older job first
    expect(await jobOf(never)).toMatchObject({ state: "leased", attempts: 1 });
    const ran = await jobOf(running);
    expect(ran.history[0]).toMatchObject({ outcome: "expired" });
    expect(ran.history[0].error).toMatch(/restarted/);
    // Both came back ready at once: the new process leases the second one now.
    const second = await lease("home", { instance: "bbbb" });
    expect(new Set([first.job.id, second.job.id])).toEqual(new Set([never, running]));
    expect((await jobOf(running)).attempts).toBe(2);
    expect((await jobOf(never)).attempts).toBe(1);
  });

  it("never takes back its own leases (several jobs at once) nor a known process's", async () => {
    await setClock(T0);
    const a = await enqueue();
    const b = await enqueue();
    await lease("home", { instance: "bbbb" });
    await lease("home", { instance: "bbbb" });
    await enqueue();
    // Another poll of the same process, and of a process already seen: nothing moves.
    expect((await api("GET", "/v1/jobs/next?wait=0&worker=home&instance=bbbb")).status).toBe(200);
    for (const id of [a, b]) expect(await jobOf(id)).toMatchObject({ state: "leased", attempts: 1 });
  });

  it("withdraws only its own polls on shutdown (DELETE /v1/jobs/next with instance)", async () => {
    const mine = api("GET", "/v1/jobs/next?wait=50&worker=home&instance=aaaa");
    await untilWaiting(1);
    const other = api("GET", "/v1/jobs/next?wait=50&worker=other&instance=cccc");
    await untilWaiting(2);
    const res = await api("DELETE", "/v1/jobs/next?worker=home&instance=aaaa");
    expect(await json(res)).toEqual({ withdrawn: 1 });
    expect((await mine).status).toBe(204);
    const id = await enqueue();
    expect((await json(await other)).job.id).toBe(id);
  });

  it("refuses a malformed instance id with 400", async () => {
    const res = await api("GET", "/v1/jobs/next?wait=0&worker=home&instance=has%20space");
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/instance/);
  });
});
