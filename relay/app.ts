/**
 * The relay's Hono app: health, GitHub webhook intake, and the bearer-protected worker API.
 * Every error becomes a JSON ErrorBody in one place (errors.ts).
 */
import { Hono } from "hono";
import { bearerAuth } from "./auth.ts";
import { listVar, type Env } from "./env.ts";
import { errorResponse, HttpError } from "./errors.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { webhookRoutes } from "./routes/webhook.ts";
import { socketRoutes } from "./routes/socket.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";

/** Builds the app (a function so tests and benchmarks can make their own). */
export function createApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  app.get("/healthz", (c) => c.json({ ok: true, service: "agent-factory-relay" }, 200));
  // The benchmark's baseline: a bare route in the same workerd (only when BENCH_ROUTES=1).
  app.post("/_bench/bare", async (c) => {
    if (c.env.BENCH_ROUTES !== "1") return c.notFound();
    await c.req.arrayBuffer();
    return c.json({ ok: true }, 202);
  });
  app.route("/", webhookRoutes);
  // The owner's dashboard has its own login (a signed session cookie, not the bearer header).
  app.route("/", dashboardRoutes);
  app.use("/v1/*", bearerAuth({ tokens: (env) => listVar(env.WORKER_TOKENS), variable: "WORKER_TOKENS" }));
  app.route("/", socketRoutes);
  app.route("/", jobRoutes);
  app.notFound((c) =>
    errorResponse(
      c,
      new HttpError(404, "not_found", `No route ${c.req.method} ${c.req.path}: see docs/relay-api.md for the relay's routes.`),
    ),
  );
  app.onError((err, c) => errorResponse(c, err));
  return app;
}
