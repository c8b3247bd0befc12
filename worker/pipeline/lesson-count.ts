/**
 * "Make the next N lessons" (a sync job's `count`, issue 16), pure: owners who spread
 * production and model spend over time ask for N lessons per job instead of every lesson at
 * once. Lessons already made stay in the plan (an unchanged one is a ledger hit and costs
 * nothing; a changed one is remade, as any push would), and the first N atoms in course order
 * whose lesson is not made yet join them. The rest wait for a later job.
 */
import { SyncPayload, SYNC_JOB_TYPE, type Job } from "../../shared/jobs.ts";
import type { KnowledgeBase } from "./types.ts";

/**
 * The first `count` atoms in course order (courses by id, then modules and atoms in order; an
 * atom in two courses counts once) whose lesson is not made yet. Atoms in no course come last, by id.
 */
function nextLessonsToMake(
  courses: readonly { id: string; modules: readonly { atoms: readonly string[] }[] }[],
  atomIds: readonly string[],
  isMade: (atomId: string) => boolean,
  count: number,
): string[] {
  const ordered: string[] = [];
  const seen = new Set<string>();
  const known = new Set(atomIds);
  for (const c of [...courses].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    for (const id of c.modules.flatMap((m) => m.atoms)) {
      if (known.has(id) && !seen.has(id)) {
        seen.add(id);
        ordered.push(id);
      }
    }
  }
  for (const id of [...atomIds].sort()) if (!seen.has(id)) ordered.push(id);
  return ordered.filter((id) => !isMade(id)).slice(0, Math.max(0, count));
}

/** The `count` a job asks for: a sync job's payload count; null = every lesson. */
export function requestedCount(job: Pick<Job, "type" | "payload"> | null): number | null {
  if (!job || job.type !== SYNC_JOB_TYPE) return null;
  const p = SyncPayload.safeParse(job.payload);
  return p.success && p.data.count !== undefined ? p.data.count : null;
}

/** What one job makes under a count. */
export interface LessonSelection {
  /** Every atom the job plans lessons for. */
  only: Set<string>;
  /** The atoms new in this job (not made before), in course order. */
  fresh: string[];
  /** How many atoms still wait for a later job. */
  waiting: number;
}

/**
 * The atoms a job with `count` plans: the lessons already made plus the next `count` not made.
 * @param made atom ids whose lesson was made (a finished publish step) in this repository
 */
export function selectLessons(kb: Pick<KnowledgeBase, "atoms" | "courses">, made: ReadonlySet<string>, count: number): LessonSelection {
  const ids = kb.atoms.map((a) => a.id);
  const fresh = nextLessonsToMake(kb.courses, ids, (id) => made.has(id), count);
  const only = new Set([...ids.filter((id) => made.has(id)), ...fresh]);
  return { only, fresh, waiting: ids.length - only.size };
}
