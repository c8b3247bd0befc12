import { createExecutionContext, createScheduledController, reset, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import relay from "../../relay/index.ts";
import { afterEach, describe, expect, it } from "vitest";
import { SYNC_JOB_TYPE } from "../../shared/jobs.ts";
import { api, json, lease, pushBody, sha, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

async function queuedJobs(): Promise<any[]> {
  return (await json(await api("GET", "/v1/jobs?state=queued"))).jobs;
}

/** Runs the Worker's scheduled handler as the cron trigger would, and waits for its work. */
async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  await relay.scheduled(createScheduledController({ cron: "17 */6 * * *", scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("the cron safety-net sync", () => {
  it("enqueues a head sync for every repository seen in pushes, coalesced while one is queued", async () => {
    const { jobId } = await json(await webhook("push", pushBody({ after: sha(2) })));
    const held = await lease();
    await api("POST", `/v1/jobs/${jobId}/complete`, { leaseToken: held.lease.token });

    await cron();
    const [job] = await queuedJobs();
    expect(job.type).toBe(SYNC_JOB_TYPE);
    expect(job.payload).toMatchObject({
      trigger: "schedule",
      repository: "Codertocat/Hello-World",
      cloneUrl: "https://github.com/Codertocat/Hello-World.git",
      branch: "master",
      ref: "refs/heads/master",
      after: null,
      before: null,
    });

    await cron();
    const after = await queuedJobs();
    expect(after).toHaveLength(1);
    expect(after[0].payload.coalesced).toBe(2);
  });

  it("upgrades a queued scheduled sync into a push sync when a push arrives", async () => {
    await webhook("ping", JSON.stringify({ zen: "hi", hook_id: 1, repository: JSON.parse(pushBody()).repository }));
    await cron();
    const res = await json(await webhook("push", pushBody({ after: sha(9), files: { modified: ["kb/a.md"] } })));
    expect(res.coalesced).toBe(true);
    const [job] = await queuedJobs();
    expect(job.payload).toMatchObject({ trigger: "push", after: sha(9), changes: { modified: ["kb/a.md"] } });
  });

  it("enqueues nothing when no repository has been seen and none is watched", async () => {
    await cron();
    expect(await queuedJobs()).toEqual([]);
  });
});
