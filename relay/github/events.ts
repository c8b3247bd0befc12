/**
 * THE table that maps a verified GitHub event (name + parsed body) to what the relay does:
 * store a job, answer a ping, cancel a queued job, or ignore it with a reason. Pure: no I/O, no
 * clock. Add an event here and nowhere else (a long handler lives in its own module:
 * issues.ts, releases.ts).
 */
import { z } from "zod";
import {
  DISPATCH_PREFIX,
  type DispatchPayload,
  JobType,
  LIMITS,
  SYNC_JOB_TYPE,
  type SyncPayload,
} from "../../shared/jobs.ts";
import { jsonBytes } from "../body.ts";
import { boundChanges, syncCoalesceKey } from "../queue/rules.ts";
import { mapIssues } from "./issues.ts";
import {
  type DeliveryFacts,
  describeIssues,
  type EventConfig,
  type EventOutcome,
  type Handler,
  isWatchedRepo,
  Repository,
  seenRepository,
  toSeen,
  unwatched,
  type WatchConfig,
  watchedBranches,
} from "./payloads.ts";
import { mapRelease } from "./releases.ts";

export type { DeliveryFacts, EventConfig, EventOutcome, WatchConfig } from "./payloads.ts";
export { isWatchedRepo, watchedBranches } from "./payloads.ts";

const ZERO_SHA = "0".repeat(40);

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

/** The one table: X-GitHub-Event → handler. Anything not listed is ignored. */
export const EVENT_TABLE: Readonly<Record<string, Handler>> = {
  ping: (body, _facts, watch) => {
    const seen = seenRepository(body);
    return { kind: "pong", seen: seen && isWatchedRepo(seen.repository, watch) ? seen : null };
  },
  push: mapPush,
  repository_dispatch: mapDispatch,
  // opened / labeled / edited → factory.kb.request; closed / deleted / unlabeled → cancel the queued one.
  issues: mapIssues,
  // published / released → factory.release.publish, once per release id.
  release: mapRelease,
};

/** Decides what one verified delivery becomes. */
export function routeEvent(event: string, body: unknown, facts: DeliveryFacts, config: EventConfig): EventOutcome {
  const handler = Object.hasOwn(EVENT_TABLE, event) ? EVENT_TABLE[event] : undefined;
  if (!handler) return { kind: "ignored", reason: `event "${event}" is not one the relay acts on`, seen: null };
  return handler(body, facts, config);
}

function mapPush(body: unknown, facts: DeliveryFacts, watch: EventConfig): EventOutcome {
  const parsed = PushBody.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: `push body lacks ${describeIssues(parsed.error)}` };
  const push = parsed.data;
  const repo = push.repository;
  const seen = toSeen(repo);
  if (!isWatchedRepo(repo.full_name, watch)) return unwatched(repo.full_name);
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
    ...(watch.settings?.lessonsPerJob ? { count: watch.settings.lessonsPerJob } : {}),
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
  if (!isWatchedRepo(d.repository.full_name, watch)) return unwatched(d.repository.full_name);
  // GitHub puts the dispatch's event_type in `action`.
  const eventType = d.action ?? d.event_type ?? "";
  if (!eventType.startsWith(DISPATCH_PREFIX)) {
    return { kind: "ignored", reason: `dispatch event_type "${eventType}" does not start with ${DISPATCH_PREFIX}`, seen };
  }
  if (!JobType.safeParse(eventType).success) {
    return { kind: "ignored", reason: `dispatch event_type "${eventType}" is not a valid job type`, seen };
  }
  // Depth is already bounded (the body's nesting was checked before parsing).
  const clientBytes = d.client_payload ? jsonBytes(d.client_payload) : 0;
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

function isWatchedBranch(branch: string, defaultBranch: string, watch: WatchConfig): boolean {
  return watchedBranches(defaultBranch, watch).includes(branch);
}

/** The string entries of a commit's path list (GitHub always sends arrays of strings). */
function pathsOf(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === "string") : [];
}
