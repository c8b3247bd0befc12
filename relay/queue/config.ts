/**
 * The queue's tunables, read from the relay's variables (wrangler.toml `[vars]`). In the queue's
 * own folder, with the narrow shape of the variables it reads, so the queue object depends on
 * nothing above it (relay/env.ts imports the queue object's type for its binding, not the
 * other way round).
 */
import { DEFAULT_CONFIG, type QueueConfig } from "./rules.ts";

/** The variables the queue object reads (part of the relay's `Env`, which extends this). */
export interface QueueVars {
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
}

/** Reads a positive number variable, falling back to `fallback` when unset or invalid. */
export function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The queue's tunables from the environment, with defaults for anything unset. */
export function queueConfig(env: QueueVars): QueueConfig {
  const leaseMs = numberVar(env.LEASE_SECONDS, DEFAULT_CONFIG.leaseMs / 1000) * 1000;
  return {
    leaseMs,
    // A claim window longer than the lease itself would make no sense.
    claimMs: Math.min(leaseMs, numberVar(env.CLAIM_SECONDS, DEFAULT_CONFIG.claimMs / 1000) * 1000),
    maxAttempts: Math.floor(numberVar(env.MAX_ATTEMPTS, DEFAULT_CONFIG.maxAttempts)),
    backoffBaseMs: numberVar(env.BACKOFF_BASE_SECONDS, DEFAULT_CONFIG.backoffBaseMs / 1000) * 1000,
    backoffMaxMs: numberVar(env.BACKOFF_MAX_SECONDS, DEFAULT_CONFIG.backoffMaxMs / 1000) * 1000,
    doneRetentionMs: numberVar(env.DONE_RETENTION_DAYS, DEFAULT_CONFIG.doneRetentionMs / 86_400_000) * 86_400_000,
  };
}
