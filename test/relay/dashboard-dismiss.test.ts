/**
 * The front page's dead-job banner: every dead job shows there until the owner dismisses it
 * (POST with the session, CSRF token and same Origin); a dismissed job stays dead, and shows
 * again when it dies again after a retry.
 */
import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { dash, deadJob, signedIn } from "./dashboard-helpers.ts";
import issueOpened from "../fixtures/github-webhooks/issues/opened.payload.json?raw";
import published from "../fixtures/github-webhooks/release/published.payload.json?raw";
import { api, enqueue, json, setClock, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

/** The banner's HTML, from the data the page refreshes from. */
async function banner(cookie: string): Promise<string> {
  const res = await dash("/dashboard/data", { headers: { Cookie: cookie } });
  expect(res.status).toBe(200);
  return (await json(res)).sections.alerts;
}

async function dismiss(id: string, headers: Record<string, string>): Promise<Response> {
  return dash(`/dashboard/jobs/${id}/dismiss`, { method: "POST", headers });
}

describe("the dead-job banner", () => {
  it("shows each dead job on the front page with its error, Retry and Dismiss", async () => {
    const id = await deadJob();
    const { cookie } = await signedIn();
    const page = await (await dash("/dashboard", { headers: { Cookie: cookie } })).text();
    const alerts = /<div id="alerts">([\s\S]*?)<section>/.exec(page)![1]!;
    expect(alerts).toContain('class="banner" role="alert"');
    expect(alerts).toContain("1 dead job needs you");
    expect(alerts).toContain(`data-job="${id}"`);
    expect(alerts).toContain("channel is not verified");
    expect(alerts).toContain(`action="/dashboard/jobs/${id}/dismiss"`);
    expect(alerts).toContain(`action="/dashboard/jobs/${id}/retry"`);
  });

  it("names the issue of a dead atom request and the tag of a dead release", async () => {
    const body = JSON.parse(issueOpened);
    body.issue.labels = [{ ...body.issue.labels[0], name: "kb-request" }];
    body.issue.number = 12;
    const request = (await json(await webhook("issues", JSON.stringify(body)))).jobId;
    await deadJob(request, "no GITHUB_TOKEN");
    const release = (await json(await webhook("release", published))).jobId;
    await deadJob(release, "tag 0.0.1 not found");
    const { cookie } = await signedIn();
    const alerts = await banner(cookie);
    expect(alerts).toContain("2 dead jobs need you");
    expect(alerts).toContain("issue #12");
    expect(alerts).toContain("release 0.0.1");
  });

  it("is empty when no job is dead", async () => {
    await enqueue();
    const { cookie } = await signedIn();
    expect(await banner(cookie)).toBe("");
  });

  it("drops a dismissed job, which stays dead and listed under Dead jobs", async () => {
    const id = await deadJob();
    const other = await deadJob(undefined, "another failure");
    const { cookie, csrf } = await signedIn();
    const res = await dismiss(id, { Cookie: cookie, "X-CSRF-Token": csrf });
    expect(res.status).toBe(200);
    expect((await json(res)).job).toMatchObject({ id, state: "dead" });
    const alerts = await banner(cookie);
    expect(alerts).not.toContain(`data-job="${id}"`);
    expect(alerts).toContain(`data-job="${other}"`);
    const data = await json(await dash("/dashboard/data", { headers: { Cookie: cookie } }));
    expect(data.sections.dead).toContain(`data-job="${id}"`);
    expect((await json(await api("GET", `/v1/jobs/${id}`))).state).toBe("dead");
  });

  it("works as a plain form too (no script): redirects back to the dashboard", async () => {
    const id = await deadJob();
    const { cookie, csrf } = await signedIn();
    const form = await dash(`/dashboard/jobs/${id}/dismiss`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(form.status).toBe(303);
    expect(await banner(cookie)).toBe("");
  });

  it("refuses without a session, without the CSRF token, with a wrong one, or from another origin", async () => {
    const id = await deadJob();
    const { cookie, csrf } = await signedIn();
    expect((await dismiss(id, { "X-CSRF-Token": csrf })).status).toBe(401);
    const attempts: Record<string, string>[] = [
      { Cookie: cookie },
      { Cookie: cookie, "X-CSRF-Token": "x".repeat(24) },
      { Cookie: cookie, "X-CSRF-Token": csrf, Origin: "https://evil.example" },
    ];
    for (const headers of attempts) {
      const res = await dismiss(id, headers);
      expect(res.status).toBe(403);
      expect((await json(res)).error).toBe("csrf_failed");
    }
    expect(await banner(cookie)).toContain(`data-job="${id}"`);
  });

  it("answers 409 for a job that is not dead and 404 for an unknown one", async () => {
    const id = await enqueue();
    const { cookie, csrf } = await signedIn();
    const headers = { Cookie: cookie, "X-CSRF-Token": csrf };
    const busy = await dismiss(id, headers);
    expect(busy.status).toBe(409);
    expect((await json(busy)).message).toContain("is queued now, not dead, so there is nothing to dismiss");
    expect((await dismiss("nope", headers)).status).toBe(404);
  });

  it("shows a dismissed job again when it dies again after a retry", async () => {
    await setClock(1_000_000);
    const id = await deadJob();
    const { cookie, csrf } = await signedIn();
    const headers = { Cookie: cookie, "X-CSRF-Token": csrf };
    expect((await dismiss(id, headers)).status).toBe(200);
    expect(await banner(cookie)).toBe("");
    await setClock(2_000_000);
    expect((await dash(`/dashboard/jobs/${id}/retry`, { method: "POST", headers })).status).toBe(200);
    await deadJob(id, "failed again");
    const alerts = await banner(cookie);
    expect(alerts).toContain(`data-job="${id}"`);
    expect(alerts).toContain("failed again");
  });
});
