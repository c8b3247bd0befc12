import { reset, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import createTag from "../fixtures/github-webhooks/create/payload.json?raw";
import deleteTag from "../fixtures/github-webhooks/delete/payload.json?raw";
import issueOpened from "../fixtures/github-webhooks/issues/opened.payload.json?raw";
import ping from "../fixtures/github-webhooks/ping/payload.json?raw";
import tagDeletionPush from "../fixtures/github-webhooks/push/payload.json?raw";
import dispatch from "../fixtures/github-webhooks/repository_dispatch/payload.json?raw";
import { SYNC_JOB_TYPE } from "../../shared/jobs.ts";
import { api, BASE, json, lease, OLD_SECRET, pushBody, sha, sign, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

async function jobCount(): Promise<number> {
  const stats = await json(await api("GET", "/v1/stats"));
  return stats.counts.queued + stats.counts.leased + stats.counts.done + stats.counts.dead;
}

describe("webhook signature", () => {
  it("accepts a push signed with the current secret and stores a sync job", async () => {
    const res = await webhook("push", pushBody());
    expect(res.status).toBe(202);
    const { jobId } = await json(res);
    const job = await json(await api("GET", `/v1/jobs/${jobId}`));
    expect(job.type).toBe(SYNC_JOB_TYPE);
    expect(job.state).toBe("queued");
    expect(job.payload).toMatchObject({
      trigger: "push",
      repository: "Codertocat/Hello-World",
      cloneUrl: "https://github.com/Codertocat/Hello-World.git",
      ref: "refs/heads/master",
      branch: "master",
      before: null,
      after: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
      pusher: "Codertocat",
      changes: { added: ["README.md"], modified: [], removed: [] },
      coalesced: 1,
    });
    expect(job.payload.deliveryIds).toHaveLength(1);
    expect(job.payload).not.toHaveProperty("commits");
    expect(job.payload).not.toHaveProperty("head_commit");
  });

  it("accepts a push signed with the previous secret while it is rotated out", async () => {
    const res = await webhook("push", pushBody(), { secret: OLD_SECRET });
    expect(res.status).toBe(202);
  });

  it("refuses a wrong secret with 401 and stores nothing", async () => {
    const res = await webhook("push", pushBody(), { secret: "not-the-secret" });
    expect(res.status).toBe(401);
    expect(await json(res)).toMatchObject({ error: "bad_signature" });
    expect(await jobCount()).toBe(0);
  });

  it("refuses a tampered body with 401", async () => {
    const body = pushBody();
    const signature = await sign("test-secret-new", body);
    const tampered = body.replace("README.md", "EVIL.md");
    const res = await webhook("push", tampered, { headers: { "X-Hub-Signature-256": signature } });
    expect(res.status).toBe(401);
    expect(await jobCount()).toBe(0);
  });

  it("refuses a missing signature, a malformed one, and the legacy SHA-1 header alone", async () => {
    const missing = await webhook("push", pushBody(), { headers: { "X-Hub-Signature-256": null } });
    expect(missing.status).toBe(401);
    const malformed = await webhook("push", pushBody(), { headers: { "X-Hub-Signature-256": "sha256=xyz" } });
    expect(malformed.status).toBe(401);
    const sha1Only = await webhook("push", pushBody(), {
      headers: { "X-Hub-Signature-256": null, "X-Hub-Signature": "sha1=0123456789abcdef0123456789abcdef01234567" },
    });
    expect(sha1Only.status).toBe(401);
    expect((await json(sha1Only)).message).toMatch(/GITHUB_WEBHOOK_SECRET/);
    expect(await jobCount()).toBe(0);
  });
});

describe("webhook request checks after a valid signature", () => {
  it("answers 400 when X-GitHub-Event is missing", async () => {
    const res = await webhook("push", pushBody(), { headers: { "X-GitHub-Event": null } });
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/X-GitHub-Event/);
  });

  it("answers 400 when X-GitHub-Delivery is missing", async () => {
    const res = await webhook("push", pushBody(), { headers: { "X-GitHub-Delivery": null } });
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/X-GitHub-Delivery/);
  });

  it("answers 400 when the body is not JSON", async () => {
    const res = await webhook("push", "payload=%7B%7D");
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/application\/json/);
  });

  it("answers 400 when a push body lacks the fields a push has", async () => {
    const res = await webhook("push", JSON.stringify({ hello: "world" }));
    expect(res.status).toBe(400);
    expect(await jobCount()).toBe(0);
  });

  it("answers 413 for a body over 25 MiB without storing anything", async () => {
    const big = new Uint8Array(25 * 1024 * 1024 + 1).fill(0x20);
    const res = await webhook("push", big);
    expect(res.status).toBe(413);
    expect(await jobCount()).toBe(0);
  });
});

describe("the event table", () => {
  it("answers a ping with 200", async () => {
    const res = await webhook("ping", ping);
    expect(res.status).toBe(200);
    expect(await jobCount()).toBe(0);
  });

  it.each([
    ["push", tagDeletionPush, /deletion of refs\/tags\/simple-tag/],
    ["push", pushBody({ ref: "refs/tags/v1", after: sha(7) }), /not a branch push/],
    ["push", pushBody({ ref: "refs/heads/feature" }), /branch feature is not watched/],
    // GitHub's published body carries the label "bug", not the request label (issues.test.ts has the rest).
    ["issues", issueOpened, /has no "kb-request" label/],
    ["create", createTag, /event "create"/],
    ["delete", deleteTag, /event "delete"/],
    ["repository_dispatch", dispatch, /does not start with factory\./],
  ])("ignores %s (%#) with 202 and a reason", async (event, body, reason) => {
    const res = await webhook(event, body);
    expect(res.status).toBe(202);
    expect((await json(res)).ignored).toMatch(reason);
    expect(await jobCount()).toBe(0);
  });

  it("turns a repository_dispatch of factory.* into a manual job of that type", async () => {
    const body = JSON.parse(dispatch);
    body.action = "factory.rebuild_course";
    const res = await webhook("repository_dispatch", JSON.stringify(body));
    expect(res.status).toBe(202);
    const { jobId } = await json(res);
    const job = await json(await api("GET", `/v1/jobs/${jobId}`));
    expect(job.type).toBe("factory.rebuild_course");
    expect(job.payload).toMatchObject({
      trigger: "dispatch",
      repository: "octo-org/octo-repo",
      branch: "master",
      eventType: "factory.rebuild_course",
      clientPayload: { unit: false, integration: true },
    });
  });
});

describe("deduplication and coalescing", () => {
  it("answers the same delivery again with the same job and deduplicated: true", async () => {
    const first = await json(await webhook("push", pushBody(), { delivery: "d-1" }));
    const again = await webhook("push", pushBody(), { delivery: "d-1" });
    expect(again.status).toBe(202);
    expect(await json(again)).toEqual({ jobId: first.jobId, deduplicated: true });
    expect(await jobCount()).toBe(1);
  });

  it("coalesces a push into the queued sync of the same branch: newest after, merged paths", async () => {
    const a = await json(
      await webhook("push", pushBody({ before: sha(1), after: sha(2), files: { added: ["a.md"], modified: ["x.md"] } })),
    );
    const b = await webhook("push", pushBody({ before: sha(2), after: sha(3), files: { modified: ["b.md"], removed: ["a.md"] } }));
    expect(b.status).toBe(202);
    expect(await json(b)).toEqual({ jobId: a.jobId, coalesced: true });
    const job = await json(await api("GET", `/v1/jobs/${a.jobId}`));
    expect(job.payload).toMatchObject({
      before: sha(1),
      after: sha(3),
      coalesced: 2,
      changes: { added: [], modified: ["x.md", "b.md"], removed: [] },
    });
    expect(job.payload.deliveryIds).toHaveLength(2);
    expect(await jobCount()).toBe(1);
  });

  it("does not coalesce into a sync that a worker already leased", async () => {
    const a = await json(await webhook("push", pushBody({ after: sha(2) })));
    await lease();
    const b = await json(await webhook("push", pushBody({ after: sha(3) })));
    expect(b.jobId).not.toBe(a.jobId);
    expect(b.coalesced).toBeUndefined();
  });

  it("keeps syncs of different repositories apart", async () => {
    const a = await json(await webhook("push", pushBody({ after: sha(2) })));
    const b = await json(await webhook("push", pushBody({ after: sha(2), repo: "Codertocat/Other" })));
    expect(b.jobId).not.toBe(a.jobId);
  });
});

describe("health and unknown routes", () => {
  it("answers GET /healthz with 200 and no auth", async () => {
    const res = await SELF.fetch(`${BASE}/healthz`);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ ok: true });
  });

  it("answers an unknown route with a JSON 404 that points at the docs", async () => {
    const res = await SELF.fetch(`${BASE}/nope`);
    expect(res.status).toBe(404);
    expect((await json(res)).message).toMatch(/relay-api\.md/);
  });
});
