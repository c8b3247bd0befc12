/**
 * Where the lessons of a release stand now, so a release leaves alone what the owner already
 * made public or scheduled by hand (approvePublished does not write to the ledger, so the
 * ledger's "private" may be old news). A local lesson's state is its metadata.json; YouTube
 * lessons are read with one videos.list call per 50 videos, as `factory publish list` does.
 */
import { silentLogger } from "../log.ts";
import type { PipelineSettings } from "../pipeline/types.ts";
import { toStepError } from "../publish/errors.ts";
import { readLocalMetadata } from "../publish/local.ts";
import type { LiveStatus, PublishedLesson } from "../publish/review.ts";
import { publishSettings } from "../publish/settings.ts";

/** Live states by video id; null = gone; no entry = unknown (the ledger's record then counts). */
export type LiveStatuses = Map<string, LiveStatus | null>;

/** Reads the live state of `lessons`. Throws a StepError (retryable for network and quota) when YouTube cannot be asked. */
export async function liveStatusesOf(lessons: readonly PublishedLesson[], settings: PipelineSettings, now: () => number): Promise<LiveStatuses> {
  const out: LiveStatuses = new Map();
  for (const l of lessons.filter((x) => x.target === "local")) {
    const meta = l.localFolder ? await readLocalMetadata(l.localFolder) : null;
    out.set(l.videoId, meta ? { privacy: meta.privacy, ...(meta.publishAt ? { publishAt: meta.publishAt } : {}) } : null);
  }
  const onYouTube = lessons.filter((x) => x.target === "youtube");
  if (onYouTube.length === 0) return out;
  try {
    // Imported on use: googleapis takes about a second to load, which local publishing never needs.
    const [{ YouTubePublisher }, { authorizedClient }] = await Promise.all([import("../publish/youtube.ts"), import("../publish/oauth.ts")]);
    const s = publishSettings(settings);
    const publisher = new YouTubePublisher({ auth: await authorizedClient(s.youtube), rootUrl: s.youtube.rootUrl, chunkBytes: s.youtube.chunkBytes, now, log: silentLogger });
    const statuses = await publisher.statuses(onYouTube.map((l) => l.videoId));
    for (const l of onYouTube) {
      const st = statuses.get(l.videoId);
      out.set(l.videoId, st ? { privacy: st.privacy, ...(st.publishAt ? { publishAt: st.publishAt } : {}) } : null);
    }
  } catch (e) {
    throw toStepError(e, now(), "reading the videos' status");
  }
  return out;
}
