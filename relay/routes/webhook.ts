/**
 * POST /github/webhook: signature header check, size check while streaming, signature check
 * over the raw bytes, then the event table (which stores a job, cancels a queued one, or
 * ignores the delivery with a reason). Nothing is stored unless the signature is valid;
 * the raw body is never stored. A refused signature is remembered (headers only) for the
 * dashboard, at most a few a minute per isolate.
 */
import { Hono } from "hono";
import { type CancelledResponse, type EnqueueResponse, type IgnoredResponse, LIMITS } from "../../shared/jobs.ts";
import { type Env, eventConfig, listVar } from "../env.ts";
import { parseJsonBounded, readCapped } from "../body.ts";
import { HttpError } from "../errors.ts";
import { routeEvent } from "../github/events.ts";
import { headerProblem, verifySignature } from "../github/verify.ts";
import type { CancelOutcome } from "../queue/cancel.ts";
import { queueStub } from "../queue/stub.ts";
import { TokenBucket } from "../throttle.ts";

/** GitHub caps webhook payloads at 25 MiB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/** Nesting allowed in a webhook body: GitHub's own bodies are a few levels deep, plus a client_payload. */
const MAX_WEBHOOK_DEPTH = LIMITS.jsonDepth + 8;

/** Refusals recorded for the dashboard: a burst of 10, then one every 6 s (per isolate). */
const refusalLog = new TokenBucket(10, 6_000);

export const webhookRoutes = new Hono<{ Bindings: Env }>();

webhookRoutes.post("/github/webhook", async (c) => {
  const secrets = listVar(c.env.GITHUB_WEBHOOK_SECRET);
  if (secrets.length === 0) {
    throw new HttpError(
      503,
      "not_configured",
      "The relay has no webhook secret: set GITHUB_WEBHOOK_SECRET (`npx wrangler secret put GITHUB_WEBHOOK_SECRET`, or .dev.vars locally).",
    );
  }
  const header = c.req.header("X-Hub-Signature-256");
  // A missing or malformed signature is refused before a byte of the body is read.
  const early = headerProblem(header);
  if (early) throw await refuse(c.env, c.req.raw.headers, early);
  const body = await readCapped(c.req.raw, {
    maxBytes: MAX_WEBHOOK_BYTES,
    what: "The body",
    advice: "25 MiB is GitHub's own maximum; send a smaller payload.",
  });
  const check = await verifySignature(crypto.subtle, secrets, body, header);
  if (!check.ok) throw await refuse(c.env, c.req.raw.headers, check.reason);

  const event = c.req.header("X-GitHub-Event");
  const deliveryId = c.req.header("X-GitHub-Delivery");
  if (!event) throw badRequest("The X-GitHub-Event header is missing: send the event name GitHub sends.");
  if (!deliveryId) throw badRequest("The X-GitHub-Delivery header is missing: send the delivery GUID GitHub sends.");
  if (event.length > 100 || deliveryId.length > 200) {
    throw badRequest("The X-GitHub-Event or X-GitHub-Delivery header is too long: send the values GitHub sends.");
  }
  const parsed = parseJsonBounded(
    body,
    MAX_WEBHOOK_DEPTH,
    "The body",
    "set the webhook's content type in GitHub to application/json.",
  );

  const outcome = routeEvent(event, parsed, { deliveryId, receivedAt: Date.now() }, eventConfig(c.env));
  const queue = queueStub(c.env);
  switch (outcome.kind) {
    case "invalid":
      throw badRequest(`${outcome.reason}: send the body GitHub sends for "${event}".`);
    case "pong":
      if (outcome.seen) await queue.rememberRepositoryOnly(outcome.seen);
      return c.json({ ok: true, pong: true }, 200);
    case "ignored":
      if (outcome.seen) await queue.rememberRepositoryOnly(outcome.seen);
      return c.json({ ignored: outcome.reason } satisfies IgnoredResponse, 202);
    case "cancel": {
      // RPC typing loses the plain shape; it is a CancelOutcome.
      const out = (await queue.cancelQueued(outcome.coalesceKey, outcome.reason, deliveryId, outcome.seen ?? undefined)) as CancelOutcome;
      if (out.cancelled.length === 0) {
        const ignored = `no ${outcome.what} is queued, so there is nothing to cancel (a running one finishes): ${outcome.reason}`;
        return c.json({ ignored } satisfies IgnoredResponse, 202);
      }
      const body: CancelledResponse = { cancelled: out.cancelled, reason: outcome.reason };
      if (out.deduplicated) body.deduplicated = true;
      return c.json(body, 202);
    }
    case "job": {
      const stored: EnqueueResponse = await queue.enqueue(outcome.job, outcome.seen ?? undefined);
      return c.json(stored, 202);
    }
  }
});

const WHY = {
  missing: "The X-Hub-Signature-256 header is missing",
  malformed: "The X-Hub-Signature-256 header is not `sha256=<64 hex digits>`",
  mismatch: "The X-Hub-Signature-256 signature does not match",
} as const;

/** The 401 for a refused signature, after noting the delivery (headers only) for the dashboard. */
async function refuse(env: Env, headers: Headers, reason: keyof typeof WHY): Promise<HttpError> {
  if (refusalLog.take(Date.now())) {
    const cut = (name: string) => headers.get(name)?.slice(0, 100) ?? null;
    try {
      await queueStub(env).recordRefusedDelivery({
        deliveryId: cut("X-GitHub-Delivery"),
        event: cut("X-GitHub-Event"),
        hookId: cut("X-GitHub-Hook-ID"),
        reason,
      });
    } catch {
      // Remembering is a courtesy: the refusal stands either way.
    }
  }
  return new HttpError(
    401,
    "bad_signature",
    `${WHY[reason]}: set the webhook's secret in GitHub to the relay's GITHUB_WEBHOOK_SECRET and redeliver.`,
  );
}

function badRequest(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}
