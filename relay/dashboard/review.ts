/**
 * The dashboard's "Awaiting review" section: which lessons the home worker published lately
 * and the owner has not approved yet, read from what the relay already has — the results of
 * recent finished jobs (the worker reports each publish step with its note, e.g.
 * "uploaded https://www.youtube.com/watch?v=… (private; approve with …)") and the approve jobs
 * the dashboard enqueued since. The relay cannot ask YouTube or the worker's ledger, so this is
 * a hint, not the truth: `factory publish list` on the home machine is. Pure functions.
 */
import { APPROVE_JOB_TYPE, ApprovePayload, JobResult, type Job, type JobState } from "../../shared/jobs.ts";
import { esc } from "./html.ts";

/** One lesson a recent job published privately. */
export interface ReviewItem {
  /** The content repository (null for a job without one). */
  repository: string | null;
  atomId: string;
  /** When the job that published it finished. */
  publishedAt: number;
  jobId: string;
  /** A YouTube watch link, only when the note held one of that exact shape. */
  watchUrl: string | null;
  /** "YouTube" or "local folder". */
  where: string;
  /** The newest approve job for it since it was published (queued, running or dead), if any. */
  approval: { jobId: string; state: JobState; at: string | null; calendar?: boolean } | null;
}

const WATCH_URL = /https:\/\/(?:www\.youtube\.com\/watch\?v=|youtu\.be\/)[A-Za-z0-9_-]{6,20}(?![A-Za-z0-9_-])/;

/**
 * Lessons from `jobs` (newest first, as the queue lists them) whose newest publish step ran and
 * left them private or scheduled, minus those an approve job has since made public (done).
 */
export function lessonsAwaitingReview(jobs: readonly Job[]): ReviewItem[] {
  const items = new Map<string, ReviewItem>();
  const approvals: { key: string; job: Job; at: string | null; calendar: boolean }[] = [];
  for (const job of jobs) {
    const repository = typeof job.payload.repository === "string" ? job.payload.repository : null;
    if (job.type === APPROVE_JOB_TYPE) {
      const p = ApprovePayload.safeParse(job.payload);
      if (p.success) approvals.push({ key: keyOf(p.data.repository ?? null, p.data.atomId), job, at: p.data.at ?? null, calendar: p.data.calendar === true });
      continue;
    }
    if (job.state !== "done") continue;
    const result = JobResult.safeParse(job.result);
    if (!result.success) continue;
    for (const step of result.data.steps) {
      if (step.kind !== "publish" || step.status !== "ran") continue;
      const atomId = step.key.replace(/^publish:/, "");
      const key = keyOf(repository, atomId);
      if (items.has(key)) continue; // a newer job published it again
      if (/\(public\b/.test(step.note ?? "")) continue; // settings publish straight to public: nothing to review
      const local = step.produced.some((p) => p.startsWith("videoId=local:"));
      items.set(key, {
        repository,
        atomId,
        publishedAt: job.updatedAt,
        jobId: job.id,
        watchUrl: local ? null : (WATCH_URL.exec(step.note ?? "")?.[0] ?? null),
        where: local ? "local folder" : "YouTube",
        approval: null,
      });
    }
  }
  const out: ReviewItem[] = [];
  for (const [key, item] of items) {
    // An approval without a repository matches the atom from any repository (the worker insists on one match).
    const newest = approvals.find(
      (a) => (a.key === key || a.key === keyOf(null, item.atomId)) && a.job.createdAt >= item.publishedAt,
    );
    if (newest?.job.state === "done" && newest.at === null && !newest.calendar) continue; // public now
    out.push(newest ? { ...item, approval: { jobId: newest.job.id, state: newest.job.state, at: newest.at, ...(newest.calendar ? { calendar: true } : {}) } } : item);
  }
  return out;
}

function keyOf(repository: string | null, atomId: string): string {
  return `${repository ?? ""}\u0000${atomId}`;
}

/** The dedupe key of an approval, so a double click (or two tabs) makes one job. */
export function approveDedupeKey(p: ApprovePayload): string {
  return `approve:${p.repository ?? "*"}:${p.atomId}:${p.at ?? (p.calendar ? "calendar" : "now")}`;
}

/** The section's HTML: a row per lesson with a one-click "Approve now" form carrying `csrf`. */
export function renderReview(items: readonly ReviewItem[], when: (at: number) => string, csrf: string): string {
  if (items.length === 0) {
    return `<p class="empty">No recently published lesson waits for review here. (<code>factory publish list</code> on your home machine shows every lesson.)</p>`;
  }
  const rows = items
    .map((item) => {
      const watch = item.watchUrl
        ? ` <a href="${esc(item.watchUrl)}" target="_blank" rel="noopener noreferrer">Watch</a>`
        : ` <span class="muted">(${esc(item.where)})</span>`;
      return `<tr data-atom="${esc(item.atomId)}"><td><strong>${esc(item.atomId)}</strong>${watch}
        <div class="sub">${esc(item.repository ?? "—")} · job <code>${esc(item.jobId)}</code></div></td>
        <td>${when(item.publishedAt)}</td><td>${approvalWords(item)}</td>
        <td>${approveForm(item, csrf)}</td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th>Lesson</th><th>Published</th><th>Review</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function approvalWords(item: ReviewItem): string {
  const a = item.approval;
  if (!a) return "Private: waiting for you";
  if (a.state === "dead") return `<span class="error">Approval failed: see Dead jobs</span>`;
  if (a.state === "done" && a.calendar) return "Approved for the calendar: a scheduled tick gives it the next free slot";
  if (a.state === "done") return `Scheduled for <code>${esc(a.at)}</code>`;
  return `Approval ${a.state === "leased" ? "running" : "waiting for the worker"}`;
}

function approveForm(item: ReviewItem, csrf: string): string {
  const busy = item.approval && (item.approval.state === "queued" || item.approval.state === "leased");
  if (busy) return "";
  return `<form class="approve" method="post" action="/dashboard/approve">
          <input type="hidden" name="csrf" value="${esc(csrf)}">
          <input type="hidden" name="atomId" value="${esc(item.atomId)}">
          ${item.repository ? `<input type="hidden" name="repository" value="${esc(item.repository)}">` : ""}
          <button type="submit" aria-label="Approve ${esc(item.atomId)} now">Approve now</button>
          ${item.approval?.calendar ? "" : `<button type="submit" name="calendar" value="true" aria-label="Approve ${esc(item.atomId)} for the publishing calendar">Approve for the calendar</button>`}</form>`;
}
