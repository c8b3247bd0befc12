/**
 * What to do about a dead job, worked out on the worker's side from what the relay already
 * serves (no relay change): a later job of the same repository and branch that succeeded
 * supersedes it; a job that died before spending its attempts was failed by the worker as
 * "trying again cannot help" (a broken knowledge-base file, a malformed payload), so the fix
 * is a new push, not `factory retry`. Pure.
 */
import type { Job } from "../../shared/jobs.ts";

/** The advice for one dead job. */
export type DeadJobAdvice =
  | { kind: "superseded"; job: Job; by: Job }
  | { kind: "fix-and-push"; job: Job }
  | { kind: "retry"; job: Job };

/** owner/name and branch of a job's payload ("" when it names none). */
function repoBranchOf(job: Job): { repository: string; branch: string } {
  const p = job.payload as { repository?: unknown; branch?: unknown };
  return {
    repository: typeof p.repository === "string" ? p.repository : "",
    branch: typeof p.branch === "string" ? p.branch : "",
  };
}

/**
 * The later done job of the same type, repository and branch that makes `dead` moot, if any.
 * @param others any jobs (every state); only done ones created after `dead` count
 */
function supersededBy(dead: Job, others: readonly Job[]): Job | null {
  const { repository, branch } = repoBranchOf(dead);
  if (!repository) return null;
  let best: Job | null = null;
  for (const o of others) {
    if (o.id === dead.id || o.state !== "done" || o.type !== dead.type || o.createdAt <= dead.createdAt) continue;
    const rb = repoBranchOf(o);
    if (rb.repository !== repository || rb.branch !== branch) continue;
    if (!best || o.createdAt > best.createdAt) best = o;
  }
  return best;
}

/** Whether the worker gave up on the job at once (it said a retry would fail the same way). */
function diedWithoutRetrying(job: Job): boolean {
  return job.state === "dead" && job.attempts < job.maxAttempts;
}

/** Advice for each dead job in `dead`, judged against `others` (recent jobs of any state). */
export function adviseDeadJobs(dead: readonly Job[], others: readonly Job[]): DeadJobAdvice[] {
  return dead
    .filter((j) => j.state === "dead")
    .map((job) => {
      const by = supersededBy(job, others);
      if (by) return { kind: "superseded", job, by };
      return diedWithoutRetrying(job) ? { kind: "fix-and-push", job } : { kind: "retry", job };
    });
}

/** One line of advice (for `factory status`), without the error itself. */
export function adviceLine(a: DeadJobAdvice): string {
  switch (a.kind) {
    case "superseded":
      return `${a.job.id}: superseded by ${a.by.id}, a later push that succeeded; nothing to do (factory jobs shows it as superseded)`;
    case "fix-and-push":
      return `${a.job.id}: cannot succeed as it is (a retry fails the same way): fix what its error names, commit and push; the new push makes a new job`;
    case "retry":
      return `${a.job.id}: gave up after ${a.job.attempts} attempts: fix the cause its error names, then \`factory retry ${a.job.id}\``;
  }
}
