/**
 * THE table that maps a verified GitHub event (name + parsed body) to what the relay does:
 * store a job, answer a ping, or ignore it with a reason. Pure: no I/O, no clock.
 * Add an event here and nowhere else.
 */
import { z } from "zod";
import {
  DISPATCH_PREFIX,
  type DispatchPayload,
  JobType,
  LIMITS,
  RepoFullName,
  SYNC_JOB_TYPE,
  type SyncPayload,
} from "../../shared/jobs.ts";
import { boundChanges, syncCoalesceKey } from "../queue/rules.ts";
import type { EnqueueSpec, SeenRepository } from "../queue/types.ts";

/** What the relay is configured to watch. */
export interface WatchConfig {
  /** Allowed owner/name (case-insensitive); empty = every repository. */
  repos: readonly string[];
  /** Watched branch names; empty = each repository's default branch. */
  branches: readonly string[];
}

/** Facts about one delivery that are not in the body. */
export interface DeliveryFacts {
  deliveryId: string;
  receivedAt: number;
}

export type EventOutcome =
  | { kind: "pong"; seen: SeenRepository | null }
  | { kind: "job"; job: EnqueueSpec; seen: SeenRepository | null }
  | { kind: "ignored"; reason: string; seen: SeenRepository | null }
  /** The body is JSON but not the shape this event must have. */
  | { kind: "invalid"; reason: string };

const ZERO_SHA = "0".repeat(40);

const Repository = z.object({
  // The one repository-name rule (shared/jobs.ts): a name the worker would refuse is refused here.
  full_name: RepoFullName,
  // Bounds far above anything GitHub sends, so a signed body can never grow a stored row.
  clone_url: z.string().max(2048),
  default_branch: z.string().max(255).optional(),
  master_branch: z.string().max(255).optional(),
});

const PushBody = z.object({
  ref: z.string().max(1024),
  before: z.string().max(64),
  after: z.string().max(64),
  deleted: z.boolean().optional(),
  repository: Repository,
  pusher: z.object({ name: z.string().max(256).optional() }).nullish(),
  sender: z.object({ login: z.string().max(256).optional() }).nullish(),
  // Commits are walked by hand (pathsOf): a 5 MB push has thousands, and a schema walk of
  // every one of them was most of the ack time.
  commits: z.array(z.unknown()).nullish(),
});

const DispatchBody = z.object({
  action: z.string().max(100).optional(),
  event_type: z.string().max(100).optional(),
  branch: z.string().max(255).nullish(),
  client_payload: z.record(z.string(), z.unknown()).nullish(),
  repository: Repository,
});

type Handler = (body: unknown, facts: DeliveryFacts, watch: WatchConfig) => EventOutcome;

/** The one table: X-GitHub-Event → handler. Anything not listed is ignored. */
export const EVENT_TABLE: Readonly<Record<string, Handler>> = {
  ping: (body, _facts, watch) => {
    const seen = seenRepository(body);
    return { kind: "pong", seen: seen && isWatchedRepo(seen.repository, watch) ? seen : null };
  },
  push: mapPush,
  repository_dispatch: mapDispatch,
};

/** Decides what one verified delivery becomes. */
export function routeEvent(event: string, body: unknown, facts: DeliveryFacts, watch: WatchConfig): EventOutcome {
  const handler = Object.hasOwn(EVENT_TABLE, event) ? EVENT_TABLE[event] : undefined;
  if (!handler) return { kind: "ignored", reason: `event "${event}" is not one the relay acts on`, seen: null };
  return handler(body, facts, watch);
}

function mapPush(body: unknown, facts: DeliveryFacts, watch: WatchConfig): EventOutcome {
  const parsed = PushBody.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: `push body lacks ${describeIssues(parsed.error)}` };
  const push = parsed.data;
  const repo = push.repository;
  const seen = toSeen(repo);
  if (!isWatchedRepo(repo.full_name, watch)) {
    return { kind: "ignored", reason: `repository ${repo.full_name} is not in WATCH_REPOS (add it in wrangler.toml and redeploy to watch it)`, seen: null };
  }
  if (push.deleted || push.after === ZERO_SHA) return { kind: "ignored", reason: `deletion of ${push.ref}`, seen };
  if (!push.ref.startsWith("refs/heads/")) return { kind: "ignored", reason: `not a branch push (${push.ref})`, seen };
  const branch = push.ref.slice("refs/heads/".length);
  if (!isWatchedBranch(branch, seen.defaultBranch, watch)) {
    return { kind: "ignored", reason: `branch ${branch} is not watched (WATCH_BRANCHES in wrangler.toml, default: the repository's default branch)`, seen };
  }
  if (!SHA.test(push.after)) return { kind: "invalid", reason: "push body has an `after` that is not a git sha" };
  // Sets keep first-seen order and stay linear for pushes with thousands of paths.
  const added = new Set<string>();
  const modified = new Set<string>();
  const removed = new Set<string>();
  for (const c of push.commits ?? []) {
    if (typeof c !== "object" || c === null) continue;
    const commit = c as Record<string, unknown>;
    for (const p of pathsOf(commit.added)) added.add(p);
    for (const p of pathsOf(commit.modified)) modified.add(p);
    for (const p of pathsOf(commit.removed)) removed.add(p);
  }
  // A bounded summary: a push of 30,000 paths still fits one stored row (the worker diffs itself).
  const changes = boundChanges({ added: [...added], modified: [...modified], removed: [...removed] });
  const payload: SyncPayload = {
    trigger: "push",
    repository: repo.full_name,
    cloneUrl: repo.clone_url,
    ref: push.ref,
    branch,
    before: push.before === ZERO_SHA || !SHA.test(push.before) ? null : push.before,
    after: push.after,
    pusher: push.pusher?.name ?? push.sender?.login ?? null,
    changes,
    deliveryIds: [facts.deliveryId],
    receivedAt: facts.receivedAt,
    coalesced: 1,
  };
  return {
    kind: "job",
    job: {
      type: SYNC_JOB_TYPE,
      payload,
      coalesceKey: syncCoalesceKey(repo.full_name, branch),
      deliveryId: facts.deliveryId,
    },
    seen,
  };
}

function mapDispatch(body: unknown, facts: DeliveryFacts, watch: WatchConfig): EventOutcome {
  const parsed = DispatchBody.safeParse(body);
  if (!parsed.success) {
    return { kind: "invalid", reason: `repository_dispatch body lacks ${describeIssues(parsed.error)}` };
  }
  const d = parsed.data;
  const seen = toSeen(d.repository);
  if (!isWatchedRepo(d.repository.full_name, watch)) {
    return { kind: "ignored", reason: `repository ${d.repository.full_name} is not in WATCH_REPOS (add it in wrangler.toml and redeploy to watch it)`, seen: null };
  }
  // GitHub puts the dispatch's event_type in `action`.
  const eventType = d.action ?? d.event_type ?? "";
  if (!eventType.startsWith(DISPATCH_PREFIX)) {
    return { kind: "ignored", reason: `dispatch event_type "${eventType}" does not start with ${DISPATCH_PREFIX}`, seen };
  }
  if (!JobType.safeParse(eventType).success) {
    return { kind: "ignored", reason: `dispatch event_type "${eventType}" is not a valid job type`, seen };
  }
  // Depth is already bounded (the body's nesting was checked before parsing).
  const clientBytes = d.client_payload ? new TextEncoder().encode(JSON.stringify(d.client_payload)).byteLength : 0;
  if (clientBytes > LIMITS.clientPayloadBytes) {
    return {
      kind: "invalid",
      reason: `repository_dispatch client_payload is ${clientBytes} bytes, over the ${LIMITS.clientPayloadBytes / 1024} KiB limit (send less; keep large data in the repository)`,
    };
  }
  const payload: DispatchPayload = {
    trigger: "dispatch",
    repository: d.repository.full_name,
    cloneUrl: d.repository.clone_url,
    branch: d.branch ?? null,
    eventType,
    clientPayload: d.client_payload ?? {},
    deliveryIds: [facts.deliveryId],
    receivedAt: facts.receivedAt,
  };
  return { kind: "job", job: { type: eventType, payload, deliveryId: facts.deliveryId }, seen };
}

const SHA = /^[0-9a-f]{40}$/;

function toSeen(repo: z.infer<typeof Repository>): SeenRepository {
  return {
    repository: repo.full_name,
    cloneUrl: repo.clone_url,
    defaultBranch: repo.default_branch ?? repo.master_branch ?? "main",
  };
}

/** The repository of any event body, when it has one (ping, issues, …). */
function seenRepository(body: unknown): SeenRepository | null {
  const r = z.object({ repository: Repository }).safeParse(body);
  return r.success ? toSeen(r.data.repository) : null;
}

/** Whether `fullName` passes the WATCH_REPOS allow-list (empty = all). */
export function isWatchedRepo(fullName: string, watch: WatchConfig): boolean {
  return watch.repos.length === 0 || watch.repos.some((r) => r.toLowerCase() === fullName.toLowerCase());
}

/** The branches a repository's sync covers: WATCH_BRANCHES, or its default branch. */
export function watchedBranches(defaultBranch: string, watch: WatchConfig): readonly string[] {
  return watch.branches.length > 0 ? watch.branches : [defaultBranch];
}

function isWatchedBranch(branch: string, defaultBranch: string, watch: WatchConfig): boolean {
  return watchedBranches(defaultBranch, watch).includes(branch);
}

/** The string entries of a commit's path list (GitHub always sends arrays of strings). */
function pathsOf(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === "string") : [];
}

/** The fields that failed, and why when it is more than absence (e.g. a bad repository name). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.join(".") || "(root)";
      return i.code === "invalid_type" ? path : `${path} (${i.message})`;
    })
    .join(", ");
}
