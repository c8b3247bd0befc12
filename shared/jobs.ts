/**
 * The contract between the relay (Cloudflare Worker) and the home worker (Node):
 * job types, their payloads and every message that crosses the wire.
 *
 * Both halves import these schemas; types are inferred from them and never written twice.
 * Times on the wire are milliseconds since the Unix epoch (UTC).
 */
import { z } from "zod";

/** A full 40-hex git commit sha. */
export const GitSha = z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-character hex git sha");

/**
 * THE repository-name rule, shared by the relay (which refuses a webhook naming anything else)
 * and the worker (which checks out only such names): GitHub's own shape, `owner/name`, owner
 * 1-39 of A-Z a-z 0-9 - (not starting with -), name 1-100 of A-Z a-z 0-9 . _ - (not "." or "..").
 */
export const REPOSITORY_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;

/** Whether `name` is a repository name both halves accept (see {@link REPOSITORY_NAME}). */
export function isRepositoryName(name: string): boolean {
  return REPOSITORY_NAME.test(name);
}

/** `owner/name` of a GitHub repository. */
export const RepoFullName = z
  .string()
  .regex(REPOSITORY_NAME, "must look like owner/name (GitHub's characters: A-Z a-z 0-9 - for the owner, A-Z a-z 0-9 . _ - for the name)");

/** Job type names: lower-case words joined by `_`, `.`, `:` or `-`. */
export const JobType = z
  .string()
  .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be 1-64 chars of a-z, 0-9, _ . : - starting with a letter");

/** The job type a push (or the safety-net schedule) turns into. */
export const SYNC_JOB_TYPE = "sync_and_generate_content" as const;

/** Prefix of `repository_dispatch` event types the relay turns into manual jobs. */
export const DISPATCH_PREFIX = "factory." as const;

export const JobState = z.enum(["queued", "leased", "done", "dead"]);
export type JobState = z.infer<typeof JobState>;

/**
 * Paths touched by the commits of a push (merged over coalesced pushes). A bounded summary:
 * when a push (or the coalesced set) touched more than {@link MAX_CHANGED_PATHS} paths, the
 * lists hold only the first ones and `truncated` is true — the worker then asks git what changed
 * between `before` and `after` (the lists are informational; content hashes decide what is remade).
 */
export const ChangedPaths = z.object({
  added: z.array(z.string()).default([]),
  modified: z.array(z.string()).default([]),
  removed: z.array(z.string()).default([]),
  truncated: z.boolean().optional(),
});
export type ChangedPaths = z.infer<typeof ChangedPaths>;

/**
 * Payload of a `sync_and_generate_content` job: only what the worker needs, never the raw webhook body.
 * `after` is null for scheduled and manual syncs: the worker then takes the branch head.
 */
export const SyncPayload = z.object({
  trigger: z.enum(["push", "schedule", "manual"]),
  repository: RepoFullName,
  cloneUrl: z.string().min(1),
  ref: z.string().min(1), // e.g. refs/heads/main
  branch: z.string().min(1), // e.g. main
  before: GitSha.nullable(),
  after: GitSha.nullable(),
  pusher: z.string().nullable(),
  changes: ChangedPaths,
  /** Every delivery id folded into this job (one, or more after coalescing). */
  deliveryIds: z.array(z.string()).default([]),
  receivedAt: z.number().int(),
  /** How many pushes were coalesced into this job (1 = none). */
  coalesced: z.number().int().min(1).default(1),
  /**
   * "Make the next N lessons not made yet", in course order (additive; absent = all). Survives
   * coalescing: the larger count wins.
   */
  count: z.number().int().min(1).max(1000).optional(),
});
export type SyncPayload = z.infer<typeof SyncPayload>;

/** Payload of a manual `factory.*` job from `repository_dispatch`. */
export const DispatchPayload = z.object({
  trigger: z.literal("dispatch"),
  repository: RepoFullName,
  cloneUrl: z.string().min(1),
  branch: z.string().min(1).nullable(),
  eventType: z.string(),
  clientPayload: z.record(z.string(), z.unknown()).default({}),
  deliveryIds: z.array(z.string()).default([]),
  receivedAt: z.number().int(),
});
export type DispatchPayload = z.infer<typeof DispatchPayload>;

/** An atom or task id (shared/models.ts `Slug`'s rule): 1-80 lower-case letters and digits joined by single hyphens. */
function slugId(message: string) {
  return z
    .string()
    .min(1)
    .max(80)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, message);
}

/** The job type the dashboard's Approve button enqueues (additive): a review-gate approval, no sync. */
export const APPROVE_JOB_TYPE = "factory.publish.approve" as const;

/**
 * Payload of a `factory.publish.approve` job: make one published lesson public now, or at `at`.
 * `at` is what the owner typed: an ISO time with a zone, or a local time ("2026-12-01T15:00",
 * read in the worker's time zone); the worker checks it lies in the future. `repository` is
 * needed only when the atom was published from several repositories.
 */
export const ApprovePayload = z.object({
  repository: RepoFullName.optional(),
  atomId: slugId("must be an atom id: lower-case letters and digits joined by single hyphens"),
  at: z
    .string()
    .max(40)
    .regex(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/, "must be a time like 2026-12-01T15:00 or 2026-12-01T15:00:00Z")
    .optional(),
  /**
   * Approve for the publishing calendar instead (additive): the worker's next scheduled tick
   * gives the lesson a slot in course order. Not together with `at`.
   */
  calendar: z.boolean().optional(),
}).refine((p) => !(p.calendar && p.at), { error: "give either a time (at) or calendar, not both", path: ["calendar"] });
export type ApprovePayload = z.infer<typeof ApprovePayload>;

/** The job type that has the learning agent learn one simulation task (additive): sync, then learn. */
export const LEARN_JOB_TYPE = "factory.learn" as const;

/**
 * What a `factory.learn` job asks for (a dispatch's client_payload): the task id (kb/sim/<task>.json),
 * and optionally at most how many rounds (default 5) and which plant (default the built-in one).
 */
export const LearnPayload = z.object({
  task: slugId("must be a task id: the file name kb/sim/<id>.json without .json"),
  rounds: z.number().int().min(1).max(20).optional(),
  plant: z.enum(["builtin", "factoryio"]).optional(),
});
export type LearnPayload = z.infer<typeof LearnPayload>;

/** The job type an issue asking for a new atom becomes (additive, issue 16): draft it, open a PR. */
export const KB_REQUEST_JOB_TYPE = "factory.kb.request" as const;

/**
 * GitHub's own limits on an issue: the relay cuts a request's copy to them, and the payload
 * schema holds it to them (one number each, for both).
 */
export const ISSUE_LIMITS = { title: 256, body: 65_536, labels: 100, labelName: 100 } as const;

/**
 * Payload of a `factory.kb.request` job: the request issue, reduced to what the drafting needs.
 * `fields` are the issue form's answers by field id (parsed by the relay or the worker from the
 * body); `body` is the raw Markdown body, bounded.
 */
export const KbRequestPayload = z.object({
  repository: RepoFullName,
  cloneUrl: z.string().min(1).optional(),
  issue: z.object({
    number: z.number().int().min(1),
    title: z.string().min(1).max(ISSUE_LIMITS.title),
    body: z.string().max(ISSUE_LIMITS.body).nullable().default(null),
    author: z.string().min(1).max(100),
    labels: z.array(z.string().max(ISSUE_LIMITS.labelName)).max(ISSUE_LIMITS.labels).default([]),
    html_url: z.string().optional(),
  }),
  fields: z.record(z.string().max(100), z.string().max(20000)).optional(),
  deliveryIds: z.array(z.string()).default([]),
  receivedAt: z.number().int().optional(),
});
export type KbRequestPayload = z.infer<typeof KbRequestPayload>;

/** The job type a published GitHub release becomes (additive, issue 16): publish the lessons of its tag. */
export const RELEASE_JOB_TYPE = "factory.release.publish" as const;

/** GitHub's own limits on a release's tag, name and notes (cut to by the relay, held by the schema). */
export const RELEASE_LIMITS = { tagName: 256, name: 256, notes: 125_000 } as const;

/** Payload of a `factory.release.publish` job. The release event carries no sha: the worker resolves `release.tag_name` with git. Field names inside `release` are GitHub's. */
export const ReleasePayload = z.object({
  repository: RepoFullName,
  cloneUrl: z.string().min(1).optional(),
  release: z.object({
    id: z.number().int().min(1),
    tag_name: z.string().min(1).max(RELEASE_LIMITS.tagName),
    name: z.string().max(RELEASE_LIMITS.name).nullable().default(null),
    body: z.string().max(RELEASE_LIMITS.notes).nullable().default(null),
    prerelease: z.boolean().default(false),
  }),
  deliveryIds: z.array(z.string()).default([]),
  receivedAt: z.number().int().optional(),
});
export type ReleasePayload = z.infer<typeof ReleasePayload>;

/** One attempt at a job, as the relay remembers it. */
export const Attempt = z.object({
  attempt: z.number().int().min(1),
  worker: z.string(),
  leasedAt: z.number().int(),
  endedAt: z.number().int().nullable(),
  outcome: z.enum(["running", "completed", "failed", "released", "expired"]),
  error: z.string().nullable(),
});
export type Attempt = z.infer<typeof Attempt>;

/** A job as the relay stores and serves it. */
export const Job = z.object({
  id: z.string(),
  type: JobType,
  state: JobState,
  payload: z.record(z.string(), z.unknown()),
  dedupeKey: z.string().nullable(),
  attempts: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
  runAt: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  lastError: z.string().nullable(),
  leasedBy: z.string().nullable(),
  leaseExpiresAt: z.number().int().nullable(),
  progress: z.unknown().optional(),
  result: z.unknown().optional(),
});
export type Job = z.infer<typeof Job>;

/** `GET /v1/jobs/:id` adds the attempt history. */
export const JobDetail = Job.extend({ history: z.array(Attempt) });
export type JobDetail = z.infer<typeof JobDetail>;

/**
 * A lease. `confirmBy` (additive) is set on a lease just handed out: it is short until the
 * holder's first heartbeat confirms it (then `LEASE_SECONDS`); unconfirmed by then, the job goes
 * back to the queue without spending an attempt (its poll's client was gone).
 */
export const Lease = z.object({ token: z.string().min(16), expiresAt: z.number().int(), confirmBy: z.number().int().optional() });
export type Lease = z.infer<typeof Lease>;

/** 200 body of `GET /v1/jobs/next`. */
export const LeaseResponse = z.object({ job: Job, lease: Lease });
export type LeaseResponse = z.infer<typeof LeaseResponse>;

/** Free-form progress a worker reports with a heartbeat (shown on the dashboard). */
export const Progress = z.object({
  step: z.string().max(200).optional(),
  message: z.string().max(1000).optional(),
  fraction: z.number().min(0).max(1).optional(),
});
export type Progress = z.infer<typeof Progress>;

export const HeartbeatRequest = z.object({ leaseToken: z.string().min(1), progress: Progress.optional() });
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;
export const HeartbeatResponse = z.object({ expiresAt: z.number().int() });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/** What one step of the home pipeline did, as reported in a job's result. */
export const StepReport = z.object({
  key: z.string(),
  kind: z.string(),
  status: z.enum(["ran", "skipped", "failed"]),
  ms: z.number().min(0),
  produced: z.array(z.string()).default([]),
  note: z.string().optional(),
});
export type StepReport = z.infer<typeof StepReport>;

/** The result a worker sends with `complete`. */
export const JobResult = z.object({
  sha: GitSha.nullable().optional(),
  steps: z.array(StepReport).default([]),
  ran: z.number().int().min(0).default(0),
  skipped: z.number().int().min(0).default(0),
  produced: z.array(z.string()).default([]),
  summary: z.string().max(2000).optional(),
});
export type JobResult = z.infer<typeof JobResult>;

export const CompleteRequest = z.object({ leaseToken: z.string().min(1), result: JobResult.optional() });
export type CompleteRequest = z.infer<typeof CompleteRequest>;

export const FailRequest = z.object({
  leaseToken: z.string().min(1),
  error: z.string().min(1).max(8000),
  retryable: z.boolean(),
  /** Earliest next run the worker asks for (e.g. after a daily quota reset); the relay may pick later. */
  retryAt: z.number().int().min(0).max(Date.UTC(2200, 0, 1), "must be before 2200-01-01 (ms since 1970)").optional(),
});
export type FailRequest = z.infer<typeof FailRequest>;

/** 200 body of `fail`: where the job went. */
export const FailResponse = z.object({
  state: z.enum(["queued", "dead"]),
  runAt: z.number().int().nullable(),
  attempts: z.number().int(),
});
export type FailResponse = z.infer<typeof FailResponse>;

export const ReleaseRequest = z.object({ leaseToken: z.string().min(1) });
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

/** `POST /v1/jobs`: manual enqueue. */
export const EnqueueRequest = z.object({
  type: JobType,
  payload: z.record(z.string(), z.unknown()).default({}),
  dedupeKey: z.string().min(1).max(200).optional(),
  runAt: z.number().int().min(0).max(Date.UTC(2200, 0, 1), "must be before 2200-01-01 (ms since 1970)").optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
});
export type EnqueueRequest = z.infer<typeof EnqueueRequest>;

/** 202 body of the webhook and of manual enqueue when a job was stored (or found). */
export const EnqueueResponse = z.object({
  jobId: z.string(),
  deduplicated: z.boolean().optional(),
  coalesced: z.boolean().optional(),
});
export type EnqueueResponse = z.infer<typeof EnqueueResponse>;

/**
 * 202 body of the webhook when a delivery withdrew a queued job (additive, issue 16: an atom
 * request whose issue was closed or un-labelled). `cancelled` lists the job ids (empty answers
 * `IgnoredResponse` instead); `deduplicated` when the same delivery came before.
 */
export const CancelledResponse = z.object({
  cancelled: z.array(z.string()),
  reason: z.string(),
  deduplicated: z.boolean().optional(),
});
export type CancelledResponse = z.infer<typeof CancelledResponse>;

/** 202 body when the webhook was valid but nothing is to be done. */
export const IgnoredResponse = z.object({ ignored: z.string() });
export type IgnoredResponse = z.infer<typeof IgnoredResponse>;

export const JobList = z.object({ jobs: z.array(Job), nextCursor: z.string().nullable() });
export type JobList = z.infer<typeof JobList>;

export const Stats = z.object({
  counts: z.object({ queued: z.number(), leased: z.number(), done: z.number(), dead: z.number() }),
  oldestQueuedAgeMs: z.number().nullable(),
  workers: z.array(z.object({ name: z.string(), lastSeenAt: z.number().int() })),
  now: z.number().int(),
});
export type Stats = z.infer<typeof Stats>;

/** Every error body the relay sends: a machine-readable code and a sentence that says what to do. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The longest `wait` (seconds) a long poll may ask for. */
export const MAX_WAIT_SECONDS = 50;

/**
 * 200 body of `complete` (additive). With `?next=1&worker=<name>` it also carries the next
 * lease (or null when nothing is ready), so a busy worker needs one request per job.
 */
export const CompleteResponse = z.object({ job: Job, next: LeaseResponse.nullable().optional() });
export type CompleteResponse = z.infer<typeof CompleteResponse>;

/** The message the `/v1/jobs/ws` wake-up channel sends when a job is ready (additive). */
export const WakeMessage = z.object({ type: z.literal("ready") });
export type WakeMessage = z.infer<typeof WakeMessage>;

/**
 * Bounds of what the relay stores (additive). Durable Object storage refuses a value over 2 MB,
 * so every caller-supplied part of a job row has its own, smaller limit, checked up front (a
 * request over one answers 400 or 413 with the limit, never a 500).
 */
export const LIMITS = {
  /** Paths kept in a sync job's changed-path summary (over all three lists); more → `truncated`. */
  changedPaths: 1000,
  /** Bytes of path text kept in that summary. */
  changedPathBytes: 128 * 1024,
  /** Delivery ids kept in a sync job's payload (the newest; `coalesced` still counts them all). */
  deliveryIds: 100,
  /** A job payload (`POST /v1/jobs`), as JSON. */
  payloadBytes: 256 * 1024,
  /** A `repository_dispatch` client_payload, as JSON. */
  clientPayloadBytes: 64 * 1024,
  /** A `complete` result, as JSON: keep anything larger as an artifact on the worker. */
  resultBytes: 64 * 1024,
  /** Nesting depth of any JSON the relay parses from a caller. */
  jsonDepth: 32,
  /** Body of any worker API request. */
  apiBodyBytes: 1024 * 1024,
} as const;
