/**
 * The dashboard's review gate, inside workerd: the Approve form queues exactly one
 * `factory.publish.approve` job for the home worker (CSRF-protected like Retry), and the
 * "Awaiting review" section lists what recent jobs published privately.
 */
import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { APPROVE_JOB_TYPE, type JobResult } from "../../shared/jobs.ts";
import { lessonsAwaitingReview } from "../../relay/dashboard/review.ts";
import { dash, signedIn } from "./dashboard-helpers.ts";
import { api, enqueue, json, lease } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

type Fields = Record<string, string>;

/** POSTs the approve form; with `script`, the CSRF token goes in the header as the page's script sends it. */
async function approve(fields: Fields, o: { cookie: string; csrf?: string; script?: boolean; headers?: Fields }): Promise<Response> {
  const body = new URLSearchParams(o.script || o.csrf === undefined ? fields : { ...fields, csrf: o.csrf });
  return dash("/dashboard/approve", {
    method: "POST",
    headers: {
      Cookie: o.cookie,
      "Content-Type": "application/x-www-form-urlencoded",
      ...(o.script && o.csrf !== undefined ? { "X-CSRF-Token": o.csrf } : {}),
      ...o.headers,
    },
    body: body.toString(),
  });
}

async function approveJobs(): Promise<any[]> {
  const all = (await json(await api("GET", "/v1/jobs?limit=200"))).jobs as any[];
  return all.filter((j) => j.type === APPROVE_JOB_TYPE);
}

/** A sync job a worker completed, whose result says it published `atomId` privately. */
async function publishedBy(atomId: string, note: string, produced = [`videoId=abc123DEF45`]): Promise<string> {
  const id = await enqueue({ type: "sync_and_generate_content", payload: { repository: "acme/lessons" } });
  const l = await lease();
  const result: JobResult = {
    steps: [{ key: `publish:${atomId}`, kind: "publish", status: "ran", ms: 5, produced, note }],
    ran: 1,
    skipped: 0,
    produced,
  };
  expect((await api("POST", `/v1/jobs/${id}/complete`, { leaseToken: l.lease.token, result })).status).toBe(200);
  return id;
}

async function reviewSection(cookie: string): Promise<string> {
  return (await json(await dash("/dashboard/data", { headers: { Cookie: cookie } }))).sections.review;
}

describe("the Approve form", () => {
  it("queues exactly one factory.publish.approve job, and an identical second POST dedupes to it", async () => {
    const { cookie, csrf } = await signedIn();
    const fields = { atomId: "ohms-law", repository: "acme/lessons", at: "2099-12-01T15:00:00.000Z" };
    const first = await approve(fields, { cookie, csrf, script: true });
    expect(first.status).toBe(202);
    const body = await json(first);
    expect(body).toMatchObject({ deduplicated: false, approval: fields });
    const second = await approve(fields, { cookie, csrf, script: true });
    expect(await json(second)).toMatchObject({ jobId: body.jobId, deduplicated: true });

    const jobs = await approveJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      id: body.jobId,
      state: "queued",
      payload: fields,
      dedupeKey: "approve:acme/lessons:ohms-law:2099-12-01T15:00:00.000Z",
    });
  });

  it("works as a plain form (no script): empty fields left out, then a redirect back", async () => {
    const { cookie, csrf } = await signedIn();
    const res = await approve({ atomId: " ohms-law ", repository: "", at: "" }, { cookie, csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/dashboard");
    const jobs = await approveJobs();
    expect(jobs.map((j) => [j.payload, j.dedupeKey])).toEqual([[{ atomId: "ohms-law" }, "approve:*:ohms-law:now"]]);
  });

  it("refuses without a session, without the CSRF token, with a wrong one or from another origin, and queues nothing", async () => {
    const { cookie, csrf } = await signedIn();
    const fields = { atomId: "ohms-law" };
    expect((await approve(fields, { cookie: "factory_dashboard=x" })).status).toBe(401);
    const refused = [
      await approve(fields, { cookie }),
      await approve(fields, { cookie, csrf: "x".repeat(24), script: true }),
      await approve(fields, { cookie, csrf: "x".repeat(24) }),
      await approve(fields, { cookie, csrf, script: true, headers: { Origin: "https://evil.example" } }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect((await json(res)).error).toBe("csrf_failed");
    }
    expect(await approveJobs()).toEqual([]);
  });

  it("answers 400 for a bad atom id, repository or time, and for a time in the past, and queues nothing", async () => {
    const { cookie, csrf } = await signedIn();
    const bad = await approve({ atomId: "<script>", repository: "not a repo", at: "tomorrow" }, { cookie, csrf, script: true });
    expect(bad.status).toBe(400);
    expect((await json(bad)).issues.map((i: { path: string }) => i.path).sort()).toEqual(["at", "atomId", "repository"]);
    const missing = await approve({}, { cookie, csrf, script: true });
    expect(missing.status).toBe(400);
    const past = await approve({ atomId: "ohms-law", at: "2001-01-01T00:00:00Z" }, { cookie, csrf, script: true });
    expect(past.status).toBe(400);
    expect((await json(past)).message).toContain("is in the past");
    expect(await approveJobs()).toEqual([]);
  });
});

describe("the Awaiting review section", () => {
  it("lists a lesson a recent job published privately, with a watch link and an Approve now form", async () => {
    await publishedBy("ohms-law", "uploaded https://www.youtube.com/watch?v=abc123DEF45 (private; approve with `factory publish approve ohms-law`)");
    const { cookie, csrf } = await signedIn();
    const html = await reviewSection(cookie);
    expect(html).toContain('data-atom="ohms-law"');
    expect(html).toContain('href="https://www.youtube.com/watch?v=abc123DEF45"');
    expect(html).toContain('action="/dashboard/approve"');
    expect(html).toContain(`name="csrf" value="${csrf}"`);
    expect(html).toContain('name="repository" value="acme/lessons"');
    const page = await (await dash("/dashboard", { headers: { Cookie: cookie } })).text();
    expect(page).toContain("Awaiting review");
    expect(page).toContain('<div id="review">');
  });

  it("shows a queued approval without a second button, and drops the lesson once the worker made it public", async () => {
    await publishedBy("ohms-law", "published locally to /srv/out/ohms-law (private)", ["videoId=local:plc/ohms-law", "localFolder=/srv/out"]);
    const { cookie, csrf } = await signedIn();
    expect(await reviewSection(cookie)).toContain("(local folder)");
    expect((await approve({ atomId: "ohms-law", repository: "acme/lessons" }, { cookie, csrf, script: true })).status).toBe(202);
    const data = await json(await dash("/dashboard/data", { headers: { Cookie: cookie } }));
    expect(data.sections.jobs).toContain("lesson ohms-law");
    const waiting = await reviewSection(cookie);
    expect(waiting).toContain("Approval waiting for the worker");
    expect(waiting).not.toContain('action="/dashboard/approve"');

    const l = await lease();
    expect(l.job.type).toBe(APPROVE_JOB_TYPE);
    await api("POST", `/v1/jobs/${l.job.id}/complete`, { leaseToken: l.lease.token, result: { summary: "ohms-law: marked public" } });
    expect(await reviewSection(cookie)).toContain("No recently published lesson waits for review");
  });

  it("offers Approve for the calendar, which queues a calendar approval and keeps the lesson listed as approved for the calendar", async () => {
    await publishedBy("ohms-law", "published locally to /srv/out/ohms-law (private)", ["videoId=local:plc/ohms-law", "localFolder=/srv/out"]);
    const { cookie, csrf } = await signedIn();
    expect(await reviewSection(cookie)).toContain('name="calendar" value="true"');
    const res = await approve({ atomId: "ohms-law", repository: "acme/lessons", calendar: "true" }, { cookie, csrf, script: true });
    expect(res.status).toBe(202);
    expect((await json(res)).approval).toEqual({ atomId: "ohms-law", repository: "acme/lessons", calendar: true });
    const l = await lease();
    expect(l.job.payload).toEqual({ atomId: "ohms-law", repository: "acme/lessons", calendar: true });
    await api("POST", `/v1/jobs/${l.job.id}/complete`, { leaseToken: l.lease.token, result: { summary: "ohms-law: approved for the calendar" } });
    const after = await reviewSection(cookie);
    expect(after).toContain("Approved for the calendar");
    // Approve now stays on offer; the calendar button does not come back.
    expect(after).toContain("Approve now");
    expect(after).not.toContain('name="calendar" value="true"');
  });

  it("answers 400 for a calendar flag other than true, or with a time as well, and queues nothing", async () => {
    const { cookie, csrf } = await signedIn();
    const flag = await approve({ atomId: "ohms-law", calendar: "yes" }, { cookie, csrf, script: true });
    expect(flag.status).toBe(400);
    expect((await json(flag)).message).toContain('calendar must be "true"');
    const both = await approve({ atomId: "ohms-law", calendar: "true", at: "2099-12-01T15:00:00Z" }, { cookie, csrf, script: true });
    expect(both.status).toBe(400);
    expect(JSON.stringify(await json(both))).toContain("either a time (at) or calendar, not both");
    expect(await approveJobs()).toEqual([]);
  });

  it("escapes what came from the worker and links only YouTube watch URLs", () => {
    const job = (note: string, atom: string) => ({
      id: "j1",
      type: "sync_and_generate_content",
      state: "done" as const,
      payload: { repository: `acme/"x"` },
      dedupeKey: null,
      attempts: 1,
      maxAttempts: 5,
      runAt: 1,
      createdAt: 1,
      updatedAt: 2,
      lastError: null,
      leasedBy: null,
      leaseExpiresAt: null,
      result: { steps: [{ key: `publish:${atom}`, kind: "publish", status: "ran", ms: 1, produced: [], note }] },
    });
    const items = lessonsAwaitingReview([job("uploaded javascript:alert(1) https://evil.example/watch?v=abcdefgh (private)", "a")]);
    expect(items).toMatchObject([{ atomId: "a", watchUrl: null, repository: 'acme/"x"' }]);
    expect(lessonsAwaitingReview([job("uploaded https://youtu.be/abc123DEF45 (public)", "b")])).toEqual([]);
  });

  it("renders outside values escaped", async () => {
    await publishedBy(`x"><img src=x onerror=alert(1)>`, "uploaded (private)");
    const { cookie } = await signedIn();
    const html = await reviewSection(cookie);
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&#34;&#62;&#60;img src=x onerror=alert(1)&#62;");
  });
});
