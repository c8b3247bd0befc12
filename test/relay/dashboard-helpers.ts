/**
 * Helpers for the dashboard tests that run inside workerd: requests that return redirects
 * instead of following them, signing in with the login form, and the page's CSRF token.
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { api, BASE, enqueue, json, lease, TOKEN } from "./helpers.ts";

/** A request to the dashboard (redirects are returned, not followed). */
export function dash(path: string, init: RequestInit & { base?: string } = {}): Promise<Response> {
  return SELF.fetch(`${init.base ?? BASE}${path}`, { redirect: "manual", ...init });
}

/** POSTs the login form with `token`. */
export async function login(token: string, base = BASE): Promise<Response> {
  return dash("/dashboard/login", {
    base,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** Signs in and returns the Cookie header value and the page's CSRF token. */
export async function signedIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await login(TOKEN);
  const cookie = res.headers.get("Set-Cookie")!.split(";")[0]!;
  const page = await (await dash("/dashboard", { headers: { Cookie: cookie } })).text();
  const csrf = /data-csrf="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

/** A job (a new one, or `id`, queued) that failed with retryable:false, so it is dead. */
export async function deadJob(id?: string, error = "YouTube refused the upload: the channel is not verified"): Promise<string> {
  const jobId = id ?? (await enqueue());
  const l = await lease();
  const res = await api("POST", `/v1/jobs/${jobId}/fail`, { leaseToken: l.lease.token, error, retryable: false });
  expect((await json(res)).state).toBe("dead");
  return jobId;
}
