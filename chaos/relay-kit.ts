/**
 * The relay as the chaos parts drive it: the real `wrangler dev` (local workerd) started by the
 * test helper, plus what the helper does not offer: a SIGKILL of its whole process group, raw
 * requests with any headers and body, and the full job listing through the worker API.
 */
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { startRelay, type RelayProcess, type StartRelayOptions } from "../test/helpers/relay-process.ts";

export type { RelayProcess };

/** The secret the chaos relay accepts, and one it accepted before a rotation and no longer does. */
export const CHAOS_SECRET = "chaos-webhook-secret-current";
export const RETIRED_SECRET = "chaos-webhook-secret-retired";
export const CHAOS_TOKEN = "chaos-worker-token-0123456789";

/** Starts a relay on loopback with the chaos secrets and short leases. */
export function startChaosRelay(vars: Record<string, string> = {}, opts: Omit<StartRelayOptions, "vars"> = {}): Promise<RelayProcess> {
  return startRelay({
    ...opts,
    vars: {
      GITHUB_WEBHOOK_SECRET: CHAOS_SECRET,
      WORKER_TOKENS: CHAOS_TOKEN,
      LEASE_SECONDS: "4",
      BACKOFF_BASE_SECONDS: "0.2",
      BACKOFF_MAX_SECONDS: "1",
      ...vars,
    },
  });
}

/**
 * SIGKILLs every process of the relay (wrangler and workerd), found by its own persist
 * directory on their command lines, without any chance to flush or say goodbye.
 * Returns how many processes were killed.
 */
export function sigkillRelay(relay: RelayProcess): number {
  const out = execFileSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" });
  const groups = new Set<number>();
  const pids: number[] = [];
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!m || !m[3]!.includes(relay.persistDir)) continue;
    pids.push(Number(m[1]));
    groups.add(Number(m[2]));
  }
  for (const g of groups) {
    try {
      process.kill(-g, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return pids.length;
}

/** `sha256=<hex>` over `body` with `secret`. */
export function sign(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** What came back from one request; `status` 0 when there was no HTTP answer at all. */
export interface Answer {
  status: number;
  json: Record<string, unknown> | null;
  text: string;
  /** The network error, when status is 0. */
  error?: string;
  /**
   * wrangler dev's proxy answered 503 because it was reloading the Worker after a source file
   * changed (someone edited relay/ during the run): not the relay's own answer.
   */
  reloaded?: boolean;
  /**
   * The server answered before the upload ended and then reset the connection; the answer's
   * body may be lost to the reset on this side (curl sees it), so its message is not judged.
   */
  cut?: boolean;
}

/** Answers lost to wrangler dev reloading the Worker on a source edit, counted per process. */
export const reloads = { count: 0 };

/**
 * A request that never throws: a refused or reset connection is status 0. An answer from
 * wrangler's reload (see {@link Answer.reloaded}) is retried a few times, as GitHub would
 * redeliver, and counted in {@link reloads}.
 */
export async function request(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  let a = await requestOnce(url, init);
  for (let i = 0; i < 5 && a.reloaded; i++) {
    await new Promise((r) => setTimeout(r, 1000)); // the reload takes about a second
    a = await requestOnce(url, init);
  }
  return a;
}

async function requestOnce(url: string, init: RequestInit & { timeoutMs?: number }): Promise<Answer> {
  const body = init.body;
  const size = typeof body === "string" ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : 0;
  if (size > 64 * 1024) return bigRequest(url, init, body as string | Uint8Array);
  const { timeoutMs = 60_000, ...rest } = init;
  try {
    const res = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") json = parsed as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    if (res.status === 503 && text.startsWith("Your worker restarted mid-request")) {
      reloads.count++;
      return { status: res.status, json, text, reloaded: true };
    }
    return { status: res.status, json, text };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, json: null, text: "", error: cause?.code ?? cause?.message ?? (e as Error).message };
  }
}

/**
 * A large upload through node:http, which (unlike fetch) still reports a server's early answer
 * (413 before the body is read) when the server then closes the connection mid-upload.
 */
function bigRequest(url: string, init: RequestInit & { timeoutMs?: number }, body: string | Uint8Array): Promise<Answer> {
  return new Promise((resolveAnswer) => {
    let answered = false;
    let cut = false;
    const req = httpRequest(url, { method: init.method ?? "POST", headers: init.headers as Record<string, string>, timeout: init.timeoutMs ?? 120_000 }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      const done = () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Record<string, unknown> | null = null;
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed && typeof parsed === "object") json = parsed as Record<string, unknown>;
        } catch {
          /* not JSON */
        }
        const reloaded = res.statusCode === 503 && text.startsWith("Your worker restarted mid-request");
        if (reloaded) reloads.count++;
        resolveAnswer({ status: res.statusCode ?? 0, json, text, ...(reloaded ? { reloaded } : {}), ...(cut ? { cut } : {}) });
      };
      res.on("end", done);
      res.on("error", () => ((cut = true), done()));
      res.on("aborted", () => (cut = true));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    // The server may reset the socket while the body is still being written (an early 413).
    req.on("socket", (sock) => sock.on("error", () => (cut = true)));
    req.on("error", (e: NodeJS.ErrnoException) => {
      // EPIPE/ECONNRESET after the answer arrived: the server refused early and hung up.
      cut = true;
      if (!answered) resolveAnswer({ status: 0, json: null, text: "", error: e.code ?? e.message });
    });
    // Headers first, then a moment for an early refusal (as with Expect: 100-continue), so a
    // 413 decided from Content-Length is read before the upload can be reset.
    req.flushHeaders();
    const wait = setTimeout(() => req.end(body), 300);
    req.once("response", (res) => {
      clearTimeout(wait);
      // Refused before the upload: never send the body; hang up once the answer is read.
      if (!req.writableEnded) res.once("end", () => req.destroy());
    });
  });
}

/** A signed webhook with the given delivery id (the relay's own secret unless told otherwise). */
export function sendWebhook(relay: RelayProcess, event: string, body: string | Uint8Array, delivery: string, headers: Record<string, string> = {}): Promise<Answer> {
  return request(`${relay.url}/github/webhook`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-GitHub-Event": event,
      "X-GitHub-Delivery": delivery,
      "X-Hub-Signature-256": sign(relay.secret, body),
      ...headers,
    },
    body,
    timeoutMs: 120_000,
  });
}

/** A worker-API call with the relay's token. */
export function api(relay: RelayProcess, path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  return request(`${relay.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${relay.token}`, "Content-Type": "application/json", ...(init.headers as Record<string, string> | undefined) },
  });
}

/** A job as listed by GET /v1/jobs (only the fields the parts look at). */
export interface ListedJob {
  id: string;
  type: string;
  state: string;
  payload: Record<string, unknown>;
  updatedAt: number;
  attempts: number;
}

/** Every job the relay holds, all pages. Throws when the listing itself fails. */
export async function listAllJobs(relay: RelayProcess): Promise<ListedJob[]> {
  const jobs: ListedJob[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const q: string = `/v1/jobs?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const res = await api(relay, q);
    if (res.status !== 200 || !res.json) throw new Error(`GET ${q} answered ${res.status}: ${res.text.slice(0, 200)}`);
    jobs.push(...(res.json.jobs as ListedJob[]));
    cursor = res.json.nextCursor as string | null;
    if (!cursor) break;
  }
  return jobs;
}

/** Job counts per state from GET /v1/stats. */
export async function stateCounts(relay: RelayProcess): Promise<Record<string, number>> {
  const res = await api(relay, "/v1/stats");
  if (res.status !== 200 || !res.json) throw new Error(`GET /v1/stats answered ${res.status}`);
  return res.json.counts as Record<string, number>;
}

/**
 * Leases every ready job (wait=0) and completes it, like a fast worker would, so the next
 * pushes start new jobs instead of coalescing. Returns the ids it completed.
 */
export async function drainQueue(relay: RelayProcess, worker = "chaos-drain"): Promise<string[]> {
  const done: string[] = [];
  for (;;) {
    const res = await api(relay, `/v1/jobs/next?wait=0&worker=${worker}`);
    if (res.status === 204) return done;
    if (res.status !== 200 || !res.json) throw new Error(`lease answered ${res.status}: ${res.text.slice(0, 200)}`);
    const lease = res.json as { job: { id: string }; lease: { token: string } };
    const ack = await api(relay, `/v1/jobs/${lease.job.id}/complete`, { method: "POST", body: JSON.stringify({ leaseToken: lease.lease.token }) });
    if (ack.status !== 200) throw new Error(`complete answered ${ack.status}: ${ack.text.slice(0, 200)}`);
    done.push(lease.job.id);
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** A deterministic pseudo-random generator (mulberry32), so a failing run can be replayed by seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 40-hex sha from a number (unique per input). */
export function fakeSha(n: number, salt = 0): string {
  return createHmac("sha1", `chaos-${salt}`).update(String(n)).digest("hex");
}
