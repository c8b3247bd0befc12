/**
 * The queue's own types: what the Worker asks it to store, and what its operations answer.
 * In their own module so the pure helpers (store, reads, events) need not import the Durable
 * Object class.
 */
import type { Job, JobState, Stats } from "../../shared/jobs.ts";

/** What the Worker asks the queue to store. */
export interface EnqueueSpec {
  type: string;
  payload: Record<string, unknown>;
  dedupeKey?: string | undefined;
  runAt?: number | undefined;
  maxAttempts?: number | undefined;
  /** Queued (not leased) jobs with the same key merge instead (sync jobs only). */
  coalesceKey?: string | undefined;
  /** GitHub delivery id: the same delivery again returns the same job. */
  deliveryId?: string | undefined;
}

/** A repository the relay has seen, remembered for the scheduled safety-net sync. */
export interface SeenRepository {
  repository: string;
  cloneUrl: string;
  defaultBranch: string;
}

/** A GitHub delivery the relay accepted, and the job it became (null fields: job deleted). */
export interface RecentDelivery {
  deliveryId: string;
  jobId: string;
  receivedAt: number;
  jobType: string | null;
  jobState: JobState | null;
  repository: string | null;
}

/** A webhook delivery refused for its signature: headers only, never the body. */
export interface RefusedDelivery {
  receivedAt: number;
  /** X-GitHub-Delivery, X-GitHub-Event and X-GitHub-Hook-ID as sent (cut to 100 characters). */
  deliveryId: string | null;
  event: string | null;
  hookId: string | null;
  /** "missing", "malformed" or "mismatch" (see github/verify.ts). */
  reason: string;
}

/** What the dashboard reads in one call (see `QueueObject.dashboard`). */
export interface DashboardSnapshot {
  stats: Stats;
  dead: Job[];
  /** Dead jobs the owner has not dismissed yet: the front page's banner (dismiss.ts). */
  undismissedDead?: Job[];
  recent: Job[];
  deliveries: RecentDelivery[];
  /** The newest webhook deliveries refused with 401 (wrong or missing secret). */
  refused: RefusedDelivery[];
}

/** The result of an operation on one job: the value, or why it was refused. */
export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: "not_found" | "lease_not_held" | "wrong_state"; state?: JobState };
