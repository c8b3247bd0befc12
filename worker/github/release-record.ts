/**
 * What a release job did, kept at WORK_DIR/releases/<owner>__<name>/<release id>.json so that
 * publishing the same release again changes nothing already done, and a job that died half
 * way resumes with the rest. Written whole to a temporary file, fsync'd, then renamed over the
 * old one: a crash leaves the previous record or the new one, never half of one.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { readJsonRecord, writeJsonDurably } from "../durable-json.ts";

/** One lesson of a release: planned (its slot chosen, not yet approved), published or scheduled. */
export const ReleaseLessonRecord = z.object({
  state: z.enum(["planned", "published", "scheduled"]),
  /** The slot (ISO) for a scheduled lesson. */
  at: z.string().optional(),
  videoId: z.string(),
  courseId: z.string().nullable(),
  doneAt: z.number().int().optional(),
  report: z.string().optional(),
});
export type ReleaseLessonRecord = z.infer<typeof ReleaseLessonRecord>;

export const ReleaseRecord = z.object({
  version: z.literal(1),
  repository: z.string(),
  releaseId: z.number().int(),
  tag: z.string(),
  /** The commit the tag named when the release was first handled: later runs keep it. */
  sha: z.string(),
  mode: z.enum(["now", "schedule"]),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  lessons: z.record(z.string(), ReleaseLessonRecord),
});
export type ReleaseRecord = z.infer<typeof ReleaseRecord>;

/** The folder of one repository's release records. */
function releasesDir(workDir: string, repository: string): string {
  return join(workDir, "releases", repository.replace(/[^A-Za-z0-9_.-]+/g, "__"));
}

/** The record file of one release. */
export function releaseRecordPath(workDir: string, repository: string, releaseId: number): string {
  return join(releasesDir(workDir, repository), `${releaseId}.json`);
}

/**
 * The record of a release, or null when it was never handled. A record that cannot be read is
 * an error (thrown): guessing would risk publishing twice.
 */
export function readReleaseRecord(path: string): Promise<ReleaseRecord | null> {
  return readJsonRecord(path, ReleaseRecord, "a release record", "delete it to handle the release from scratch (approving a lesson twice is harmless).");
}

/** Writes the record atomically and durably (on disk when this returns). */
export function writeReleaseRecord(path: string, record: ReleaseRecord): Promise<void> {
  return writeJsonDurably(path, record);
}

/** One lesson as the releases left it: what the calendar should treat as placed already. */
export interface ReleaseDecision {
  repository: string;
  releaseId: number;
  atomId: string;
  state: ReleaseLessonRecord["state"];
  /** The slot (ms) of a planned or scheduled lesson. */
  at: number | null;
}

/**
 * Every lesson any release of any repository under `workDir` planned, published or scheduled.
 * (approvePublished does not write to the ledger, so `factory calendar` and the calendar's
 * ticks learn from here that these lessons are placed.) Unreadable records are skipped.
 */
export async function releaseDecisions(workDir: string): Promise<ReleaseDecision[]> {
  const root = join(workDir, "releases");
  const out: ReleaseDecision[] = [];
  let repos: string[];
  try {
    repos = (await readdir(root)).sort();
  } catch {
    return out;
  }
  for (const repo of repos) {
    let names: string[];
    try {
      names = (await readdir(join(root, repo))).filter((n) => /^\d+\.json$/.test(n)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const record = await readReleaseRecord(join(root, repo, name)).catch(() => null);
      if (!record) continue;
      for (const [atomId, l] of Object.entries(record.lessons)) {
        const at = l.at ? Date.parse(l.at) : NaN;
        out.push({ repository: record.repository, releaseId: record.releaseId, atomId, state: l.state, at: Number.isFinite(at) ? at : null });
      }
    }
  }
  return out;
}

/** The slots (ms) releases hold: those of their planned and scheduled lessons. */
export async function releaseSlots(workDir: string): Promise<number[]> {
  return (await releaseDecisions(workDir)).flatMap((d) => (d.state !== "published" && d.at !== null ? [d.at] : []));
}
