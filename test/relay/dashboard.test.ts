import { reset } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createSession, matchingToken, SESSION_MS, verifySession } from "../../relay/dashboard/session.ts";
import { esc, relativeTime } from "../../relay/dashboard/html.ts";
import { dash, deadJob, login, signedIn } from "./dashboard-helpers.ts";
import { api, enqueue, json, pushBody, sha, TOKEN, webhook } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

async function stateOf(id: string): Promise<string> {
  return (await json(await api("GET", `/v1/jobs/${id}`))).state;
}

describe("signing in", () => {
  it("shows only the login form without a session, and refuses the data and retry with 401", async () => {
    await deadJob();
    const page = await dash("/dashboard");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/dashboard/login"');
    expect(html).not.toContain("channel is not verified");
    expect(page.headers.get("Content-Security-Policy")).toMatch(/default-src 'none'; script-src 'nonce-/);
    const data = await dash("/dashboard/data");
    expect(data.status).toBe(401);
    expect((await json(data)).error).toBe("unauthorized");
    expect((await dash("/dashboard/jobs/x/retry", { method: "POST" })).status).toBe(401);
  });

  it("refuses a wrong token with 401, no cookie and a message that says what to do", async () => {
    const res = await login("not-the-token");
    expect(res.status).toBe(401);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await res.text()).toContain("not one of the relay&#39;s worker tokens");
  });

  it("sets a signed, HttpOnly, Secure, SameSite=Strict, 12-hour __Host- cookie that is not the token", async () => {
    const res = await login("test-token-b");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/dashboard");
    const cookie = res.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^__Host-factory_dashboard=\d+\.[\w-]{24}\.[\w-]{43}; /);
    expect(cookie).toContain("; HttpOnly");
    expect(cookie).toContain("; Secure");
    expect(cookie).toContain("; SameSite=Strict");
    expect(cookie).toContain("; Path=/");
    expect(cookie).toContain(`; Max-Age=${SESSION_MS / 1000}`);
    expect(cookie).not.toContain("test-token-b");
  });

  it("leaves Secure off only for plain http on loopback (wrangler dev, the demo)", async () => {
    const local = (await login(TOKEN, "http://127.0.0.1:8787")).headers.get("Set-Cookie")!;
    expect(local).toMatch(/^factory_dashboard=/);
    expect(local).not.toContain("Secure");
    expect(local).toContain("HttpOnly");
    const remote = (await login(TOKEN, "http://relay.example.com")).headers.get("Set-Cookie")!;
    expect(remote).toContain("; Secure");
  });

  it("shows the dashboard with the session, and refuses a tampered session", async () => {
    const { cookie } = await signedIn();
    const ok = await dash("/dashboard/data", { headers: { Cookie: cookie } });
    expect(ok.status).toBe(200);
    // Change a character well inside the signature: the last base64url character of a
    // 32-byte MAC also carries padding bits, so changing it may decode to the same bytes.
    const at = cookie.length - 10;
    const tampered = cookie.slice(0, at) + (cookie[at] === "A" ? "g" : "A") + cookie.slice(at + 1);
    expect((await dash("/dashboard/data", { headers: { Cookie: tampered } })).status).toBe(401);
    const longer = cookie.replace(/=(\d+)\./, (_, t) => `=${Number(t) + 1000}.`);
    expect((await dash("/dashboard/data", { headers: { Cookie: longer } })).status).toBe(401);
  });

  it("signs out: the cookie is cleared", async () => {
    const { cookie, csrf } = await signedIn();
    const res = await dash("/dashboard/logout", {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-factory_dashboard=; .*Max-Age=0/);
  });
});

describe("sessions", () => {
  const now = Date.UTC(2030, 0, 1);

  it("expire after 12 hours and die with the token that made them", async () => {
    const { value } = await createSession("tok-1", now);
    expect(await verifySession(value, ["tok-1"], now + SESSION_MS - 1)).not.toBeNull();
    expect(await verifySession(value, ["tok-1"], now + SESSION_MS)).toBeNull();
    expect(await verifySession(value, ["tok-2"], now)).toBeNull();
    expect(await verifySession(value, ["tok-2", "tok-1"], now)).not.toBeNull();
    expect(await verifySession("garbage", ["tok-1"], now)).toBeNull();
  });

  it("matches a token among several and nothing else", async () => {
    expect(await matchingToken(["a-token", "b-token"], "b-token")).toBe("b-token");
    expect(await matchingToken(["a-token"], "a-toke")).toBeNull();
    expect(await matchingToken(["a-token"], "")).toBeNull();
  });
});

describe("what the dashboard shows", () => {
  it("counts jobs by state, lists workers, deliveries and dead jobs with their errors", async () => {
    const dead = await deadJob();
    const push = await webhook("push", pushBody({ after: sha(7), repo: "acme/lessons" }), { delivery: "delivery-guid-1234567890" });
    expect(push.status).toBe(202);
    const { cookie } = await signedIn();
    const data = await json(await dash("/dashboard/data", { headers: { Cookie: cookie } }));
    expect(data.counts).toEqual({ queued: 1, leased: 0, done: 0, dead: 1 });
    expect(data.sections.dead).toContain(`data-job="${dead}"`);
    expect(data.sections.dead).toContain("channel is not verified");
    expect(data.sections.workers).toContain("w1");
    expect(data.sections.workers).toContain("just now");
    expect(data.sections.deliveries).toContain("acme/lessons");
    expect(data.sections.deliveries).toContain("delivery-guid");
    expect(data.sections.jobs).toContain("acme/lessons");
    const page = await (await dash("/dashboard", { headers: { Cookie: cookie } })).text();
    expect(page).toContain("Jobs by state");
    expect(page).toContain("What went wrong");
  });

  it("escapes error messages and names from outside", async () => {
    await deadJob(undefined, `<img src=x onerror="alert(1)"> & 'quotes'`);
    const { cookie } = await signedIn();
    const page = await (await dash("/dashboard", { headers: { Cookie: cookie } })).text();
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; &#39;quotes&#39;");
  });
});

describe("the Retry button", () => {
  it("puts a dead job back in the queue when the POST carries the session's CSRF token", async () => {
    const id = await deadJob();
    const { cookie, csrf } = await signedIn();
    const res = await dash(`/dashboard/jobs/${id}/retry`, { method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": csrf } });
    expect(res.status).toBe(200);
    expect((await json(res)).job).toMatchObject({ id, state: "queued", attempts: 0 });
    expect(await stateOf(id)).toBe("queued");
  });

  it("works as a plain form too (no script): redirects back to the dashboard", async () => {
    const id = await deadJob();
    const { cookie, csrf } = await signedIn();
    const res = await dash(`/dashboard/jobs/${id}/retry`, {
      method: "POST",
      headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(res.status).toBe(303);
    expect(await stateOf(id)).toBe("queued");
  });

  it("refuses without the CSRF token, with a wrong one, or from another origin, and leaves the job dead", async () => {
    const id = await deadJob();
    const { cookie, csrf } = await signedIn();
    const attempts: Record<string, string>[] = [
      { Cookie: cookie },
      { Cookie: cookie, "X-CSRF-Token": "x".repeat(24) },
      { Cookie: cookie, "X-CSRF-Token": csrf, Origin: "https://evil.example" },
    ];
    for (const headers of attempts) {
      const res = await dash(`/dashboard/jobs/${id}/retry`, { method: "POST", headers });
      expect(res.status).toBe(403);
      expect((await json(res)).error).toBe("csrf_failed");
    }
    expect(await stateOf(id)).toBe("dead");
  });

  it("answers 409 for a job that is not dead and 404 for an unknown one", async () => {
    const id = await enqueue();
    const { cookie, csrf } = await signedIn();
    const headers = { Cookie: cookie, "X-CSRF-Token": csrf };
    const busy = await dash(`/dashboard/jobs/${id}/retry`, { method: "POST", headers });
    expect(busy.status).toBe(409);
    expect((await json(busy)).message).toContain("is queued now");
    expect((await dash("/dashboard/jobs/nope/retry", { method: "POST", headers })).status).toBe(404);
  });
});

describe("view helpers", () => {
  it("writes times the way people say them", () => {
    const now = 1_000_000_000;
    expect(relativeTime(now - 2_000, now)).toBe("just now");
    expect(relativeTime(now - 45_000, now)).toBe("45 s ago");
    expect(relativeTime(now - 3 * 60_000, now)).toBe("3 min ago");
    expect(relativeTime(now - 2 * 3_600_000, now)).toBe("2 h ago");
    expect(relativeTime(now - 86_400_000, now)).toBe("1 day ago");
    expect(relativeTime(now - 5 * 86_400_000, now)).toBe("5 days ago");
    expect(relativeTime(now + 3 * 60_000, now)).toBe("in 3 min");
  });

  it("escapes the five HTML-special characters", () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
  });
});
