/**
 * A typed client of the relay's worker API (docs/relay-api.md, wire types in shared/jobs.ts).
 *
 * Every response body is parsed with its zod schema, so a relay speaking another version of the
 * contract fails loudly here instead of deep inside a step. Failures are typed:
 *  - {@link UnauthorizedError}: 401, the token was rejected (retrying cannot help);
 *  - {@link LeaseLostError}: 409, this worker no longer holds the job's lease;
 *  - {@link RelayUnreachableError}: the network, a timeout, or a 502/503/504 (worth retrying);
 *  - {@link RelayHttpError}: any other refusal, with the relay's own message.
 * The worker token only travels in the Authorization header and never appears in an error.
 */
import type { z } from "zod";
import {
  EnqueueRequest,
  EnqueueResponse,
  ErrorBody,
  FailResponse,
  HeartbeatResponse,
  Job,
  JobDetail,
  JobList,
  LeaseResponse,
  LIMITS,
  Stats,
  type FailRequest,
  type JobResult,
  type JobState,
  type Progress,
} from "../shared/jobs.ts";

/** Base class of every error this client throws. */
export class RelayError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
/** 401: the relay rejected the worker token. */
export class UnauthorizedError extends RelayError {}
/** 409: the lease is not (or no longer) held by this worker. */
export class LeaseLostError extends RelayError {}
/** The relay could not be reached, timed out, or answered 502/503/504. Retry with backoff. */
export class RelayUnreachableError extends RelayError {}
/** Any other non-success answer. */
export class RelayHttpError extends RelayError {}

/** How to reach the relay. */
export interface RelayClientOptions {
  baseUrl: string;
  token: string;
  /** Sent as `worker=` on long polls so the relay's stats name this worker. */
  workerName: string;
  /**
   * This process's id, sent as `instance=` on polls: the relay then knows a restarted worker
   * (same name, new id) and takes back at once what the dead process held. Default: random.
   */
  instance?: string;
  fetch?: typeof fetch;
  /** Timeout of ordinary requests (ms); a long poll gets its wait on top. Default 15 s. */
  timeoutMs?: number;
}

/** The worker API. */
export class RelayClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  /** This process's id (see {@link RelayClientOptions.instance}). */
  readonly instance: string;

  constructor(private readonly opts: RelayClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.instance = opts.instance ?? crypto.randomUUID().replace(/-/g, "").slice(0, 16);
  }

  /** Long poll: a job and its lease, or null when `waitSeconds` passed with none. */
  async next(waitSeconds: number, signal?: AbortSignal): Promise<LeaseResponse | null> {
    const q = new URLSearchParams({ wait: String(waitSeconds), worker: this.opts.workerName, instance: this.instance });
    const res = await this.request("GET", `/v1/jobs/next?${q}`, undefined, signal, waitSeconds * 1000);
    if (res.status === 204) return null;
    return this.parse(res, LeaseResponse, "GET /v1/jobs/next");
  }

  /** Extends the lease. Throws {@link LeaseLostError} on 409. */
  async heartbeat(jobId: string, leaseToken: string, progress?: Progress, signal?: AbortSignal) {
    const res = await this.request("POST", `/v1/jobs/${enc(jobId)}/heartbeat`, { leaseToken, progress }, signal);
    return this.parse(res, HeartbeatResponse, "heartbeat");
  }

  /**
   * Withdraws this process's polls still parked at the relay (on shutdown), so none of them
   * takes a job nobody will read. Best effort, within `timeoutMs` (default 3 s); returns how
   * many were withdrawn, or null when the relay could not be asked.
   */
  async withdraw(timeoutMs = 3000): Promise<number | null> {
    const q = new URLSearchParams({ worker: this.opts.workerName, instance: this.instance });
    try {
      const res = await this.request("DELETE", `/v1/jobs/next?${q}`, undefined, AbortSignal.timeout(timeoutMs));
      const body = (await this.okJson(res, "withdraw polls")) as { withdrawn?: unknown } | null;
      return typeof body?.withdrawn === "number" ? body.withdrawn : 0;
    } catch {
      return null;
    }
  }

  /**
   * Acknowledges success. Throws {@link LeaseLostError} on 409 (a late ack is refused). The
   * result is cut to the relay's limit first ({@link boundedResult}): large reports stay on
   * this machine (ledger, artifacts); if the relay still answers 413, the bare counts go.
   */
  async complete(jobId: string, leaseToken: string, result?: JobResult, signal?: AbortSignal): Promise<void> {
    const bounded = result === undefined ? undefined : boundedResult(result);
    const res = await this.request("POST", `/v1/jobs/${enc(jobId)}/complete`, { leaseToken, result: bounded }, signal);
    if (res.status === 413 && bounded !== undefined) {
      await res.body?.cancel();
      const bare = boundedResult(bounded, 0);
      const again = await this.request("POST", `/v1/jobs/${enc(jobId)}/complete`, { leaseToken, result: bare }, signal);
      return this.expectOk(again, "complete");
    }
    await this.expectOk(res, "complete");
  }

  /** Reports failure; the answer says whether the job was queued again or is dead. */
  async fail(jobId: string, req: FailRequest, signal?: AbortSignal) {
    const res = await this.request("POST", `/v1/jobs/${enc(jobId)}/fail`, req, signal);
    return this.parse(res, FailResponse, "fail");
  }

  /** Hands the job back without spending an attempt (graceful shutdown). */
  async release(jobId: string, leaseToken: string, signal?: AbortSignal): Promise<void> {
    const res = await this.request("POST", `/v1/jobs/${enc(jobId)}/release`, { leaseToken }, signal);
    await this.expectOk(res, "release");
  }

  /** Manual enqueue. */
  async enqueue(req: z.input<typeof EnqueueRequest>, signal?: AbortSignal) {
    const res = await this.request("POST", `/v1/jobs`, req, signal);
    return this.parse(res, EnqueueResponse, "enqueue");
  }

  /** One page of jobs, newest first as the relay orders them. */
  async list(query: { state?: JobState; limit?: number; cursor?: string } = {}, signal?: AbortSignal) {
    const q = new URLSearchParams();
    if (query.state) q.set("state", query.state);
    if (query.limit) q.set("limit", String(query.limit));
    if (query.cursor) q.set("cursor", query.cursor);
    const res = await this.request("GET", `/v1/jobs${q.size ? `?${q}` : ""}`, undefined, signal);
    return this.parse(res, JobList, "list jobs");
  }

  /** A job with its attempt history. */
  async get(jobId: string, signal?: AbortSignal) {
    const res = await this.request("GET", `/v1/jobs/${enc(jobId)}`, undefined, signal);
    return this.parse(res, JobDetail, "get job");
  }

  /** Dead → queued. Returns the job as the relay sends it back (or null when it sends no job). */
  async retry(jobId: string, signal?: AbortSignal): Promise<Job | null> {
    const res = await this.request("POST", `/v1/jobs/${enc(jobId)}/retry`, {}, signal);
    const body = await this.okJson(res, "retry");
    const direct = Job.safeParse(body);
    if (direct.success) return direct.data;
    const wrapped = Job.safeParse((body as { job?: unknown } | null)?.job);
    return wrapped.success ? wrapped.data : null;
  }

  /** Queue counts and workers seen. */
  async stats(signal?: AbortSignal) {
    const res = await this.request("GET", `/v1/stats`, undefined, signal);
    return this.parse(res, Stats, "stats");
  }

  private async request(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    extraMs = 0,
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs + extraMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
    } catch (e) {
      // The caller's own abort is not an outage: let it through as an AbortError.
      if (signal?.aborted) throw signal.reason ?? e;
      const why = timeout.aborted ? "timed out" : describeNetworkError(e);
      throw new RelayUnreachableError(
        `relay ${this.baseUrl} unreachable (${method} ${path.split("?")[0]}): ${why}. ` +
          "Check RELAY_URL and this machine's connection; the worker keeps retrying with backoff.",
        null,
      );
    }
    if (res.status === 401) {
      await res.body?.cancel();
      throw new UnauthorizedError(
        `the relay at ${this.baseUrl} rejected the worker token (401). Set WORKER_TOKEN (or "workerToken" in factory.config.json) to one of the tokens in the relay's WORKER_TOKENS secret.`,
        401,
        "unauthorized",
      );
    }
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      // Keep the relay's own sentence (a 503 not_configured says which secret is missing).
      const said = ErrorBody.safeParse(await res.json().catch(() => null));
      const next = said.success ? said.data.message : "Cloudflare or the relay is having trouble; the worker keeps retrying with backoff.";
      throw new RelayUnreachableError(`relay ${this.baseUrl} answered ${res.status}: ${next}`, res.status);
    }
    return res;
  }

  private async okJson(res: Response, what: string): Promise<unknown> {
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* handled below */
    }
    if (res.ok) {
      if (json === null && text)
        throw new RelayHttpError(
          `${what}: the relay sent a body that is not JSON: is RELAY_URL the relay's address (it answers {"ok":true} at /healthz)?`,
          res.status,
        );
      return json;
    }
    const err = ErrorBody.safeParse(json);
    const message = err.success ? `${err.data.message}` : text.slice(0, 300) || res.statusText;
    const code = err.success ? err.data.error : null;
    if (res.status === 409) throw new LeaseLostError(`${what}: ${message}`, 409, code);
    throw new RelayHttpError(`${what}: the relay answered ${res.status}: ${message}`, res.status, code);
  }

  private async expectOk(res: Response, what: string): Promise<void> {
    await this.okJson(res, what);
  }

  private async parse<T extends z.ZodType>(res: Response, schema: T, what: string): Promise<z.infer<T>> {
    const body = await this.okJson(res, what);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new RelayHttpError(
        `${what}: the relay's answer does not match the contract in shared/jobs.ts (${first?.path.join(".") || "body"}: ${first?.message}). Are the relay and the worker the same version?`,
        res.status,
        "contract",
      );
    }
    return parsed.data;
  }
}

/**
 * `result` cut to at most `maxBytes` of JSON (default: the relay's limit, LIMITS.resultBytes):
 * first the step lists of produced files go, then the steps themselves (newest kept), and the
 * summary says so. With `maxBytes` 0 only the counts, sha and summary are left.
 */
export function boundedResult(result: JobResult, maxBytes: number = LIMITS.resultBytes): JobResult {
  const size = (r: JobResult) => Buffer.byteLength(JSON.stringify(r));
  if (maxBytes > 0 && size(result) <= maxBytes) return result;
  const note = "full report kept on the worker (ledger and artifacts)";
  const summary = `${(result.summary ?? "").slice(0, 1500)}${result.summary ? " " : ""}(result trimmed: ${note})`.slice(0, 2000);
  let out: JobResult = {
    ...result,
    produced: [],
    steps: result.steps.map((s) => ({ ...s, produced: [], ...(s.note ? { note: s.note.slice(0, 300) } : {}) })),
    summary,
  };
  while (out.steps.length > 0 && (maxBytes === 0 || size(out) > maxBytes)) {
    out = { ...out, steps: out.steps.slice(Math.ceil(out.steps.length / 2)) };
  }
  return out;
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
