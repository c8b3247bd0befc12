/**
 * The relay Worker's entry: the Hono app for HTTP, the cron safety-net sync, and the queue
 * Durable Object class.
 */
import { createApp } from "./app.ts";
import { type Env, eventConfig } from "./env.ts";
import { queueStub } from "./queue/stub.ts";
import { scheduledSyncJobs } from "./schedule.ts";

export { QueueObject } from "./queue/QueueObject.ts";

const app = createApp();

/** Enqueues the coalesced safety-net syncs; returns what each enqueue answered. */
export async function runScheduledSync(env: Env, now: number) {
  const queue = queueStub(env);
  const config = eventConfig(env);
  const jobs = scheduledSyncJobs(await queue.repositories(), config, now, config.settings.lessonsPerJob);
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
