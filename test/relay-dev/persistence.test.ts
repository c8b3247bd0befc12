/**
 * The relay as `npm run relay:dev` runs it: real `wrangler dev` (local workerd) with state
 * persisted to a directory. Jobs, leases and delivery ids survive a restart of the process.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayProcess, startRelay } from "../helpers/relay-process.ts";

const push = readFileSync(new URL("../fixtures/github-webhooks/push/with-new-branch.payload.json", import.meta.url), "utf8");
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  await relay?.stop();
  if (relay) rmSync(relay.persistDir, { recursive: true, force: true });
});

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${relay.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${relay.token}`, "Content-Type": "application/json", ...init.headers },
  });
}

describe("the relay under wrangler dev", () => {
  it("keeps queued and leased jobs, the lease and delivery dedupe across a restart", async () => {
    const first = await relay.sendWebhook("push", push, { delivery: "delivery-1" });
    expect(first.status).toBe(202);
    const { jobId } = (await first.json()) as { jobId: string };
    const manual = await api("/v1/jobs", { method: "POST", body: JSON.stringify({ type: "factory.render", payload: { n: 1 } }) });
    expect(manual.status).toBe(202);
    const leased = await api("/v1/jobs/next?wait=0&worker=before-restart");
    expect(leased.status).toBe(200);
    const lease = (await leased.json()) as { job: { id: string }; lease: { token: string } };
    expect(lease.job.id).toBe(jobId);

    await relay.restart();

    const stats = (await (await api("/v1/stats")).json()) as { counts: Record<string, number> };
    expect(stats.counts).toMatchObject({ queued: 1, leased: 1 });
    const again = await relay.sendWebhook("push", push, { delivery: "delivery-1" });
    expect(await again.json()).toEqual({ jobId, deduplicated: true });
    const heartbeat = await api(`/v1/jobs/${jobId}/heartbeat`, {
      method: "POST",
      body: JSON.stringify({ leaseToken: lease.lease.token }),
    });
    expect(heartbeat.status).toBe(200);
    const done = await api(`/v1/jobs/${jobId}/complete`, { method: "POST", body: JSON.stringify({ leaseToken: lease.lease.token }) });
    expect(done.status).toBe(200);
  });

  it("wakes a waiting long poll when a webhook arrives", async () => {
    // Drain what the previous test left.
    while ((await api("/v1/jobs/next?wait=0&worker=drain")).status === 200);
    const poll = api("/v1/jobs/next?wait=30&worker=sleeper");
    // The poll may or may not have reached the object yet; either way it must get this job.
    const sent = await relay.sendWebhook("push", push.replace("6113728f27ae82c7b1a177c8d03f9e96e0adf246", "a".repeat(40)));
    const { jobId } = (await sent.json()) as { jobId: string };
    const res = await poll;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { job: { id: string } }).job.id).toBe(jobId);
  });

  it("refuses an unsigned webhook with 401", async () => {
    const res = await fetch(`${relay.url}/github/webhook`, {
      method: "POST",
      headers: { "X-GitHub-Event": "push", "X-GitHub-Delivery": "x" },
      body: push,
    });
    expect(res.status).toBe(401);
  });
});
