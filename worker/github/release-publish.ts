/**
 * The worker side of a published GitHub release (issue 16): a `factory.release.publish` job
 * makes every lesson made at the release's commit, for the courses its notes name (all when
 * none), public now, or schedules it into the publishing calendar's free slots; an
 * alternative to approving video by video.
 *
 * - Prereleases are ignored unless `github.releases.includePrereleases`.
 * - The tag is resolved with git (the event carries no sha); the knowledge base is read at that
 *   commit from git objects; which lessons were "made at that commit" is decided from the
 *   scripts' provenance (./release-lessons.ts).
 * - Idempotent on the release id: WORK_DIR/releases/<repo>/<id>.json (./release-record.ts)
 *   records the commit, the mode, each lesson's slot before it is approved and each approval
 *   once done. Running the release again approves nothing already approved; a job that died
 *   half way resumes with the rest, in the same slots.
 * - Approving is `approvePublished` (worker/commands/publish.ts), injected for tests.
 */
import { ReleasePayload, type Job } from "../../shared/jobs.ts";
import type { WorkerConfig } from "../config.ts";
import type { Ledger } from "../ledger.ts";
import { StepError, type Logger, type PipelineSettings } from "../pipeline/types.ts";
import { type CalendarSettings, freeSlots } from "../publish/calendar.ts";
import { notApprovable, type PublishedLesson, publishedLessons } from "../publish/review.ts";
import { syncRepository } from "../sync.ts";
import { latestPublishRuns, scriptMismatch, scriptRunFor } from "./release-lessons.ts";
import { type LiveStatuses, liveStatusesOf } from "../publish/live-status.ts";
import { atomsInCourseOrder, parseReleaseNotes, selectCourses } from "./release-notes.ts";
import { type ReleaseRecord, readReleaseRecord, releaseDecisions, releaseRecordPath, writeReleaseRecord } from "./release-record.ts";
import { ReleaseSettings } from "./release-settings.ts";
import { knowledgeBaseAt, resolveReleaseTag } from "./release-tag.ts";

/** Approves one lesson (public now, or scheduled for `at`); returns a one-line report. */
export type ApproveLesson = (atomId: string, opts: { at?: string; repository: string }) => Promise<string>;

/** What {@link runReleaseJob} needs. */
export interface ReleaseJobOptions {
  /** The job's payload (validated here with ReleasePayload). */
  payload: unknown;
  /** The worker's checkout of the repository (tags are fetched into it). */
  repoDir: string;
  ledger: Pick<Ledger, "listStepRuns">;
  /** The pipeline settings (content, publish, …): what approving a lesson needs. */
  settings: PipelineSettings;
  /** WORK_DIR (absolute): the release records live under WORK_DIR/releases. */
  workDir: string;
  now: () => number;
  log: Logger;
  /** `github.releases` from factory.config.json (validated here). */
  releases?: unknown;
  /** The publishing calendar, when the owner set one. */
  calendar?: CalendarSettings | null;
  /** Where to fetch the tag from; null = only the checkout's own tags. */
  fetchUrl?: string | null;
  githubToken?: string | null;
  signal?: AbortSignal;
  /** Default: approvePublished against this worker's ledger and publisher. */
  approve?: ApproveLesson;
  /**
   * The lessons' live states by video id (no entry = unknown: the ledger's record counts).
   * Default: worker/publish/live-status.ts (metadata.json for local lessons, videos.list for YouTube).
   */
  liveStatuses?: (lessons: readonly PublishedLesson[]) => Promise<LiveStatuses>;
}

/** What a release job did. */
export interface ReleaseJobResult {
  /** One line for the job result. */
  summary: string;
  tag: string | null;
  sha: string | null;
  published: { atomId: string; courseId: string | null; report: string }[];
  scheduled: { atomId: string; courseId: string | null; at: string; report: string }[];
  skipped: { atomId: string; reason: string }[];
  /** Course names in the notes that match no course, and other remarks. */
  note?: string;
}

const issuesOf = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
  e.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");

/** The payload, or a non-retryable StepError: the same payload would fail the same way every time. */
function releaseRequest(payload: unknown): ReleasePayload {
  const p = ReleasePayload.safeParse(payload);
  if (!p.success) throw new StepError(`malformed release job payload (${issuesOf(p.error)})`, false);
  return p.data;
}

/** `github.releases`, validated, or a non-retryable StepError naming the bad field. */
function releaseSettings(raw: unknown): ReleaseSettings {
  const r = ReleaseSettings.safeParse(raw ?? {});
  if (r.success) return r.data;
  throw new StepError(`Invalid settings: ${r.error.issues.map((i) => `github.releases.${i.path.join(".")}: ${i.message}`).join("; ")}. Fix factory.config.json.`, false);
}

function defaultApprove(o: Pick<ReleaseJobOptions, "workDir" | "settings" | "now">): ApproveLesson {
  return async (atomId, opts) => {
    // Imported on use: the publish command pulls in the YouTube client only when it is needed.
    const { approvePublished } = await import("../commands/publish.ts");
    return approvePublished({ workDir: o.workDir, settings: o.settings, now: o.now }, atomId, opts);
  };
}

/** YouTube wants publishAt in the future: slots closer than this are left for the next one. */
const SLOT_MARGIN_MS = 5 * 60_000;

/**
 * Runs one release job. Returns what it did; throws StepError when it cannot go on
 * (retryable: the tag could not be fetched, or an approval failed for a reason that passes,
 * such as the network or the daily quota; what was approved is recorded and not redone).
 */
export async function runReleaseJob(o: ReleaseJobOptions): Promise<ReleaseJobResult> {
  const req = releaseRequest(o.payload);
  const settings = releaseSettings(o.releases);
  const { repository, release } = req;
  const empty = { published: [], scheduled: [], skipped: [] };
  if (release.prerelease && !settings.includePrereleases) {
    o.log.info(`release ${release.tag_name} is a prerelease: ignored (set github.releases.includePrereleases to publish prereleases)`, { step: "release" });
    return { summary: "ignored: prerelease", tag: release.tag_name, sha: null, ...empty };
  }

  const recordPath = releaseRecordPath(o.workDir, repository, release.id);
  let record: ReleaseRecord | null;
  try {
    record = await readReleaseRecord(recordPath);
  } catch (e) {
    throw new StepError((e as Error).message, false);
  }
  // The commit is pinned by the first run: running the release again means the same lessons.
  const sha =
    record?.sha ??
    (await resolveReleaseTag({ repoDir: o.repoDir, repository, tag: release.tag_name, fetchUrl: o.fetchUrl ?? null, githubToken: o.githubToken ?? null, ...(o.signal ? { signal: o.signal } : {}) }));
  const label = `${release.tag_name} (${sha.slice(0, 12)})`;
  const kb = await knowledgeBaseAt(o.repoDir, sha, label);

  const notes = parseReleaseNotes(release.body);
  const { selected, unknown } = selectCourses(kb.courses, notes.courses);
  const atoms: { atomId: string; courseId: string | null }[] = atomsInCourseOrder(selected);
  if (notes.courses.length === 0) {
    // "All courses" means every lesson: atoms in no course come last, by id.
    const inCourse = new Set(atoms.map((a) => a.atomId));
    for (const a of [...kb.atoms].sort((x, y) => (x.id < y.id ? -1 : 1))) if (!inCourse.has(a.id)) atoms.push({ atomId: a.id, courseId: null });
  }
  const remarks: string[] = [];
  if (unknown.length) remarks.push(`no course named ${unknown.map((u) => `"${u}"`).join(", ")} at ${release.tag_name} (known: ${kb.courses.map((c) => c.id).join(", ") || "none"})`);

  const mode: ReleaseRecord["mode"] = record?.mode ?? notes.publish ?? (settings.schedule ? "schedule" : "now");
  if (mode === "schedule" && !o.calendar) {
    throw new StepError(
      `release ${release.tag_name} asks to schedule its lessons (${record ? "as its first run decided" : notes.publish === "schedule" ? "its notes say so" : "github.releases.schedule is true"}) but no publishing calendar is set: ` +
        'add "calendar" to factory.config.json (docs/github.md) and retry the job, or write "Publish: now" in the release notes.',
      false,
    );
  }

  const publishRuns = o.ledger.listStepRuns({ kind: "publish" });
  const scriptRuns = o.ledger.listStepRuns({ kind: "write-script", repository });
  const latest = latestPublishRuns(publishRuns, repository);
  const now = o.now();
  const rec: ReleaseRecord = record ?? { version: 1, repository, releaseId: release.id, tag: release.tag_name, sha, mode, createdAt: now, updatedAt: now, lessons: {} };

  const skipped: ReleaseJobResult["skipped"] = [];
  const made: { atomId: string; courseId: string | null; lesson: PublishedLesson }[] = [];
  for (const { atomId, courseId } of atoms) {
    const done = rec.lessons[atomId];
    if (done && done.state !== "planned") {
      skipped.push({ atomId, reason: `already ${done.state} by this release` });
      continue;
    }
    const found = latest.get(atomId);
    if (!found) {
      skipped.push({ atomId, reason: "not published yet: no lesson made" });
      continue;
    }
    const mismatch = scriptMismatch(kb, atomId, scriptRunFor(found.run, scriptRuns));
    if (mismatch) {
      skipped.push({ atomId, reason: mismatch });
      continue;
    }
    made.push({ atomId, courseId, lesson: found.lesson });
  }

  // What the owner did by hand since (made public, scheduled) stands: one look at the live states.
  const live = made.length ? await (o.liveStatuses ?? ((ls) => liveStatusesOf(ls, o.settings, o.now)))(made.map((m) => m.lesson)) : new Map();
  const todo: { atomId: string; courseId: string | null; lesson: PublishedLesson; at: number | null }[] = [];
  for (const m of made) {
    const why = notApprovable(m.lesson, live.get(m.lesson.videoId));
    if (why) {
      skipped.push({ atomId: m.atomId, reason: why });
      continue;
    }
    const plannedAt = rec.lessons[m.atomId]?.at;
    const planned = plannedAt ? Date.parse(plannedAt) : NaN;
    todo.push({ ...m, at: mode === "schedule" && planned > now + SLOT_MARGIN_MS ? planned : null });
  }

  // A lesson planned by an earlier, interrupted run that is now left out gives its slot back.
  for (const sk of skipped) if (rec.lessons[sk.atomId]?.state === "planned") delete rec.lessons[sk.atomId];

  if (mode === "schedule" && o.calendar) {
    const needing = todo.filter((t) => t.at === null);
    // Taken: slots of lessons uploaded scheduled, of other releases' lessons, and of this one's kept plan.
    const others = (await releaseDecisions(o.workDir)).filter((d) => !(d.repository === repository && d.releaseId === release.id) && d.state !== "published");
    const taken = [
      ...publishedLessons(publishRuns).flatMap((l) => (l.publishAt ? [Date.parse(l.publishAt)] : [])),
      ...others.flatMap((d) => (d.at !== null ? [d.at] : [])),
      ...todo.flatMap((t) => (t.at !== null ? [t.at] : [])),
    ].filter((t) => Number.isFinite(t) && t > now);
    const slots = freeSlots(o.calendar, now + SLOT_MARGIN_MS, needing.length, taken);
    needing.forEach((t, i) => (t.at = slots[i]?.at ?? null));
    for (const t of needing.filter((x) => x.at === null)) {
      skipped.push({ atomId: t.atomId, reason: "no free calendar slot in the year ahead" });
      todo.splice(todo.indexOf(t), 1);
    }
  }

  // The plan (each lesson's slot) is on disk before the first approval, so a resumed job keeps it.
  for (const t of todo) {
    rec.lessons[t.atomId] = { state: "planned", videoId: t.lesson.videoId, courseId: t.courseId, ...(t.at !== null ? { at: new Date(t.at).toISOString() } : {}) };
  }
  rec.updatedAt = now;
  await writeReleaseRecord(recordPath, rec);

  const approve = o.approve ?? defaultApprove(o);
  const published: ReleaseJobResult["published"] = [];
  const scheduled: ReleaseJobResult["scheduled"] = [];
  for (const [i, t] of todo.entries()) {
    if (o.signal?.aborted) {
      throw new StepError(`stopped after ${i} of ${todo.length} lessons of release ${release.tag_name}; the rest follow when the job runs again`, true);
    }
    const at = t.at !== null ? new Date(t.at).toISOString() : undefined;
    let report: string;
    try {
      report = await approve(t.atomId, { repository, ...(at ? { at } : {}) });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof StepError && e.retryable) {
        throw new StepError(
          `release ${release.tag_name}: ${i} of ${todo.length} lessons done, then ${t.atomId} failed: ${message}. The rest follow when the job runs again.`,
          true,
          e.retryAt,
        );
      }
      // This lesson cannot be approved (deleted on YouTube, say): say so and go on with the others.
      delete rec.lessons[t.atomId];
      rec.updatedAt = o.now();
      await writeReleaseRecord(recordPath, rec);
      skipped.push({ atomId: t.atomId, reason: `approving failed: ${message}` });
      o.log.warn(`release ${release.tag_name}: ${t.atomId} not approved: ${message}`, { step: "release" });
      continue;
    }
    rec.lessons[t.atomId] = { ...rec.lessons[t.atomId]!, state: at ? "scheduled" : "published", doneAt: o.now(), report: report.slice(0, 500) };
    rec.updatedAt = o.now();
    await writeReleaseRecord(recordPath, rec);
    o.log.info(report, { step: "release" });
    if (at) scheduled.push({ atomId: t.atomId, courseId: t.courseId, at, report });
    else published.push({ atomId: t.atomId, courseId: t.courseId, report });
  }

  const failed = skipped.filter((s) => s.reason.startsWith("approving failed: "));
  if (todo.length > 0 && failed.length === todo.length) {
    // Every approval failed the same permanent way (a revoked token, say): that is the job failing, not a result.
    throw new StepError(`release ${release.tag_name}: no lesson could be approved: ${failed[0]!.reason.replace(/^approving failed: /, "")}`, false);
  }

  const byPlace = new Map(atoms.map((a, i) => [a.atomId, i] as const));
  skipped.sort((a, b) => (byPlace.get(a.atomId) ?? 0) - (byPlace.get(b.atomId) ?? 0));
  const note = remarks.length ? remarks.join("; ") : undefined;
  const counts = [`${published.length} published`, ...(mode === "schedule" ? [`${scheduled.length} scheduled`] : []), `${skipped.length} skipped`];
  const scope = notes.courses.length ? `courses ${selected.map((c) => c.id).join(", ") || "(none known)"}` : "all courses";
  const summary = `release ${label}, ${scope}: ${counts.join(", ")}${note ? `; ${note}` : ""}`.slice(0, 2000);
  return { summary, tag: release.tag_name, sha, published, scheduled, skipped, ...(note ? { note } : {}) };
}

/**
 * The whole job as the worker's handler runs it: checks the payload and the prerelease rule
 * (before touching git), brings the worker's checkout of the repository up (cloning it on first
 * use, as every job does), then {@link runReleaseJob}. The clone URL is the per-repository
 * override, else the payload's, else GitHub's.
 */
export async function handleReleaseJob(
  job: Pick<Job, "id" | "payload">,
  config: Pick<WorkerConfig, "workDir" | "settings" | "calendar" | "github" | "githubToken" | "repositories">,
  ledger: Pick<Ledger, "listStepRuns">,
  opts: { now: () => number; log: Logger; signal?: AbortSignal; approve?: ApproveLesson },
): Promise<ReleaseJobResult> {
  const req = releaseRequest(job.payload);
  const releases = config.github?.releases;
  const base = { payload: job.payload, ledger, settings: config.settings, workDir: config.workDir, now: opts.now, log: opts.log, releases, calendar: config.calendar ?? null };
  if (req.release.prerelease && !releaseSettings(releases).includePrereleases) return runReleaseJob({ ...base, repoDir: "" });
  const override = config.repositories[req.repository];
  const cloneUrl = override?.cloneUrl ?? req.cloneUrl ?? `https://github.com/${req.repository}.git`;
  const synced = await syncRepository({
    workDir: config.workDir,
    repository: req.repository,
    cloneUrl,
    branch: override?.branch ?? null,
    sha: null,
    githubToken: config.githubToken,
    ...(opts.signal ? { signal: opts.signal } : {}),
    log: opts.log.child({ step: "sync" }),
  });
  return runReleaseJob({
    ...base,
    repoDir: synced.dir,
    fetchUrl: cloneUrl,
    githubToken: config.githubToken,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.approve ? { approve: opts.approve } : {}),
  });
}
