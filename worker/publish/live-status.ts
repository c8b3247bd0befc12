/**
 * Where published lessons stand now: a local lesson's state is its metadata.json, YouTube
 * lessons are read with one videos.list call per 50 videos. `factory publish list` shows it; a
 * release or a calendar tick leaves alone what the owner already made public or scheduled by
 * hand (approvePublished does not write to the ledger, so the ledger's "private" may be old news).
 */
import { silentLogger } from "../log.ts";
import type { PipelineSettings } from "../pipeline/types.ts";
import { toStepError } from "./errors.ts";
import { readLocalMetadata } from "./local.ts";
import type { LiveStatus, PublishedLesson } from "./review.ts";
import { publishSettings } from "./settings.ts";

/** Live states by video id; null = gone; no entry = unknown (the ledger's record then counts). */
export type LiveStatuses = Map<string, LiveStatus | null>;

/**
 * Reads the live state of each of `lessons` (null: gone). Throws a StepError (retryable for
 * network and quota) when YouTube cannot be asked.
 */
export async function liveStatusesByLesson(
  lessons: readonly PublishedLesson[],
  settings: PipelineSettings,
  now: () => number,
): Promise<Map<PublishedLesson, LiveStatus | null>> {
  const out = new Map<PublishedLesson, LiveStatus | null>();
  for (const l of lessons.filter((x) => x.target === "local")) {
    const meta = l.localFolder ? await readLocalMetadata(l.localFolder) : null;
    out.set(l, meta ? { privacy: meta.privacy, ...(meta.publishAt ? { publishAt: meta.publishAt } : {}) } : null);
  }
  const onYouTube = lessons.filter((x) => x.target === "youtube");
  if (onYouTube.length === 0) return out;
  try {
    // Imported on use: googleapis takes about a second to load, which local publishing never needs.
    const [{ YouTubePublisher }, { authorizedClient }] = await Promise.all([import("./youtube.ts"), import("./oauth.ts")]);
    const s = publishSettings(settings);
    const publisher = new YouTubePublisher({ auth: await authorizedClient(s.youtube), rootUrl: s.youtube.rootUrl, chunkBytes: s.youtube.chunkBytes, now, log: silentLogger });
    const statuses = await publisher.statuses(onYouTube.map((l) => l.videoId));
    for (const l of onYouTube) {
      const st = statuses.get(l.videoId);
      out.set(l, st ? { privacy: st.privacy, ...(st.publishAt ? { publishAt: st.publishAt } : {}) } : null);
    }
  } catch (e) {
    throw toStepError(e, now(), "reading the videos' status");
  }
  return out;
}

/** {@link liveStatusesByLesson} by video id. */
export async function liveStatusesOf(lessons: readonly PublishedLesson[], settings: PipelineSettings, now: () => number): Promise<LiveStatuses> {
  const byLesson = await liveStatusesByLesson(lessons, settings, now);
  return new Map([...byLesson].map(([l, status]) => [l.videoId, status]));
}
