/**
 * Dead jobs the owner has not dismissed yet: the dashboard's front-page banner. Dismissing
 * records which death was seen (`dismissed_at` = the job's `updated_at` when it died), so a job
 * that is retried and dies again shows again without any other statement having to reset a flag.
 */
import { type JobRow, rowToJob } from "./schema.ts";
import type { Job } from "../../shared/jobs.ts";

/** One guarded statement: marks a dead job's current death as seen; null when it is not dead (or unknown). */
export function dismissDead(sql: SqlStorage, id: string): Job | null {
  const row = sql
    .exec<JobRow>("UPDATE jobs SET dismissed_at = updated_at WHERE id = ? AND state = 'dead' RETURNING *", id)
    .toArray()[0];
  return row ? rowToJob(row) : null;
}

/** Dead jobs whose current death was not dismissed, newest first. */
export function undismissedDead(sql: SqlStorage, limit: number): Job[] {
  return sql
    .exec<JobRow>(
      `SELECT * FROM jobs WHERE state = 'dead' AND (dismissed_at IS NULL OR dismissed_at != updated_at)
       ORDER BY id DESC LIMIT ?`,
      limit,
    )
    .toArray()
    .map(rowToJob);
}
