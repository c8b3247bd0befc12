/**
 * The cron safety net: one coalesced sync per watched repository branch, so a webhook GitHub
 * failed to deliver is still caught up. Pure: repositories, watch config and time come in.
 */
import { isRepositoryName, SYNC_JOB_TYPE, type SyncPayload } from "../shared/jobs.ts";
import { isWatchedRepo, watchedBranches, type WatchConfig } from "./github/events.ts";
import type { EnqueueSpec, SeenRepository } from "./queue/types.ts";
import { syncCoalesceKey } from "./queue/rules.ts";

/** Default branch assumed for a WATCH_REPOS entry no webhook has told us about yet. */
export const ASSUMED_DEFAULT_BRANCH = "main";

/**
 * The sync jobs a scheduled run enqueues: every repository seen in webhooks (filtered by
 * WATCH_REPOS when set) plus every WATCH_REPOS entry not seen yet, times its watched branches.
 * `after` is null: the worker syncs to the branch head. `lessonsPerJob` becomes each job's
 * `count` ("make the next N lessons"); null = every lesson.
 */
export function scheduledSyncJobs(seen: readonly SeenRepository[], watch: WatchConfig, now: number, lessonsPerJob: number | null = null): EnqueueSpec[] {
  const repos = new Map<string, SeenRepository>();
  for (const r of seen) {
    if (isWatchedRepo(r.repository, watch) && isRepositoryName(r.repository)) repos.set(r.repository.toLowerCase(), r);
  }
  for (const name of watch.repos) {
    // A WATCH_REPOS entry that is no repository name would only make a job the worker refuses.
    if (!isRepositoryName(name)) continue;
    if (!repos.has(name.toLowerCase())) {
      repos.set(name.toLowerCase(), {
        repository: name,
        cloneUrl: `https://github.com/${name}.git`,
        defaultBranch: ASSUMED_DEFAULT_BRANCH,
      });
    }
  }
  const jobs: EnqueueSpec[] = [];
  for (const repo of repos.values()) {
    for (const branch of watchedBranches(repo.defaultBranch, watch)) {
      const payload: SyncPayload = {
        trigger: "schedule",
        repository: repo.repository,
        cloneUrl: repo.cloneUrl,
        ref: `refs/heads/${branch}`,
        branch,
        before: null,
        after: null,
        pusher: null,
        changes: { added: [], modified: [], removed: [] },
        deliveryIds: [],
        receivedAt: now,
        coalesced: 1,
        ...(lessonsPerJob ? { count: lessonsPerJob } : {}),
      };
      jobs.push({ type: SYNC_JOB_TYPE, payload, coalesceKey: syncCoalesceKey(repo.repository, branch) });
    }
  }
  return jobs;
}
