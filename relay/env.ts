/**
 * The relay's bindings and variables (wrangler.toml `[vars]`, secrets from `wrangler secret put`
 * or `.dev.vars`). Declared on the global `Cloudflare.Env` so `cloudflare:workers`' `env`, the
 * Durable Object base class and `cloudflare:test` all see the same shape.
 */
import type { QueueObject } from "./queue/QueueObject.ts";
import { DEFAULT_CONFIG, type QueueConfig } from "./queue/rules.ts";

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
      /** Attempts before a job is dead (default 5). */
      MAX_ATTEMPTS?: string;
      /** First retry delay in seconds, doubled per attempt (default 30). */
      BACKOFF_BASE_SECONDS?: string;
      /** Longest retry delay in seconds (default 3600). */
      BACKOFF_MAX_SECONDS?: string;
      /** Days a completed job is kept before pruning (default 7). */
      DONE_RETENTION_DAYS?: string;
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

/** Reads a positive number variable, falling back to `fallback` when unset or invalid. */
export function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The queue's tunables from the environment, with defaults for anything unset. */
export function queueConfig(env: Env): QueueConfig {
  return {
    leaseMs: numberVar(env.LEASE_SECONDS, DEFAULT_CONFIG.leaseMs / 1000) * 1000,
    maxAttempts: Math.floor(numberVar(env.MAX_ATTEMPTS, DEFAULT_CONFIG.maxAttempts)),
    backoffBaseMs: numberVar(env.BACKOFF_BASE_SECONDS, DEFAULT_CONFIG.backoffBaseMs / 1000) * 1000,
    backoffMaxMs: numberVar(env.BACKOFF_MAX_SECONDS, DEFAULT_CONFIG.backoffMaxMs / 1000) * 1000,
    doneRetentionMs: numberVar(env.DONE_RETENTION_DAYS, DEFAULT_CONFIG.doneRetentionMs / 86_400_000) * 86_400_000,
  };
}
