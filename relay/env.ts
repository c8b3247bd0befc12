/**
 * The relay's bindings and variables (wrangler.toml `[vars]`, secrets from `wrangler secret put`
 * or `.dev.vars`). Declared on the global `Cloudflare.Env` so `cloudflare:workers`' `env`, the
 * Durable Object base class and `cloudflare:test` all see the same shape.
 */
import type { QueueObject } from "./queue/QueueObject.ts";

export { numberVar, queueConfig } from "./queue/config.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      QUEUE: DurableObjectNamespace<QueueObject>;
      /** One secret, or several separated by commas while rotating. */
      GITHUB_WEBHOOK_SECRET?: string;
      /** Bearer tokens of home workers, comma-separated. */
      WORKER_TOKENS?: string;
      /** Comma-separated branch names to watch; empty = each repository's default branch. */
      WATCH_BRANCHES?: string;
      /** Optional comma-separated allow-list of owner/name. */
      WATCH_REPOS?: string;
      /** Seconds a lease lasts without a heartbeat (default 120). */
      LEASE_SECONDS?: string;
      /** Seconds a new lease has to be confirmed by its first heartbeat (default 10). */
      CLAIM_SECONDS?: string;
      /** Attempts before a job is dead (default 5). */
      MAX_ATTEMPTS?: string;
      /** First retry delay in seconds, doubled per attempt (default 30). */
      BACKOFF_BASE_SECONDS?: string;
      /** Longest retry delay in seconds (default 3600). */
      BACKOFF_MAX_SECONDS?: string;
      /** Days a completed job is kept before pruning (default 7). */
      DONE_RETENTION_DAYS?: string;
      /** The label that makes an issue an atom request (default kb-request). */
      KB_REQUEST_LABEL?: string;
      /** Comma-separated author_association values whose issues become requests (default OWNER,MEMBER,COLLABORATOR). */
      KB_REQUEST_TRUSTED?: string;
      /** "true" makes published prereleases publishing jobs too (default: ignored). */
      RELEASE_INCLUDE_PRERELEASES?: string;
      /** "Make the next N lessons": a whole number 1–1000 every sync job carries (default: every lesson). */
      LESSONS_PER_JOB?: string;
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
