/**
 * POST /github/webhook: size check, signature check over the raw bytes, then the event table.
 * Nothing is stored unless the signature is valid; the raw body is never stored.
 */
import { Hono } from "hono";
import type { EnqueueResponse, IgnoredResponse } from "../../shared/jobs.ts";
import { listVar, type Env } from "../env.ts";
import { HttpError } from "../errors.ts";
import { routeEvent } from "../github/events.ts";
import { verifySignature } from "../github/verify.ts";
import { queueStub } from "../queue/stub.ts";

/** GitHub caps webhook payloads at 25 MiB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export const webhookRoutes = new Hono<{ Bindings: Env }>();

webhookRoutes.post("/github/webhook", async (c) => {
  const declared = Number(c.req.header("Content-Length") ?? "0");
  if (declared > MAX_WEBHOOK_BYTES) throw tooLarge();
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > MAX_WEBHOOK_BYTES) throw tooLarge();

  const secrets = listVar(c.env.GITHUB_WEBHOOK_SECRET);
  if (secrets.length === 0) {
    throw new HttpError(
      503,
      "not_configured",
      "The relay has no webhook secret: set GITHUB_WEBHOOK_SECRET (`npx wrangler secret put GITHUB_WEBHOOK_SECRET`, or .dev.vars locally).",
    );
  }
  const check = await verifySignature(crypto.subtle, secrets, body, c.req.header("X-Hub-Signature-256"));
  if (!check.ok) {
    const why = {
      missing: "The X-Hub-Signature-256 header is missing",
      malformed: "The X-Hub-Signature-256 header is not `sha256=<64 hex digits>`",
      mismatch: "The X-Hub-Signature-256 signature does not match",
    }[check.reason];
    throw new HttpError(
      401,
      "bad_signature",
      `${why}: set the webhook's secret in GitHub to the relay's GITHUB_WEBHOOK_SECRET and redeliver.`,
    );
  }

  const event = c.req.header("X-GitHub-Event");
  const deliveryId = c.req.header("X-GitHub-Delivery");
  if (!event) throw badRequest("The X-GitHub-Event header is missing: send the event name GitHub sends.");
  if (!deliveryId) throw badRequest("The X-GitHub-Delivery header is missing: send the delivery GUID GitHub sends.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw badRequest("The body is not JSON: set the webhook's content type in GitHub to application/json.");
  }

  const watch = { repos: listVar(c.env.WATCH_REPOS), branches: listVar(c.env.WATCH_BRANCHES) };
  const outcome = routeEvent(event, parsed, { deliveryId, receivedAt: Date.now() }, watch);
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
    case "job": {
      const stored: EnqueueResponse = await queue.enqueue(outcome.job, outcome.seen ?? undefined);
      return c.json(stored, 202);
    }
  }
});

function tooLarge(): HttpError {
  return new HttpError(413, "payload_too_large", "The body is over 25 MiB, GitHub's own maximum: send a smaller payload.");
}

function badRequest(message: string): HttpError {
  return new HttpError(400, "bad_request", message);
}
