/**
 * GET /v1/jobs/ws: the hibernatable WebSocket wake-up channel. The queue object sends
 * `{"type":"ready"}` whenever a job is ready; the worker then leases it with
 * `GET /v1/jobs/next?wait=0`. While nothing happens the object hibernates and costs no
 * duration (docs/cost.md). Plain long-poll stays the fallback transport.
 */
import { Hono } from "hono";
import type { Env } from "../env.ts";
import { HttpError } from "../errors.ts";
import { queueStub } from "../queue/stub.ts";
import { workerName } from "./jobs.ts";

export const socketRoutes = new Hono<{ Bindings: Env }>();

socketRoutes.get("/v1/jobs/ws", async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new HttpError(426, "upgrade_required", "This route is a WebSocket: connect with `Upgrade: websocket`, or long-poll GET /v1/jobs/next.");
  }
  const worker = workerName(c.req.query("worker"));
  const url = `https://queue.internal/ws?worker=${encodeURIComponent(worker)}`;
  return queueStub(c.env).fetch(new Request(url, { headers: { Upgrade: "websocket" } }));
});
