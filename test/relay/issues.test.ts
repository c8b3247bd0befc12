/**
 * `issues` events through the real Worker with GitHub's own bodies: an issue with the request
 * label by a trusted author becomes one `factory.kb.request` job, later events of the issue
 * update it, and closing or un-labelling cancels it while it is queued.
 */
import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import deletedFixture from "../fixtures/github-webhooks/issues/deleted.payload.json?raw";
import editedFixture from "../fixtures/github-webhooks/issues/edited.payload.json?raw";
import labeledFixture from "../fixtures/github-webhooks/issues/labeled.payload.json?raw";
import openedFixture from "../fixtures/github-webhooks/issues/opened.payload.json?raw";
import reopenedFixture from "../fixtures/github-webhooks/issues/reopened.payload.json?raw";
import unlabeledFixture from "../fixtures/github-webhooks/issues/unlabeled.payload.json?raw";
import { KB_REQUEST_JOB_TYPE, KbRequestPayload } from "../../shared/jobs.ts";
import { routeEvent } from "../../relay/github/events.ts";
import { eventSettings } from "../../relay/github/settings.ts";
import { api, json, lease, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

const FIXTURES = {
  opened: openedFixture,
  labeled: labeledFixture,
  edited: editedFixture,
  unlabeled: unlabeledFixture,
  deleted: deletedFixture,
  reopened: reopenedFixture,
} as const;

/**
 * GitHub's real body for `action`, with only the fields a test needs changed. The fixtures'
 * issue carries the label "bug"; `labels` replaces the issue's label names (the request label
 * by default) and `label` the one just added or removed.
 */
function issue(
  action: keyof typeof FIXTURES | "closed",
  change: { labels?: string[]; label?: string; association?: string; title?: string; body?: string; number?: number } = {},
): string {
  // No `closed` body is published: it is GitHub's `reopened` body with the action and state turned.
  const body = JSON.parse(FIXTURES[action === "closed" ? "reopened" : action]);
  if (action === "closed") {
    body.action = "closed";
    body.issue.state = "closed";
  }
  const template = body.issue.labels[0];
  body.issue.labels = (change.labels ?? ["kb-request"]).map((name) => ({ ...template, name }));
  if (body.label) body.label.name = change.label ?? "kb-request";
  if (change.association) body.issue.author_association = change.association;
  if (change.title !== undefined) body.issue.title = change.title;
  if (change.body !== undefined) body.issue.body = change.body;
  if (change.number !== undefined) body.issue.number = change.number;
  return JSON.stringify(body);
}

async function jobs(): Promise<any[]> {
  return (await json(await api("GET", "/v1/jobs?limit=50"))).jobs;
}

async function job(id: string): Promise<any> {
  return json(await api("GET", `/v1/jobs/${id}`));
}

describe("an issue asking for an atom", () => {
  it("makes one factory.kb.request job from opened + labeled of an issue created with the label", async () => {
    const opened = await webhook("issues", issue("opened"), { delivery: "open-1" });
    expect(opened.status).toBe(202);
    const { jobId } = await json(opened);
    const labeled = await webhook("issues", issue("labeled"), { delivery: "label-1" });
    expect(labeled.status).toBe(202);
    expect(await json(labeled)).toEqual({ jobId, coalesced: true });

    expect(await jobs()).toHaveLength(1);
    const stored = await job(jobId);
    expect(stored).toMatchObject({ type: KB_REQUEST_JOB_TYPE, state: "queued" });
    expect(stored.payload).toMatchObject({
      repository: "Codertocat/Hello-World",
      cloneUrl: "https://github.com/Codertocat/Hello-World.git",
      issue: {
        number: 1,
        title: "Spelling error in the README file",
        body: "It looks like you accidently spelled 'commit' with two 't's.",
        author: "Codertocat",
        labels: ["kb-request"],
        html_url: "https://github.com/Codertocat/Hello-World/issues/1",
      },
      deliveryIds: ["open-1", "label-1"],
    });
    // What the worker parses it with accepts it; nothing of the raw body rides along.
    expect(KbRequestPayload.safeParse(stored.payload).success).toBe(true);
    expect(Object.keys(stored.payload.issue).sort()).toEqual(["author", "body", "html_url", "labels", "number", "title"]);
    expect(JSON.stringify(stored.payload)).not.toContain("node_id");
  });

  it("answers a labeled that arrives after a worker took the opened job with that job, not a second one", async () => {
    const { jobId } = await json(await webhook("issues", issue("opened")));
    await lease();
    const labeled = await webhook("issues", issue("labeled"));
    expect(await json(labeled)).toEqual({ jobId, deduplicated: true });
    expect(await jobs()).toHaveLength(1);
  });

  it("answers the same delivery again with the same job", async () => {
    const first = await json(await webhook("issues", issue("opened"), { delivery: "same" }));
    const again = await json(await webhook("issues", issue("opened", { title: "Changed" }), { delivery: "same" }));
    expect(again).toEqual({ jobId: first.jobId, deduplicated: true });
    expect((await job(first.jobId)).payload.issue.title).toBe("Spelling error in the README file");
  });

  it("keeps requests of different issues apart", async () => {
    const a = await json(await webhook("issues", issue("opened", { number: 1 })));
    const b = await json(await webhook("issues", issue("opened", { number: 2 })));
    expect(a.jobId).not.toBe(b.jobId);
    expect(await jobs()).toHaveLength(2);
  });

  it("cuts a body over GitHub's 65,536 characters to that length", async () => {
    const { jobId } = await json(await webhook("issues", issue("opened", { body: "x".repeat(70_000) })));
    expect((await job(jobId)).payload.issue.body).toHaveLength(65_536);
  });
});

describe("issues that are not requests", () => {
  it.each([
    ["an untrusted author", issue("opened", { association: "CONTRIBUTOR" }), /CONTRIBUTOR; only OWNER, MEMBER, COLLABORATOR may request atoms \(KB_REQUEST_TRUSTED\)/],
    ["a first-time contributor labelled by someone", issue("labeled", { association: "FIRST_TIME_CONTRIBUTOR" }), /KB_REQUEST_TRUSTED/],
    ["no request label (GitHub's body as published)", openedFixture, /has no "kb-request" label \(KB_REQUEST_LABEL\)/],
    ["another label added", issue("labeled", { labels: ["kb-request", "bug"], label: "bug" }), /label "bug" is not the request label "kb-request" \(KB_REQUEST_LABEL\)/],
    ["an edit of an issue without the label", issue("edited", { labels: ["bug"] }), /no "kb-request" label/],
    ["a reopened issue", issue("reopened"), /issues action "reopened" is not one the relay acts on/],
  ])("acknowledges %s with 202 and a reason, and stores nothing", async (_what, body, reason) => {
    const res = await webhook("issues", body);
    expect(res.status).toBe(202);
    expect((await json(res)).ignored).toMatch(reason);
    expect(await jobs()).toHaveLength(0);
  });

  it("answers 400 for an issues body without an issue", async () => {
    const body = JSON.parse(issue("opened"));
    delete body.issue;
    const res = await webhook("issues", JSON.stringify(body));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/issues body lacks issue/);
  });
});

describe("edits of a request", () => {
  it("update the queued job's payload: one job, the newest title and body", async () => {
    const { jobId } = await json(await webhook("issues", issue("opened")));
    const edited = await webhook("issues", issue("edited", { title: "Request: TON timer", body: "### Topic\n\nTON on-delay timer" }));
    expect(await json(edited)).toEqual({ jobId, coalesced: true });
    expect(await jobs()).toHaveLength(1);
    expect((await job(jobId)).payload.issue).toMatchObject({ title: "Request: TON timer", body: "### Topic\n\nTON on-delay timer" });
  });

  it("make a new job with the new text while the first runs, and leave the running one as it was", async () => {
    const first = (await json(await webhook("issues", issue("opened")))).jobId;
    await lease();
    const res = await json(await webhook("issues", issue("edited", { body: "A clearer request" })));
    expect(res.jobId).not.toBe(first);
    expect(res.coalesced).toBeUndefined();
    expect((await job(res.jobId)).payload.issue).toMatchObject({ number: 1, body: "A clearer request" });
    expect((await job(first)).payload.issue.body).toBe("It looks like you accidently spelled 'commit' with two 't's.");
    expect((await job(first)).state).toBe("leased");
  });
});

describe("withdrawing a request", () => {
  it.each([
    ["closing the issue", () => issue("closed"), /the issue was closed/],
    ["deleting the issue", () => issue("deleted"), /the issue was deleted/],
    ["removing the request label", () => issue("unlabeled", { labels: [] }), /the "kb-request" label was removed/],
  ])("%s cancels the queued job and records why", async (_what, body, reason) => {
    const { jobId } = await json(await webhook("issues", issue("opened")));
    const res = await webhook("issues", body(), { delivery: "withdraw-1" });
    expect(res.status).toBe(202);
    const out = await json(res);
    expect(out).toEqual({ cancelled: [jobId], reason: expect.stringMatching(reason) });
    const stored = await job(jobId);
    expect(stored.state).toBe("done");
    expect(stored.result.summary).toMatch(/^Cancelled before it ran: /);
    expect(stored.result.cancelled).toMatchObject({ reason: expect.stringMatching(reason), deliveryId: "withdraw-1" });
    // Nothing is left for a worker.
    expect((await api("GET", "/v1/jobs/next?wait=0&worker=w1")).status).toBe(204);
  });

  it("leaves a running job to finish and says so", async () => {
    const { jobId } = await json(await webhook("issues", issue("opened")));
    await lease();
    const res = await webhook("issues", issue("closed"));
    expect(res.status).toBe(202);
    expect((await json(res)).ignored).toMatch(/no factory\.kb\.request job for issue #1 is queued.*a running one finishes/);
    expect((await job(jobId)).state).toBe("leased");
  });

  it("cancels only the queued one when an edit queued a second request behind a running one", async () => {
    const running = (await json(await webhook("issues", issue("opened")))).jobId;
    await lease();
    const queued = (await json(await webhook("issues", issue("edited", { body: "more" })))).jobId;
    expect(await json(await webhook("issues", issue("closed")))).toMatchObject({ cancelled: [queued] });
    expect((await job(running)).state).toBe("leased");
    expect((await job(queued)).state).toBe("done");
  });

  it("ignores the removal of another label", async () => {
    const { jobId } = await json(await webhook("issues", issue("opened")));
    const res = await webhook("issues", issue("unlabeled", { label: "bug" }));
    expect((await json(res)).ignored).toMatch(/label "bug" is not the request label/);
    expect((await job(jobId)).state).toBe("queued");
  });

  it("answers a redelivered close without touching a newer request of the same issue", async () => {
    const first = (await json(await webhook("issues", issue("opened")))).jobId;
    await webhook("issues", issue("closed"), { delivery: "close-1" });
    const second = (await json(await webhook("issues", issue("labeled")))).jobId;
    expect(second).not.toBe(first);
    const again = await json(await webhook("issues", issue("closed"), { delivery: "close-1" }));
    expect(again).toMatchObject({ cancelled: [first], deduplicated: true });
    expect((await job(second)).state).toBe("queued");
  });
});

describe("the request settings", () => {
  const facts = { deliveryId: "d1", receivedAt: 1 };
  const opened = JSON.parse(issue("opened", { labels: ["Atom Request"], association: "CONTRIBUTOR" }));

  it("read KB_REQUEST_LABEL and KB_REQUEST_TRUSTED, with the defaults when unset or empty", () => {
    expect(eventSettings({})).toEqual({ kbRequestLabel: "kb-request", kbRequestTrusted: ["OWNER", "MEMBER", "COLLABORATOR"], includePrereleases: false, lessonsPerJob: null });
    expect(eventSettings({ KB_REQUEST_LABEL: " ", KB_REQUEST_TRUSTED: "" }).kbRequestLabel).toBe("kb-request");
    const custom = eventSettings({ KB_REQUEST_LABEL: "atom request", KB_REQUEST_TRUSTED: "owner, contributor" });
    expect(custom).toMatchObject({ kbRequestLabel: "atom request", kbRequestTrusted: ["OWNER", "CONTRIBUTOR"] });
  });

  it("make a job of a label and an author the defaults refuse (the label compared as GitHub does, without case)", () => {
    const settings = eventSettings({ KB_REQUEST_LABEL: "atom request", KB_REQUEST_TRUSTED: "OWNER,CONTRIBUTOR" });
    expect(routeEvent("issues", opened, facts, { repos: [], branches: [] }).kind).toBe("ignored");
    const out = routeEvent("issues", opened, facts, { repos: [], branches: [], settings });
    expect(out).toMatchObject({ kind: "job", job: { type: KB_REQUEST_JOB_TYPE, coalesceKey: "kb-request:codertocat/hello-world#1" } });
  });

  it("honour WATCH_REPOS", () => {
    const out = routeEvent("issues", JSON.parse(issue("opened")), facts, { repos: ["someone/else"], branches: [] });
    expect(out).toMatchObject({ kind: "ignored", reason: expect.stringMatching(/WATCH_REPOS/) });
  });
});
