/**
 * The relay Worker's entry: the Hono app for HTTP, the cron safety-net sync, and the queue
 * Durable Object class.
 */
import { createApp } from "./app.ts";
import { listVar, type Env } from "./env.ts";
import { queueStub } from "./queue/stub.ts";
import { scheduledSyncJobs } from "./schedule.ts";
import { eventSettings } from "./github/settings.ts";

export { QueueObject } from "./queue/QueueObject.ts";

const app = createApp();

/** Enqueues the coalesced safety-net syncs; returns what each enqueue answered. */
export async function runScheduledSync(env: Env, now: number) {
  const queue = queueStub(env);
  const watch = { repos: listVar(env.WATCH_REPOS), branches: listVar(env.WATCH_BRANCHES) };
  const jobs = scheduledSyncJobs(await queue.repositories(), watch, now, eventSettings(env).lessonsPerJob);
  const results = [];
  for (const job of jobs) results.push(await queue.enqueue(job));
  return results;
}

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledSync(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
