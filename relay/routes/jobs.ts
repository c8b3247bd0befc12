/**
 * The worker API under /v1 (bearer auth is applied by app.ts): long-poll leasing, lease
 * holder calls (heartbeat/complete/fail/release), manual enqueue and operator reads.
 * Bodies are validated with the shared zod schemas; the queue object does the rest.
 */
import { Hono, type Context } from "hono";
import type { z } from "zod";
import {
  CompleteRequest,
  EnqueueRequest,
  FailRequest,
  HeartbeatRequest,
  JobState,
  type LeaseResponse,
  LIMITS,
  MAX_WAIT_SECONDS,
  ReleaseRequest,
} from "../../shared/jobs.ts";
import { byteWords, jsonBytes, parseJsonBounded, readCapped, tooLarge } from "../body.ts";
import type { Env } from "../env.ts";
import { HttpError, validationError } from "../errors.ts";
import type { Outcome } from "../queue/types.ts";
import { queueStub } from "../queue/stub.ts";

export const jobRoutes = new Hono<{ Bindings: Env }>();

const WORKER_NAME = /^[A-Za-z0-9_.:@-]{1,100}$/;
const INSTANCE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The optional `instance` query parameter (a worker process's id), checked. */
function instanceId(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!INSTANCE_ID.test(value)) {
    throw new HttpError(400, "bad_request", "`instance` must be 1-64 characters of A-Z a-z 0-9 _ -: send the worker process's id.");
  }
  return value;
}

/** The `worker` query parameter (default "unnamed"), checked. */
export function workerName(value: string | undefined): string {
  const worker = value ?? "unnamed";
  if (!WORKER_NAME.test(worker)) {
    throw new HttpError(400, "bad_request", "`worker` must be 1-100 characters of A-Z a-z 0-9 _ . : @ -: rename the worker.");
  }
  return worker;
}

jobRoutes.get("/v1/jobs/next", async (c) => {
  const waitParam = c.req.query("wait") ?? "0";
  const wait = Number(waitParam);
  if (!/^\d+$/.test(waitParam) || wait > MAX_WAIT_SECONDS) {
    throw new HttpError(400, "bad_request", `\`wait\` must be whole seconds from 0 to ${MAX_WAIT_SECONDS}: fix the query.`);
  }
  const worker = workerName(c.req.query("worker"));
  const instance = instanceId(c.req.query("instance"));
  const queue = queueStub(c.env);
  if (wait === 0) {
    const lease = await queue.next(worker, 0, undefined, instance);
    return lease ? c.json(lease, 200) : c.body(null, 204);
  }
  // If the worker hangs up while waiting, withdraw the poll; if a job was leased to it in that
  // instant, give the job straight back (no attempt spent) instead of letting the lease expire.
  const signal = c.req.raw.signal;
  const pollId = crypto.randomUUID();
  const withdraw = () => c.executionCtx.waitUntil(queue.cancelPoll(pollId));
  signal.addEventListener("abort", withdraw, { once: true });
  try {
    // RPC typing maps `unknown` fields to never; the value is the plain LeaseResponse.
    const lease = (await queue.next(worker, wait * 1000, pollId, instance)) as unknown as LeaseResponse | null;
    if (!lease) return c.body(null, 204);
    if (isAborted(signal)) {
      c.executionCtx.waitUntil(queue.release(lease.job.id, lease.lease.token));
      return c.body(null, 204);
    }
    return c.json(lease, 200);
  } finally {
    signal.removeEventListener("abort", withdraw);
  }
});

jobRoutes.delete("/v1/jobs/next", async (c) => {
  const worker = c.req.query("worker");
  if (worker === undefined) throw new HttpError(400, "bad_request", "Say whose polls to withdraw: add `?worker=<name>`.");
  const withdrawn = await queueStub(c.env).cancelPollsOf(workerName(worker), instanceId(c.req.query("instance")));
  return c.json({ withdrawn }, 200);
});

jobRoutes.post("/v1/jobs/:id/heartbeat", async (c) => {
  const req = await readBody(c, HeartbeatRequest, "heartbeat");
  const out = await queueStub(c.env).heartbeat(c.req.param("id"), req.leaseToken, req.progress);
  return c.json(unwrap(out, c.req.param("id")), 200);
});

jobRoutes.post("/v1/jobs/:id/complete", async (c) => {
  const req = await readBody(c, CompleteRequest, "complete request");
  if (req.result !== undefined && jsonBytes(req.result) > LIMITS.resultBytes) {
    throw tooLarge({
      maxBytes: LIMITS.resultBytes,
      what: "The result",
      advice:
        "keep large results as artifacts on the worker and send a summary; the lease is still yours, so complete again with a smaller result.",
    });
  }
  // `?next=1&worker=` also leases the next ready job in the same round trip (no waiting).
  const nextFor = c.req.query("next") === "1" ? workerName(c.req.query("worker")) : undefined;
  const instance = instanceId(c.req.query("instance"));
  const out = await queueStub(c.env).complete(c.req.param("id"), req.leaseToken, req.result, nextFor, instance);
  return c.json(unwrap(out, c.req.param("id")), 200);
});

jobRoutes.post("/v1/jobs/:id/fail", async (c) => {
  const req = await readBody(c, FailRequest, "fail request");
  const out = await queueStub(c.env).fail(c.req.param("id"), req.leaseToken, req.error, req.retryable, req.retryAt);
  return c.json(unwrap(out, c.req.param("id")), 200);
});

jobRoutes.post("/v1/jobs/:id/release", async (c) => {
  const req = await readBody(c, ReleaseRequest, "release request");
  const out = await queueStub(c.env).release(c.req.param("id"), req.leaseToken);
  return c.json({ job: unwrap(out, c.req.param("id")) }, 200);
});

jobRoutes.post("/v1/jobs/:id/retry", async (c) => {
  const out = await queueStub(c.env).retry(c.req.param("id"));
  return c.json({ job: unwrap(out, c.req.param("id")) }, 200);
});

jobRoutes.delete("/v1/jobs/:id", async (c) => {
  const out = await queueStub(c.env).remove(c.req.param("id"));
  return c.json({ deleted: unwrap(out, c.req.param("id")).id }, 200);
});

jobRoutes.post("/v1/jobs", async (c) => {
  const req = await readBody(c, EnqueueRequest, "job");
  if (jsonBytes(req.payload) > LIMITS.payloadBytes) {
    throw tooLarge({
      maxBytes: LIMITS.payloadBytes,
      what: "The job payload",
      advice: "put large data where the worker can fetch it (the repository, a URL) and send a reference.",
    });
  }
  const stored = await queueStub(c.env).enqueue({
    type: req.type,
    payload: req.payload,
    dedupeKey: req.dedupeKey,
    runAt: req.runAt,
    maxAttempts: req.maxAttempts,
  });
  return c.json(stored, 202);
});

jobRoutes.get("/v1/jobs", async (c) => {
  const stateParam = c.req.query("state");
  const state = stateParam === undefined || stateParam === "" ? undefined : JobState.safeParse(stateParam);
  if (state && !state.success) {
    throw new HttpError(400, "bad_request", "`state` must be one of queued, leased, done, dead: fix the query.");
  }
  const limitParam = c.req.query("limit") ?? "50";
  if (!/^\d+$/.test(limitParam) || Number(limitParam) < 1 || Number(limitParam) > 200) {
    throw new HttpError(400, "bad_request", "`limit` must be a whole number from 1 to 200: fix the query.");
  }
  const cursor = c.req.query("cursor") || undefined;
  return c.json(await queueStub(c.env).list(state?.data, Number(limitParam), cursor), 200);
});

jobRoutes.get("/v1/jobs/:id", async (c) => {
  const job = await queueStub(c.env).get(c.req.param("id"));
  if (!job) throw notFound(c.req.param("id"));
  return c.json(job, 200);
});

jobRoutes.get("/v1/stats", async (c) => c.json(await queueStub(c.env).stats(), 200));

/** Read through a function so the check is not narrowed away across the await above. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * Parses a JSON body with a shared schema: 413 over {@link LIMITS.apiBodyBytes} (by
 * Content-Length, else while reading), 400 for nesting over {@link LIMITS.jsonDepth}, bad JSON,
 * or any bad field (every one listed).
 */
async function readBody<S extends z.ZodType>(c: Context, schema: S, what: string): Promise<z.infer<S>> {
  const bytes = await readCapped(c.req.raw, {
    maxBytes: LIMITS.apiBodyBytes,
    what: `The ${what} body`,
    advice: `send at most ${byteWords(LIMITS.apiBodyBytes)}; keep large data on the worker.`,
  });
  const raw = parseJsonBounded(bytes, LIMITS.jsonDepth, `The ${what} body`, "send a JSON object with Content-Type application/json.");
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(what, parsed.error);
  return parsed.data;
}

/** The value of a queue outcome, or the HTTP error that explains the refusal. */
function unwrap<T>(out: Outcome<T>, id: string): T {
  if (out.ok) return out.value;
  switch (out.code) {
    case "not_found":
      throw notFound(id);
    case "lease_not_held":
      throw new HttpError(
        409,
        "lease_not_held",
        `You do not hold the lease on job ${id} (it is ${out.state}; it may have expired and gone to another worker): drop this job and poll for the next one.`,
      );
    case "wrong_state":
      throw new HttpError(
        409,
        "wrong_state",
        `Job ${id} is ${out.state}, so this action does not apply: check its state with "npx factory jobs" (GET /v1/jobs/${id}).`,
      );
  }
}

function notFound(id: string): HttpError {
  return new HttpError(404, "not_found", `There is no job ${id}: it may have been pruned or deleted; list jobs with "npx factory jobs" (GET /v1/jobs).`);
}
