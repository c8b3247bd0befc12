/**
 * The dashboard's HTML, rendered on the server from one queue snapshot. Pure functions of
 * their input: every value that came from outside (repository names, errors, worker names,
 * job types, ids) goes through `esc`; nothing else builds markup. The live refresh asks for
 * the same sections as HTML inside JSON (`renderSections`), so there is one renderer.
 */
import type { Job, JobState } from "../../shared/jobs.ts";
import type { DashboardSnapshot, RecentDelivery, RefusedDelivery } from "../queue/types.ts";
import { esc, relativeTime } from "./html.ts";
import { lessonsAwaitingReview, renderReview } from "./review.ts";

/** A relative time with the exact UTC time on hover. */
function when(at: number | null | undefined, now: number): string {
  if (typeof at !== "number") return "—";
  return `<time datetime="${esc(new Date(at).toISOString())}" title="${esc(new Date(at).toISOString())}">${esc(relativeTime(at, now))}</time>`;
}

/** Plain words for each state, as the owner reads them. */
export const STATE_WORDS: Record<JobState, { label: string; help: string }> = {
  queued: { label: "Waiting", help: "Waiting for a worker to pick it up." },
  leased: { label: "Running", help: "A worker is working on it now." },
  done: { label: "Finished", help: "Completed successfully (kept for a few days)." },
  dead: { label: "Dead", help: "Stopped after failing; needs you. See below." },
};

/** A worker seen this recently counts as online (workers poll at least every ~50 s). */
export const ONLINE_MS = 2 * 60_000;

/** The live sections of the page, by element id. */
export interface Sections {
  summary: string;
  dead: string;
  workers: string;
  jobs: string;
  deliveries: string;
  /** Webhook deliveries refused with 401 (wrong or missing secret): what to check in GitHub. */
  refused: string;
  /** Lessons recent jobs published that wait for the owner's approval (dashboard/review.ts). */
  review: string;
  /** The front-page banner: dead jobs not dismissed yet (empty when there are none). */
  alerts: string;
}

/** Renders every live section from a snapshot; `csrf` goes into the Retry and Approve forms. */
export function renderSections(snap: DashboardSnapshot, csrf: string): Sections {
  const now = snap.stats.now;
  return {
    summary: renderSummary(snap, now),
    dead: renderDead(snap.dead, snap.stats.counts.dead, now, csrf),
    workers: renderWorkers(snap.stats.workers, now),
    jobs: renderJobs(snap.recent, now),
    deliveries: renderDeliveries(snap.deliveries, now),
    refused: renderRefused(snap.refused ?? [], now),
    review: renderReview(lessonsAwaitingReview(snap.recent), (at) => when(at, now), csrf),
    alerts: renderAlerts(snap.undismissedDead ?? [], now, csrf),
  };
}

function renderSummary(snap: DashboardSnapshot, now: number): string {
  const cards = (Object.keys(STATE_WORDS) as JobState[])
    .map((state) => {
      const n = snap.stats.counts[state];
      const alert = state === "dead" && n > 0 ? " alert" : "";
      return `<div class="card state-${state}${alert}" data-state="${state}">
        <div class="count">${esc(n)}</div>
        <div class="label">${esc(STATE_WORDS[state].label)}</div>
        <div class="help">${esc(STATE_WORDS[state].help)}</div></div>`;
    })
    .join("");
  const oldest = snap.stats.oldestQueuedAgeMs;
  const note =
    oldest === null
      ? "Nothing is waiting."
      : `The oldest waiting job arrived ${esc(relativeTime(now - oldest, now))}.`;
  return `<div class="cards">${cards}</div><p class="note">${note}</p>`;
}

function renderDead(jobs: Job[], total: number, now: number, csrf: string): string {
  if (jobs.length === 0) return `<p class="empty ok">No dead jobs. Nothing needs your attention.</p>`;
  const rows = jobs
    .map(
      (job) => `<tr data-job="${esc(job.id)}">
        <td>${jobLabel(job)}</td>
        <td class="error">${esc(job.lastError ?? "(no error message was recorded)")}</td>
        <td class="num">${esc(job.attempts)} of ${esc(job.maxAttempts)}</td>
        <td>${when(job.updatedAt, now)}</td>
        <td>${retryForm(job, csrf)}</td></tr>`,
    )
    .join("");
  const more = total > jobs.length ? `<p class="note">Showing the newest ${jobs.length} of ${esc(total)} dead jobs.</p>` : "";
  return `<table><thead><tr><th>Job</th><th>What went wrong</th><th>Attempts</th><th>Stopped</th><th></th></tr></thead>
    <tbody>${rows}</tbody></table>${more}`;
}

/** The Retry button of a dead job (in the banner and under Dead jobs). */
function retryForm(job: Job, csrf: string): string {
  return `<form class="retry" method="post" action="/dashboard/jobs/${encodeURIComponent(job.id)}/retry">
          <input type="hidden" name="csrf" value="${esc(csrf)}">
          <button type="submit" aria-label="Retry job ${esc(job.id)}">Retry</button></form>`;
}

/** How much of a dead job's error the banner shows (the Dead jobs section has all of it). */
const ALERT_ERROR_CHARS = 200;

/**
 * The banner at the top of the page: each dead job the owner has not dismissed, with Retry and
 * Dismiss. Dismissing only takes it off the banner; it stays under Dead jobs until retried or
 * deleted, and shows here again if it dies again after a retry.
 */
function renderAlerts(jobs: Job[], now: number, csrf: string): string {
  if (jobs.length === 0) return "";
  const items = jobs
    .map(
      (job) => `<li data-job="${esc(job.id)}"><div>${jobLabel(job)}
        <div class="error">${esc(short(job.lastError ?? "(no error message was recorded)", ALERT_ERROR_CHARS))}</div>
        <div class="sub">Stopped ${when(job.updatedAt, now)}</div></div>
        <div class="actions">${retryForm(job, csrf)}
        <form class="dismiss" method="post" action="/dashboard/jobs/${encodeURIComponent(job.id)}/dismiss">
          <input type="hidden" name="csrf" value="${esc(csrf)}">
          <button class="secondary" type="submit" aria-label="Dismiss job ${esc(job.id)}">Dismiss</button></form></div></li>`,
    )
    .join("");
  const n = jobs.length;
  return `<div class="banner" role="alert"><h2>${esc(n)} dead ${n === 1 ? "job needs" : "jobs need"} you</h2>
    <p>Read what went wrong, fix the cause, then <strong>Retry</strong>. <strong>Dismiss</strong> takes a job off this
    banner only: it stays under Dead jobs below until you retry it.</p><ul>${items}</ul></div>`;
}

function renderWorkers(workers: DashboardSnapshot["stats"]["workers"], now: number): string {
  if (workers.length === 0) {
    return `<p class="empty">No worker has connected yet. Start one on your home machine: <code>factory worker</code>, or install it as a service with <code>factory service install</code>.</p>`;
  }
  const rows = workers
    .map((w) => {
      const online = now - w.lastSeenAt < ONLINE_MS;
      return `<tr><td><span class="dot ${online ? "on" : "off"}" aria-hidden="true"></span>${esc(w.name)}</td>
        <td>${online ? "Connected" : "Not seen lately"}</td><td>${when(w.lastSeenAt, now)}</td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th>Worker</th><th>Status</th><th>Last seen</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderJobs(jobs: Job[], now: number): string {
  if (jobs.length === 0) return `<p class="empty">No jobs yet. Push to your content repository and one appears here.</p>`;
  const rows = jobs
    .map(
      (job) => `<tr data-job="${esc(job.id)}" data-state="${esc(job.state)}"><td>${jobLabel(job)}</td>
        <td>${badge(job.state)}${job.state === "leased" && job.leasedBy ? ` <span class="muted">by ${esc(job.leasedBy)}</span>` : ""}</td>
        <td class="num">${esc(job.attempts)}</td><td>${when(job.createdAt, now)}</td><td>${when(job.updatedAt, now)}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>Job</th><th>State</th><th>Attempts</th><th>Created</th><th>Last change</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

function renderDeliveries(deliveries: RecentDelivery[], now: number): string {
  if (deliveries.length === 0) {
    return `<p class="empty">No GitHub deliveries yet. Check the webhook in your repository's settings (docs/setup.md).</p>`;
  }
  const rows = deliveries
    .map(
      (d) => `<tr><td>${when(d.receivedAt, now)}</td><td>${esc(d.repository ?? "—")}</td>
        <td><code title="${esc(d.deliveryId)}">${esc(short(d.deliveryId, 13))}</code></td>
        <td><code>${esc(d.jobId)}</code></td><td>${d.jobState ? badge(d.jobState) : `<span class="muted">removed</span>`}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>Received</th><th>Repository</th><th>Delivery</th><th>Job</th><th>Job state</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** What each refusal reason means, and what to check in GitHub's webhook settings. */
const REFUSAL_WORDS: Record<string, { label: string; fix: string }> = {
  mismatch: {
    label: "Wrong secret",
    fix: "The signature does not match any GITHUB_WEBHOOK_SECRET. In the repository's Settings → Webhooks → Edit, paste the relay's secret into Secret (no spaces), Update webhook, then Redeliver from Recent Deliveries.",
  },
  missing: {
    label: "No secret",
    fix: "The delivery was not signed: the webhook has no Secret. In Settings → Webhooks → Edit, set Secret to the relay's GITHUB_WEBHOOK_SECRET and Update webhook.",
  },
  malformed: {
    label: "Bad signature header",
    fix: "The X-Hub-Signature-256 header is not GitHub's. If this is not GitHub, ignore it; otherwise check the webhook's URL points at this relay.",
  },
};

function renderRefused(refused: RefusedDelivery[], now: number): string {
  if (refused.length === 0) return `<p class="empty ok">No delivery was refused lately.</p>`;
  const rows = refused
    .map((r) => {
      const words = REFUSAL_WORDS[r.reason] ?? { label: r.reason, fix: "" };
      return `<tr data-reason="${esc(r.reason)}"><td>${when(r.receivedAt, now)}</td><td>${esc(r.event ?? "—")}</td>
        <td><code title="${esc(r.deliveryId ?? "")}">${esc(short(r.deliveryId ?? "—", 13))}</code>${r.hookId ? `<div class="sub">hook ${esc(r.hookId)}</div>` : ""}</td>
        <td class="error">${esc(words.label)}</td><td>${esc(words.fix)}</td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th>Received</th><th>Event</th><th>Delivery</th><th>Refused (401)</th><th>What to check</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

/** A job as a person reads it: repository and branch (if any), its type, and its id. */
function jobLabel(job: Job): string {
  const p = job.payload as Record<string, unknown>;
  const repo = typeof p.repository === "string" ? p.repository : null;
  const branch = typeof p.branch === "string" ? p.branch : null;
  const sha = typeof p.after === "string" ? p.after : null;
  const atom = typeof p.atomId === "string" ? p.atomId : null; // an approval names its lesson
  const what = atom ? `lesson ${atom}` : requestOrRelease(p);
  const where =
    (repo
      ? `<strong>${esc(repo)}</strong>${branch ? ` <span class="muted">on ${esc(branch)}</span>` : ""}${sha ? ` <code>${esc(sha.slice(0, 7))}</code>` : ""}`
      : `<strong>${esc(job.type)}</strong>`) + (what ? ` <span class="muted">${esc(what)}</span>` : "");
  return `${where}<div class="sub"><span>${esc(job.type)}</span> · <code>${esc(job.id)}</code></div>`;
}

/** "issue #12" for an atom request, "release v1.2" for a release's publishing job, else null. */
function requestOrRelease(p: Record<string, unknown>): string | null {
  const issue = p.issue as { number?: unknown } | undefined;
  if (issue && typeof issue.number === "number") return `issue #${issue.number}`;
  const release = p.release as { tag_name?: unknown } | undefined;
  if (release && typeof release.tag_name === "string") return `release ${release.tag_name}`;
  return null;
}

function badge(state: JobState): string {
  return `<span class="badge state-${esc(state)}">${esc(STATE_WORDS[state]?.label ?? state)}</span>`;
}

function short(text: string, n: number): string {
  return text.length > n ? `${text.slice(0, n)}…` : text;
}
