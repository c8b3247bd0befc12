/**
 * The relay's bindings and variables (wrangler.toml `[vars]`, secrets from `wrangler secret put`
 * or `.dev.vars`). Declared on the global `Cloudflare.Env` so `cloudflare:workers`' `env`, the
 * Durable Object base class and `cloudflare:test` all see the same shape.
 */
import type { EventConfig } from "./github/payloads.ts";
import { type EventSettings, eventSettings, type EventVars } from "./github/settings.ts";
import type { QueueObject } from "./queue/QueueObject.ts";
import type { QueueVars } from "./queue/config.ts";

declare global {
  namespace Cloudflare {
    // The queue's tunables (queue/config.ts) and the issue and release settings
    // (github/settings.ts) are declared, with their defaults, beside the code that reads them.
    interface Env extends QueueVars, EventVars {
      QUEUE: DurableObjectNamespace<QueueObject>;
      /** One secret, or several separated by commas while rotating. */
      GITHUB_WEBHOOK_SECRET?: string;
      /** Bearer tokens of home workers, comma-separated. */
      WORKER_TOKENS?: string;
      /** Comma-separated branch names to watch; empty = each repository's default branch. */
      WATCH_BRANCHES?: string;
      /** Optional comma-separated allow-list of owner/name. */
      WATCH_REPOS?: string;
      /** "1" enables the benchmark's bare baseline route (never set in production). */
      BENCH_ROUTES?: string;
    }
  }
}

export type Env = Cloudflare.Env;

/** Splits a comma-separated variable into trimmed, non-empty items. */
export function listVar(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * What the event table and the scheduled sync are configured by: WATCH_REPOS, WATCH_BRANCHES
 * and the issue, release and lesson-count settings, read in this one place.
 */
export function eventConfig(env: Env): EventConfig & { settings: EventSettings } {
  return { repos: listVar(env.WATCH_REPOS), branches: listVar(env.WATCH_BRANCHES), settings: eventSettings(env) };
}
