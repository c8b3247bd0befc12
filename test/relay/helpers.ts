/**
 * Helpers for the relay tests that run inside workerd: signed webhook requests through the
 * real Worker entry, bearer-authorised API calls, and the queue object's injected clock.
 */
import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import pushNewBranch from "../fixtures/github-webhooks/push/with-new-branch.payload.json?raw";
import { hmacSha256 } from "../../relay/github/verify.ts";
import { toHex } from "../../relay/bytes.ts";
import type { QueueObject } from "../../relay/queue/QueueObject.ts";
import { queueStub } from "../../relay/queue/stub.ts";

export const SECRET = "test-secret-new";
export const OLD_SECRET = "test-secret-old";
export const TOKEN = "test-token-a";
export const BASE = "https://relay.test";

/** `sha256=<hex>` for `body` under `secret`. */
export async function sign(secret: string, body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return `sha256=${toHex(await hmacSha256(crypto.subtle, secret, bytes))}`;
}

let deliveries = 0;
/** A fresh GUID-like delivery id. */
export function newDelivery(): string {
  deliveries++;
  return `${crypto.randomUUID()}-${deliveries}`;
}

/** POSTs a signed webhook through the real Worker. `headers` override or (with null) remove. */
export async function webhook(
  event: string,
  body: string | Uint8Array,
  opts: { secret?: string; delivery?: string; headers?: Record<string, string | null> } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": opts.delivery ?? newDelivery(),
    "X-Hub-Signature-256": await sign(opts.secret ?? SECRET, body),
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === null) delete headers[k];
    else headers[k] = v;
  }
  return SELF.fetch(`${BASE}/github/webhook`, { method: "POST", headers, body });
}

/** An authorised call to the worker API. */
export async function api(method: string, path: string, body?: unknown, token = TOKEN): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** JSON of a response, typed by the caller. */
export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The real push body, with fields changed for a test (e.g. a newer `after`). */
export function pushBody(change: {
  after?: string;
  before?: string;
  ref?: string;
  repo?: string;
  files?: { added?: string[]; modified?: string[]; removed?: string[] };
} = {}): string {
  if (Object.keys(change).length === 0) return pushNewBranch;
  const body = JSON.parse(pushNewBranch);
  if (change.after) body.after = change.after;
  if (change.before) body.before = change.before;
  if (change.ref) body.ref = change.ref;
  if (change.repo) body.repository.full_name = change.repo;
  if (change.files) {
    body.commits = [{ ...body.commits[0], added: [], modified: [], removed: [], ...change.files }];
  }
  return JSON.stringify(body);
}

/** A 40-hex sha made from a small number (readable in tests). */
export function sha(n: number): string {
  return n.toString(16).padStart(40, "0");
}

export function queue() {
  return queueStub(env);
}

/** Sets the queue object's clock (and optionally its jitter source). */
export async function setClock(now: number, random?: number): Promise<void> {
  await runInDurableObject(queue(), (instance: QueueObject) => {
    instance.now = () => now;
    if (random !== undefined) instance.random = () => random;
  });
}

/** Resolves once `n` long polls are waiting inside the queue object (bounded). */
export async function untilWaiting(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const waiting = await runInDurableObject(queue(), (instance: QueueObject) => instance.waitingPolls);
    if (waiting >= n) return;
    await scheduler.wait(1); // yield so the polls can reach the object
  }
  throw new Error(`fewer than ${n} long polls reached the queue object`);
}

/**
 * Leases the next job as `worker` (no waiting) and, as a live worker does at once, confirms
 * it with a first heartbeat (`confirm: false` leaves it unconfirmed). `instance` is sent when given.
 */
export async function lease(
  worker = "w1",
  opts: { confirm?: boolean; instance?: string } = {},
): Promise<{ job: any; lease: { token: string; expiresAt: number; confirmBy?: number } }> {
  const instance = opts.instance ? `&instance=${opts.instance}` : "";
  const res = await api("GET", `/v1/jobs/next?wait=0&worker=${worker}${instance}`);
  if (res.status !== 200) throw new Error(`expected a lease, got ${res.status}`);
  const leased = await json(res);
  if (opts.confirm === false) return leased;
  const hb = await api("POST", `/v1/jobs/${leased.job.id}/heartbeat`, { leaseToken: leased.lease.token });
  if (hb.status !== 200) throw new Error(`confirming the lease failed: ${hb.status}`);
  return { job: leased.job, lease: { token: leased.lease.token, expiresAt: (await json(hb)).expiresAt } };
}

/** Enqueues a manual job and returns its id. */
export async function enqueue(body: Record<string, unknown> = {}): Promise<string> {
  const res = await api("POST", "/v1/jobs", { type: "factory.test", payload: {}, ...body });
  if (res.status !== 202) throw new Error(`enqueue failed: ${res.status} ${await res.text()}`);
  return (await json(res)).jobId;
}
