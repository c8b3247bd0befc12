/**
 * `release` events through the real Worker with GitHub's own bodies: a published release
 * becomes one `factory.release.publish` job per release id; prereleases wait for
 * RELEASE_INCLUDE_PRERELEASES; every other action is acknowledged and ignored.
 */
import { createExecutionContext, reset, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import created from "../fixtures/github-webhooks/release/created.payload.json?raw";
import prereleased from "../fixtures/github-webhooks/release/prereleased.payload.json?raw";
import published from "../fixtures/github-webhooks/release/published.payload.json?raw";
import released from "../fixtures/github-webhooks/release/released.json?raw";
import { RELEASE_JOB_TYPE, ReleasePayload } from "../../shared/jobs.ts";
import { createApp } from "../../relay/app.ts";
import { api, BASE, json, lease, newDelivery, SECRET, sign, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

/** GitHub's published body with only the named fields changed. */
function release(
  base: string,
  change: { action?: string; prerelease?: boolean; id?: number; body?: string; name?: string } = {},
): string {
  const b = JSON.parse(base);
  if (change.action) b.action = change.action;
  if (change.prerelease !== undefined) b.release.prerelease = change.prerelease;
  if (change.id !== undefined) b.release.id = change.id;
  if (change.body !== undefined) b.release.body = change.body;
  if (change.name !== undefined) b.release.name = change.name;
  return JSON.stringify(b);
}

async function jobCount(): Promise<number> {
  return (await json(await api("GET", "/v1/jobs?limit=50"))).jobs.length;
}

/** A signed delivery through a relay whose variables include `vars` (the app, given its env). */
async function webhookWith(vars: Record<string, string>, event: string, body: string): Promise<Response> {
  const request = new Request(`${BASE}/github/webhook`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-GitHub-Event": event,
      "X-GitHub-Delivery": newDelivery(),
      "X-Hub-Signature-256": await sign(SECRET, body),
    },
    body,
  });
  const ctx = createExecutionContext();
  const res = await createApp().fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("a published release", () => {
  it("becomes one factory.release.publish job with the release's id, tag, name and notes", async () => {
    const res = await webhook("release", release(published, { name: "Spring term", body: "Courses: plc-basics" }), { delivery: "rel-1" });
    expect(res.status).toBe(202);
    const { jobId } = await json(res);
    const job = await json(await api("GET", `/v1/jobs/${jobId}`));
    expect(job).toMatchObject({ type: RELEASE_JOB_TYPE, state: "queued", dedupeKey: "release:codertocat/hello-world#17372790" });
    expect(job.payload).toEqual({
      repository: "Codertocat/Hello-World",
      cloneUrl: "https://github.com/Codertocat/Hello-World.git",
      release: { id: 17372790, tag_name: "0.0.1", name: "Spring term", body: "Courses: plc-basics", prerelease: false },
      deliveryIds: ["rel-1"],
      receivedAt: expect.any(Number),
    });
    expect(ReleasePayload.safeParse(job.payload).success).toBe(true);
  });

  it("keeps GitHub's empty name and notes as null (the worker then publishes every course)", async () => {
    const { jobId } = await json(await webhook("release", published));
    const job = await json(await api("GET", `/v1/jobs/${jobId}`));
    expect(job.payload.release).toMatchObject({ name: null, body: null });
  });

  it("makes no second job when the same release is published again, nor for the released GitHub sends with it", async () => {
    const first = await json(await webhook("release", published));
    const again = await webhook("release", published);
    expect(again.status).toBe(202);
    expect(await json(again)).toEqual({ jobId: first.jobId, deduplicated: true });
    expect(await json(await webhook("release", released))).toEqual({ jobId: first.jobId, deduplicated: true });
    expect(await jobCount()).toBe(1);
  });

  it("makes no second job while the first runs or after it finished", async () => {
    const { jobId } = await json(await webhook("release", published));
    const held = await lease();
    expect(await json(await webhook("release", published))).toEqual({ jobId, deduplicated: true });
    await api("POST", `/v1/jobs/${jobId}/complete`, { leaseToken: held.lease.token });
    expect(await json(await webhook("release", published))).toEqual({ jobId, deduplicated: true });
    expect(await jobCount()).toBe(1);
  });

  it("makes one job per release: another release id is another job", async () => {
    const a = await json(await webhook("release", published));
    const b = await json(await webhook("release", release(published, { id: 17372791 })));
    expect(a.jobId).not.toBe(b.jobId);
    expect(await jobCount()).toBe(2);
  });

  it("cuts notes over GitHub's 125,000 characters to that length", async () => {
    const { jobId } = await json(await webhook("release", release(published, { body: "n".repeat(130_000) })));
    expect((await json(await api("GET", `/v1/jobs/${jobId}`))).payload.release.body).toHaveLength(125_000);
  });
});

describe("prereleases", () => {
  it("are acknowledged and ignored by default, naming the setting", async () => {
    for (const body of [release(published, { prerelease: true }), prereleased]) {
      const res = await webhook("release", body);
      expect(res.status).toBe(202);
      const { ignored } = await json(res);
      expect(ignored).toMatch(body === prereleased ? /release action "prereleased"/ : /0\.0\.1 is a prerelease \(set RELEASE_INCLUDE_PRERELEASES/);
    }
    expect(await jobCount()).toBe(0);
  });

  it("become a job with RELEASE_INCLUDE_PRERELEASES = \"true\"", async () => {
    const res = await webhookWith({ RELEASE_INCLUDE_PRERELEASES: "true" }, "release", release(published, { prerelease: true }));
    expect(res.status).toBe(202);
    const { jobId } = await json(res);
    const job = await json(await api("GET", `/v1/jobs/${jobId}`));
    expect(job).toMatchObject({ type: RELEASE_JOB_TYPE, payload: { release: { prerelease: true, tag_name: "0.0.1" } } });
  });

  it("publish once promoted to a full release (GitHub then sends released, not published)", async () => {
    expect((await json(await webhook("release", release(published, { prerelease: true })))).ignored).toBeDefined();
    const res = await webhook("release", released);
    expect(await json(res)).toHaveProperty("jobId");
    expect(await jobCount()).toBe(1);
  });
});

describe("other release actions", () => {
  it.each([
    ["created", created],
    ["edited", release(published, { action: "edited" })],
    ["deleted", release(published, { action: "deleted" })],
    ["unpublished", release(published, { action: "unpublished" })],
  ])("acknowledges %s with 202 and a reason, and stores nothing", async (action, body) => {
    const res = await webhook("release", body);
    expect(res.status).toBe(202);
    expect((await json(res)).ignored).toMatch(new RegExp(`release action "${action}" is not one the relay acts on`));
    expect(await jobCount()).toBe(0);
  });

  it("answers 400 for a release body without the release's id", async () => {
    const b = JSON.parse(published);
    delete b.release.id;
    const res = await webhook("release", JSON.stringify(b));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/release body lacks release\.id/);
  });
});
