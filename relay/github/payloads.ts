/**
 * What every row of the event table shares: the outcome type, the facts of a delivery, the
 * watch and event settings, the repository part of a body, and the small checks on it. Pure:
 * no I/O, no clock. Its own module so the handlers (events.ts, issues.ts, releases.ts) import
 * it one way, with no cycle between them.
 */
import { z } from "zod";
import { RepoFullName } from "../../shared/jobs.ts";
import type { EnqueueSpec, SeenRepository } from "../queue/types.ts";
import { DEFAULT_EVENT_SETTINGS, type EventSettings } from "./settings.ts";

/** What the relay is configured to watch. */
export interface WatchConfig {
  /** Allowed owner/name (case-insensitive); empty = every repository. */
  repos: readonly string[];
  /** Watched branch names; empty = each repository's default branch. */
  branches: readonly string[];
}

/** Everything a handler is configured by: what to watch, and the issue and release settings (defaults when absent). */
export interface EventConfig extends WatchConfig {
  settings?: EventSettings;
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
  /** Withdraws the queued job under `coalesceKey` (a running one finishes); `reason` is kept. */
  | { kind: "cancel"; coalesceKey: string; reason: string; what: string; seen: SeenRepository | null }
  /** The body is JSON but not the shape this event must have. */
  | { kind: "invalid"; reason: string };

export type Handler = (body: unknown, facts: DeliveryFacts, config: EventConfig) => EventOutcome;

export const Repository = z.object({
  // The one repository-name rule (shared/jobs.ts): a name the worker would refuse is refused here.
  full_name: RepoFullName,
  // Bounds far above anything GitHub sends, so a signed body can never grow a stored row.
  clone_url: z.string().max(2048),
  default_branch: z.string().max(255).optional(),
  master_branch: z.string().max(255).optional(),
});
export type Repository = z.infer<typeof Repository>;

/** The settings a handler uses: the configured ones, or the defaults. */
export function settingsOf(config: EventConfig): EventSettings {
  return config.settings ?? DEFAULT_EVENT_SETTINGS;
}

export function toSeen(repo: Repository): SeenRepository {
  return {
    repository: repo.full_name,
    cloneUrl: repo.clone_url,
    defaultBranch: repo.default_branch ?? repo.master_branch ?? "main",
  };
}

/** The repository of any event body, when it has one (ping, issues, …). */
export function seenRepository(body: unknown): SeenRepository | null {
  const r = z.object({ repository: Repository }).safeParse(body);
  return r.success ? toSeen(r.data.repository) : null;
}

/** Whether `fullName` passes the WATCH_REPOS allow-list (empty = all). */
export function isWatchedRepo(fullName: string, watch: WatchConfig): boolean {
  return watch.repos.length === 0 || watch.repos.some((r) => r.toLowerCase() === fullName.toLowerCase());
}

/** The "ignored" outcome for a repository outside WATCH_REPOS (nothing of it is remembered). */
export function unwatched(fullName: string): EventOutcome {
  return {
    kind: "ignored",
    reason: `repository ${fullName} is not in WATCH_REPOS (add it in wrangler.toml and redeploy to watch it)`,
    seen: null,
  };
}

/** The branches a repository's sync covers: WATCH_BRANCHES, or its default branch. */
export function watchedBranches(defaultBranch: string, watch: WatchConfig): readonly string[] {
  return watch.branches.length > 0 ? watch.branches : [defaultBranch];
}

/** The fields that failed, and why when it is more than absence (e.g. a bad repository name). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path.join(".") || "(root)";
      return i.code === "invalid_type" ? path : `${path} (${i.message})`;
    })
    .join(", ");
}

/** At most `max` UTF-16 units of `text`, never ending in half a surrogate pair. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
