/**
 * The owner's dashboard: GET /dashboard (login form or the page), the login and logout forms,
 * the JSON the page refreshes from, the Retry and Dismiss buttons for dead jobs, and the Approve form that
 * queues a review-gate approval (`factory.publish.approve`) for the home worker.
 *
 * Access is the worker token, typed once into the login form; the browser then holds only a
 * signed, expiring, HttpOnly, SameSite=Strict session cookie (dashboard/session.ts). Every
 * POST that changes something also needs the session's CSRF token (form field `csrf` or
 * header `X-CSRF-Token`) and, when the browser sends one, a same-origin `Origin`.
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { APPROVE_JOB_TYPE, ApprovePayload, type Job } from "../../shared/jobs.ts";
import { readCapped } from "../body.ts";
import { listVar, type Env } from "../env.ts";
import { HttpError, validationError } from "../errors.ts";
import { contentSecurityPolicy, dashboardPage, loginPage } from "../dashboard/page.ts";
import {
  cookieName,
  createSession,
  matchingToken,
  sameSecret,
  type Session,
  sessionCookie,
  verifySession,
} from "../dashboard/session.ts";
import { approveDedupeKey } from "../dashboard/review.ts";
import { renderSections } from "../dashboard/view.ts";
import type { DashboardSnapshot, Outcome } from "../queue/types.ts";
import { queueStub } from "../queue/stub.ts";

type DashboardEnv = { Bindings: Env };

export const dashboardRoutes = new Hono<DashboardEnv>();

/** How much of each list the page shows. */
const LIMITS = { dead: 50, recent: 20, deliveries: 15, refused: 10 };
const LOGIN_FIELD_MAX = 1024;
/** The sign-in form is one field: anything bigger is refused before it is read in full. */
const LOGIN_BODY_MAX = 4096;

dashboardRoutes.get("/dashboard", async (c) => {
  const tokens = workerTokens(c.env);
  if (tokens.length === 0) return html(c, loginPage(nonce(c), NOT_CONFIGURED), 503);
  const session = await currentSession(c, tokens);
  if (!session) return html(c, loginPage(nonce(c)), 200);
  const snap = await snapshot(c.env);
  return html(c, dashboardPage(nonce(c), session.csrf, renderSections(snap, session.csrf)), 200);
});

dashboardRoutes.post("/dashboard/login", async (c) => {
  const tokens = workerTokens(c.env);
  if (tokens.length === 0) return html(c, loginPage(nonce(c), NOT_CONFIGURED), 503);
  checkOrigin(c);
  const given = (await loginForm(c)).get("token")?.trim() ?? "";
  const token = given && given.length <= LOGIN_FIELD_MAX ? await matchingToken(tokens, given) : null;
  // Counted per client address in the queue object; while blocked even the right token is refused.
  const verdict = await queueStub(c.env).loginAttempt(c.req.header("CF-Connecting-IP") ?? "unknown", token === null);
  if (!verdict.allowed) {
    const minutes = Math.max(1, Math.ceil(verdict.retryAfterMs / 60_000));
    c.header("Retry-After", String(Math.ceil(verdict.retryAfterMs / 1000)));
    return html(c, loginPage(nonce(c), `Too many failed sign-ins from your address: wait ${minutes} min, then sign in with the token exactly as factory init wrote it.`), 429);
  }
  if (!token) {
    const problem = "That is not one of the relay's worker tokens. Copy it again (no spaces) and sign in.";
    return html(c, loginPage(nonce(c), problem), 401);
  }
  const { value } = await createSession(token, Date.now());
  c.header("Set-Cookie", sessionCookie(requestUrl(c), value));
  return seeOther(c);
});

dashboardRoutes.post("/dashboard/logout", async (c) => {
  const session = await currentSession(c, workerTokens(c.env));
  if (session) {
    checkOrigin(c);
    await checkCsrf(c, session);
  }
  c.header("Set-Cookie", sessionCookie(requestUrl(c), null));
  return seeOther(c);
});

dashboardRoutes.get("/dashboard/data", async (c) => {
  const session = await requireSession(c);
  const snap = await snapshot(c.env);
  c.header("Cache-Control", "no-store");
  return c.json({ now: snap.stats.now, counts: snap.stats.counts, sections: renderSections(snap, session.csrf) }, 200);
});

dashboardRoutes.post("/dashboard/jobs/:id/retry", (c) => deadJobAction(c, "retry"));

/**
 * Takes a dead job off the front page's banner (it stays dead: Retry and delete still work).
 * Same checks as Retry: session, Origin, CSRF.
 */
dashboardRoutes.post("/dashboard/jobs/:id/dismiss", (c) => deadJobAction(c, "dismiss"));

/**
 * Queues an approval for the home worker (the relay cannot reach it): form fields `atomId`,
 * optional `repository` and `at` (a publish time). The dedupe key makes a double click, or the
 * same approval from two tabs, one job.
 */
dashboardRoutes.post("/dashboard/approve", async (c) => {
  const { fromScript } = await checkChange(c);
  const payload = await approvePayload(c);
  const at = payload.at;
  // A time with a zone can be checked here; a local one only the worker can read (its time zone).
  if (at && /(?:Z|[+-]\d{2}:?\d{2})$/.test(at) && Date.parse(at) <= Date.now()) {
    throw new HttpError(400, "invalid_request", `The publish time ${at} is in the past: pick a later time, or leave it empty to publish now.`);
  }
  const stored = await queueStub(c.env).enqueue({ type: APPROVE_JOB_TYPE, payload, dedupeKey: approveDedupeKey(payload) });
  if (!fromScript) return seeOther(c);
  return c.json({ jobId: stored.jobId, deduplicated: stored.deduplicated === true, approval: payload }, 202);
});

/**
 * Retry or Dismiss on a dead job: the queue object's call of that name, 404 when the job is
 * gone, 409 when it is no longer dead; then 303 back (plain form) or the job as JSON (script).
 */
async function deadJobAction(c: Context<DashboardEnv>, action: "retry" | "dismiss"): Promise<Response> {
  const { fromScript } = await checkChange(c);
  const id = c.req.param("id")!;
  // RPC typing loses the union's narrowing (and maps `unknown` to never); it is a plain Outcome<Job>.
  const out = (await queueStub(c.env)[action](id)) as unknown as Outcome<Job>;
  if (!out.ok) {
    if (out.code === "not_found") {
      throw new HttpError(404, "not_found", `There is no job ${id} any more (it was deleted): refresh the dashboard.`);
    }
    throw new HttpError(409, "wrong_state", `Job ${id} is ${out.state} now, not dead, so there is nothing to ${action}: refresh the dashboard.`);
  }
  if (!fromScript) return seeOther(c);
  return c.json({ job: out.value }, 200);
}

const APPROVE_FIELDS = ["atomId", "repository", "at", "calendar"] as const;

/** The approve form's fields as an ApprovePayload (empty fields left out), or 400 listing what is wrong. */
async function approvePayload(c: Context<DashboardEnv>): Promise<ApprovePayload> {
  const type = c.req.header("Content-Type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) {
    throw new HttpError(415, "unsupported_media_type", "Send the approve form as a form (application/x-www-form-urlencoded): use the dashboard's Approve button.");
  }
  const form = await c.req.parseBody();
  const fields: Record<string, string | boolean> = {};
  for (const name of APPROVE_FIELDS) {
    const value = form[name];
    if (typeof value === "string" && value.trim() !== "") fields[name] = value.trim();
  }
  // The "Approve for the calendar" button sends calendar=true; anything else is not a flag.
  if (fields.calendar !== undefined) {
    if (fields.calendar !== "true") throw new HttpError(400, "invalid_request", 'calendar must be "true" (the dashboard\'s "Approve for the calendar" button) or left out.');
    fields.calendar = true;
  }
  const parsed = ApprovePayload.safeParse(fields);
  if (!parsed.success) throw validationError("approval", parsed.error);
  return parsed.data;
}

const NOT_CONFIGURED =
  "The relay has no worker tokens yet: set WORKER_TOKENS (`npx wrangler secret put WORKER_TOKENS`, or .dev.vars locally), then reload.";

function workerTokens(env: Env): string[] {
  return listVar(env.WORKER_TOKENS);
}

async function currentSession(c: Context<DashboardEnv>, tokens: readonly string[]): Promise<Session | null> {
  if (tokens.length === 0) return null;
  return verifySession(getCookie(c, cookieName(requestUrl(c))), tokens, Date.now());
}

/** The session, or 401 (JSON) saying how to get one. */
async function requireSession(c: Context<DashboardEnv>): Promise<Session> {
  const session = await currentSession(c, workerTokens(c.env));
  if (!session) {
    throw new HttpError(401, "unauthorized", "Your dashboard session is missing or has expired: open /dashboard and sign in again.");
  }
  return session;
}

/**
 * The checks of every POST that changes something: a session (401), a same-origin `Origin`
 * and the session's CSRF token (403). `fromScript`: the page's script sent the token as a
 * header and wants JSON back; a plain form wants a redirect.
 */
async function checkChange(c: Context<DashboardEnv>): Promise<{ fromScript: boolean }> {
  const session = await requireSession(c);
  checkOrigin(c);
  const fromScript = c.req.header("X-CSRF-Token") !== undefined;
  await checkCsrf(c, session);
  return { fromScript };
}

/** The CSRF token from the header (script) or the form field (no script), compared in constant time. */
async function checkCsrf(c: Context<DashboardEnv>, session: Session): Promise<void> {
  let given = c.req.header("X-CSRF-Token");
  if (given === undefined) {
    const type = c.req.header("Content-Type") ?? "";
    if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
      const field = (await c.req.parseBody()).csrf;
      if (typeof field === "string") given = field;
    }
  }
  if (given === undefined || !sameSecret(given, session.csrf)) {
    throw new HttpError(403, "csrf_failed", "This form is out of date or came from another site: reload the dashboard and try again.");
  }
}

/** The sign-in form's fields: urlencoded, at most {@link LOGIN_BODY_MAX} bytes (413 as soon as it is more). */
async function loginForm(c: Context<DashboardEnv>): Promise<URLSearchParams> {
  if (!(c.req.header("Content-Type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    throw new HttpError(415, "unsupported_media_type", "Send the sign-in form as a form (application/x-www-form-urlencoded): use the dashboard's Sign in button.");
  }
  const body = await readCapped(c.req.raw, {
    maxBytes: LOGIN_BODY_MAX,
    what: "The sign-in form",
    advice: "it holds one worker token; paste only the token.",
  });
  return new URLSearchParams(new TextDecoder().decode(body));
}

/**
 * Browsers send Origin on POST; one that is not this relay is a cross-site request. `null`
 * (a sandboxed frame, a file, a privacy redirect) is refused too: the dashboard's own pages
 * send their real origin (their Referrer-Policy is same-origin, which keeps it).
 */
function checkOrigin(c: Context<DashboardEnv>): void {
  const origin = c.req.header("Origin");
  if (origin !== undefined && origin !== requestUrl(c).origin) {
    throw new HttpError(403, "csrf_failed", "This request came from another site: open the dashboard on the relay itself.");
  }
}

async function snapshot(env: Env): Promise<DashboardSnapshot> {
  // RPC typing maps `unknown` payload fields to never; the value is the plain snapshot.
  return (await queueStub(env).dashboard(LIMITS)) as unknown as DashboardSnapshot;
}

function requestUrl(c: Context<DashboardEnv>): URL {
  return new URL(c.req.url);
}

/** A fresh nonce per response for the inline style and script. */
function nonce(c: Context<DashboardEnv>): string {
  const value = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  c.header("Content-Security-Policy", contentSecurityPolicy(value));
  return value;
}

function html(c: Context<DashboardEnv>, body: string, status: 200 | 401 | 429 | 503): Response {
  c.header("Cache-Control", "no-store");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on the page's
  // own form POSTs, which the origin check refuses. Other sites still get no referrer.
  c.header("Referrer-Policy", "same-origin");
  return c.html(body, status);
}

/** 303 back to the dashboard (after a form POST). */
function seeOther(c: Context<DashboardEnv>): Response {
  c.header("Cache-Control", "no-store");
  return c.redirect("/dashboard", 303);
}
