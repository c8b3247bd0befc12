/**
 * The `release` row of the event table: a published release becomes one
 * `factory.release.publish` job, keyed on the release id (publishing the same release again, or
 * the `released` GitHub sends alongside `published`, finds the job already there). Prereleases
 * are ignored unless RELEASE_INCLUDE_PRERELEASES is set. Pure: no I/O, no clock.
 */
import { z } from "zod";
import { RELEASE_JOB_TYPE, RELEASE_LIMITS, type ReleasePayload } from "../../shared/jobs.ts";
import { releaseDedupeKey } from "../queue/rules.ts";
import {
  capText,
  describeIssues,
  type DeliveryFacts,
  type EventConfig,
  type EventOutcome,
  isWatchedRepo,
  Repository,
  settingsOf,
  toSeen,
  unwatched,
} from "./payloads.ts";

const ReleaseBody = z.object({
  action: z.string().max(100),
  release: z.object({
    id: z.number().int().min(1),
    tag_name: z.string().min(1).max(RELEASE_LIMITS.tagName),
    name: z.string().nullish(),
    body: z.string().nullish(),
    prerelease: z.boolean(),
    draft: z.boolean().optional(),
  }),
  repository: Repository,
});

/**
 * `published`: a release (or prerelease) went public. `released`: a release went public or a
 * prerelease became a full release; without it, promoting an ignored prerelease would never
 * publish. A normal release sends both: the release id makes them one job.
 */
const PUBLISH_ACTIONS = new Set(["published", "released"]);

/** Decides what one `release` delivery becomes. */
export function mapRelease(body: unknown, facts: DeliveryFacts, config: EventConfig): EventOutcome {
  const parsed = ReleaseBody.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: `release body lacks ${describeIssues(parsed.error)}` };
  const ev = parsed.data;
  const repo = ev.repository;
  if (!isWatchedRepo(repo.full_name, config)) return unwatched(repo.full_name);
  const seen = toSeen(repo);
  const r = ev.release;
  if (!PUBLISH_ACTIONS.has(ev.action)) {
    return { kind: "ignored", reason: `release action "${ev.action}" is not one the relay acts on (published, released)`, seen };
  }
  if (r.draft) return { kind: "ignored", reason: `release ${r.tag_name} is a draft`, seen };
  if (r.prerelease && !settingsOf(config).includePrereleases) {
    return {
      kind: "ignored",
      reason: `release ${r.tag_name} is a prerelease (set RELEASE_INCLUDE_PRERELEASES = "true" in wrangler.toml to publish prereleases too)`,
      seen,
    };
  }
  const payload: ReleasePayload = {
    repository: repo.full_name,
    cloneUrl: repo.clone_url,
    release: {
      id: r.id,
      tag_name: r.tag_name,
      name: r.name ? capText(r.name, RELEASE_LIMITS.name) : null,
      body: r.body ? capText(r.body, RELEASE_LIMITS.notes) : null,
      prerelease: r.prerelease,
    },
    deliveryIds: [facts.deliveryId],
    receivedAt: facts.receivedAt,
  };
  return {
    kind: "job",
    job: { type: RELEASE_JOB_TYPE, payload, dedupeKey: releaseDedupeKey(repo.full_name, r.id), deliveryId: facts.deliveryId },
    seen,
  };
}
