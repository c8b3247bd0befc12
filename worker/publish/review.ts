/**
 * The review gate, as pure logic: what was published (from the ledger's publish step runs),
 * what still waits for the owner's approval, and what `--at` means. The commands in
 * worker/commands/publish.ts do the I/O around it.
 */
import type { StepRun } from "../ledger.ts";

/** One lesson as its latest finished publish step left it. */
export interface PublishedLesson {
  repository: string;
  atomId: string;
  target: "youtube" | "local";
  videoId: string;
  playlistId?: string;
  url: string;
  /** Privacy when it was published (the live value may have changed since). */
  privacy: string;
  publishAt?: string;
  /** For local lessons: the folder holding metadata.json. */
  localFolder?: string;
  /** The lesson's Short on YouTube, approved together with it. */
  shortVideoId?: string;
  shortUrl?: string;
  finishedAt: number;
}

/** The live state of a lesson, from YouTube or from its metadata.json; null = gone. */
export interface LiveStatus {
  privacy: string;
  publishAt?: string;
}

export type ReviewState = "awaiting review" | "scheduled" | "public" | "unlisted" | "missing";

/** The newest finished publish run per (repository, atom). */
export function publishedLessons(runs: readonly StepRun[]): PublishedLesson[] {
  const latest = new Map<string, PublishedLesson>();
  for (const run of runs) {
    if (run.kind !== "publish" || run.state !== "done" || !run.output?.external?.videoId) continue;
    const atomId = run.key.replace(/^publish:/, "");
    const data = (run.output.data ?? {}) as { url?: string; privacy?: string; publishAt?: string; shortUrl?: string };
    const ext = run.output.external;
    const videoId = ext.videoId!;
    const lesson: PublishedLesson = {
      repository: run.repository,
      atomId,
      target: videoId.startsWith("local:") ? "local" : "youtube",
      videoId,
      ...(ext.playlistId ? { playlistId: ext.playlistId } : {}),
      url: data.url ?? "",
      privacy: data.privacy ?? "private",
      ...(data.publishAt ? { publishAt: data.publishAt } : {}),
      ...(ext.localFolder ? { localFolder: ext.localFolder } : {}),
      ...(ext.shortVideoId ? { shortVideoId: ext.shortVideoId } : {}),
      ...(data.shortUrl ? { shortUrl: data.shortUrl } : {}),
      finishedAt: run.finishedAt ?? run.startedAt,
    };
    const id = `${run.repository}\u0000${atomId}`;
    const seen = latest.get(id);
    if (!seen || seen.finishedAt <= lesson.finishedAt) latest.set(id, lesson);
  }
  return [...latest.values()].sort((a, b) => a.repository.localeCompare(b.repository) || a.atomId.localeCompare(b.atomId));
}

/** Where a lesson stands with the owner. */
export function reviewState(live: LiveStatus | null): ReviewState {
  if (!live) return "missing";
  if (live.privacy === "public") return "public";
  if (live.privacy === "unlisted") return "unlisted";
  return live.publishAt ? "scheduled" : "awaiting review";
}

/** The one lesson `approve <atom>` means; a clear error when none or several match. */
export function findLesson(lessons: readonly PublishedLesson[], atomId: string, repository?: string): PublishedLesson {
  const hits = lessons.filter((l) => l.atomId === atomId && (!repository || l.repository === repository));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) {
    throw new Error(
      `No published lesson "${atomId}"${repository ? ` in ${repository}` : ""}. \`factory publish list\` shows what there is; ` +
        "a lesson appears there once the pipeline has published it.",
    );
  }
  throw new Error(
    `"${atomId}" was published from several repositories (${hits.map((h) => h.repository).join(", ")}); add --repo <owner/name>.`,
  );
}

/**
 * Parses `--at`: an ISO time with a zone ("2026-12-01T15:00:00Z", "…+01:00") or a local time
 * ("2026-12-01 15:00"). It must lie in the future, as YouTube requires for publishAt.
 */
export function parsePublishTime(text: string, now: number): string {
  const trimmed = text.trim();
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(trimmed);
  if (!m) {
    throw new Error(`--at "${text}" is not a time. Use e.g. 2026-12-01T15:00:00Z, 2026-12-01T15:00+01:00 or "2026-12-01 15:00" (local time).`);
  }
  // Without a zone, Date reads "YYYY-MM-DDTHH:MM" as local time, which is what the owner means.
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? ""}${m[4] ?? ""}`);
  if (Number.isNaN(ms)) throw new Error(`--at "${text}" is not a valid date.`);
  if (ms <= now + 60_000) {
    throw new Error(`--at ${new Date(ms).toISOString()} is not in the future. Leave --at out to publish now.`);
  }
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/** `factory publish list` as text: what waits for review first, with links to watch. Pure. */
export function formatReviewList(items: readonly { lesson: PublishedLesson; live: LiveStatus | null }[]): string {
  if (items.length === 0) return "Nothing published yet. Lessons appear here after the pipeline publishes them.";
  const order: ReviewState[] = ["awaiting review", "scheduled", "unlisted", "public", "missing"];
  const rows = items
    .map((i) => ({ ...i, state: reviewState(i.live) }))
    .sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
  const lines: string[] = [];
  for (const r of rows) {
    const when = r.state === "scheduled" ? ` at ${r.live!.publishAt}` : "";
    const where = r.lesson.target === "local" ? "local" : "YouTube";
    lines.push(`${r.state.padEnd(15)} ${r.lesson.atomId}  (${where}${r.lesson.repository !== "local" ? `, ${r.lesson.repository}` : ""})${when}`);
    lines.push(`                ${r.state === "missing" ? "no longer there (deleted?)" : r.lesson.url}`);
  }
  const waiting = rows.filter((r) => r.state === "awaiting review").length;
  lines.push("");
  lines.push(
    waiting
      ? `${waiting} lesson(s) wait for review. Watch them, then: factory publish approve <atom> [--at "2026-12-01 15:00"]`
      : "Nothing waits for review.",
  );
  return lines.join("\n");
}

/**
 * Why a lesson is not to be approved by a release or the calendar (gone, already public or
 * scheduled: the owner's own decision stands), or null when it is. `live` undefined = unknown.
 */
export function notApprovable(lesson: PublishedLesson, live: LiveStatus | null | undefined): string | null {
  if (live === null) return "its published video is gone (deleted?)";
  const state = live ?? { privacy: lesson.privacy, ...(lesson.publishAt ? { publishAt: lesson.publishAt } : {}) };
  if (state.privacy === "public") return "already public";
  if (state.publishAt) return `already scheduled for ${state.publishAt}`;
  return null;
}
