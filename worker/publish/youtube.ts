/**
 * Publishing one lesson to YouTube, never twice.
 *
 * Each side effect is recorded (through the step's `record`, which the ledger fsyncs) the moment
 * it is known, and every attempt starts by reading those records:
 *  - a recorded video id → confirm it still exists (videos.list) and skip the upload;
 *  - a recorded session URI → ask the session what it holds and send only the rest; if the
 *    session expired, look for the finished video among the channel's latest uploads before
 *    opening a new session;
 *  - thumbnail, captions and the playlist entry are recorded too, and checked on YouTube
 *    before being redone after an interruption.
 * Record names carry a `scope` (a hash of what is being published), so a changed lesson is a
 * new video while a redelivered job re-uploads nothing.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { google, type Auth, type youtube_v3 } from "googleapis";
import type { Logger } from "../pipeline/types.ts";
import { querySession, SessionGoneError, sendFrom, startSession } from "./resumable.ts";

/** Everything one upload needs. Paths are absolute. */
export interface VideoUpload {
  videoFile: string;
  mimeType: string;
  thumbnailFile?: string;
  /** SubRip captions. */
  captionsFile?: string;
  title: string;
  description: string;
  tags: string[];
  privacy: "private" | "unlisted" | "public";
  /** ISO time; YouTube then needs privacy "private" and publishes at that time. */
  publishAt?: string;
  categoryId: string;
  language: string;
  madeForKids: boolean;
  /** The course's playlist, found by title or created. */
  playlist?: { title: string; description: string; privacy: "private" | "unlisted" | "public" } | null;
}

/** Durable notes of side effects: the step context's `recorded`/`record`. */
export interface Recorder {
  readonly recorded: Readonly<Record<string, string>>;
  record(name: string, value: string): void;
}

export interface PublishedVideo {
  videoId: string;
  playlistId?: string;
  url: string;
  privacy: string;
  publishAt?: string;
  /** Whether the bytes went up in this attempt (false: an earlier upload was found). */
  uploaded: boolean;
}

export interface YouTubeDeps {
  auth: Auth.OAuth2Client;
  /** API root, e.g. https://youtube.googleapis.com/ */
  rootUrl: string;
  chunkBytes: number;
  now: () => number;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

/** How much clock skew to allow when matching an earlier upload by its publish time. */
const SKEW_MS = 5 * 60_000;

export function watchUrl(videoId: string): string {
  return `https://www.youtube.com/watch?v=${videoId}`;
}

export class YouTubePublisher {
  readonly api: youtube_v3.Youtube;
  /** googleapis applies a client-level rootUrl to API URLs but not to media-upload URLs; per call it does. */
  private readonly mediaOptions: { rootUrl: string };

  constructor(private readonly deps: YouTubeDeps) {
    this.api = google.youtube({ version: "v3", auth: deps.auth, rootUrl: deps.rootUrl });
    this.mediaOptions = { rootUrl: deps.rootUrl };
  }

  /** Uploads (or finds) the video, then sets thumbnail, captions and playlist. */
  async publish(up: VideoUpload, rec: Recorder, scope: string): Promise<PublishedVideo> {
    const notes = { ...rec.recorded };
    const note = (name: string, value: string): void => {
      rec.record(`${scope}.${name}`, value);
      notes[`${scope}.${name}`] = value;
    };
    const noted = (name: string): string | undefined => notes[`${scope}.${name}`];

    const { videoId, uploaded, resumed } = await this.ensureVideo(up, noted, note);
    this.deps.signal?.throwIfAborted();

    if (up.thumbnailFile && !noted("thumbnail")) {
      await this.api.thumbnails.set({
        videoId,
        media: { mimeType: up.thumbnailFile.endsWith(".jpg") ? "image/jpeg" : "image/png", body: createReadStream(up.thumbnailFile) },
      }, this.mediaOptions);
      note("thumbnail", "set");
    }

    if (up.captionsFile && !noted("captionId")) {
      const name = `${up.language} (Agent Factory)`;
      let captionId: string | undefined;
      if (resumed) {
        // An earlier attempt may have inserted them before it could record it.
        const { data } = await this.api.captions.list({ part: ["snippet"], videoId });
        captionId = data.items?.find((c) => c.snippet?.name === name)?.id ?? undefined;
      }
      if (!captionId) {
        const { data } = await this.api.captions.insert({
          part: ["snippet"],
          requestBody: { snippet: { videoId, language: up.language, name, isDraft: false } },
          media: { mimeType: "application/x-subrip", body: createReadStream(up.captionsFile) },
        }, this.mediaOptions);
        captionId = data.id ?? "inserted";
      }
      note("captionId", captionId);
    }

    let playlistId: string | undefined;
    if (up.playlist) {
      playlistId = noted("playlistId") ?? (await this.findOrCreatePlaylist(up.playlist));
      note("playlistId", playlistId);
      if (!noted("playlistItemId")) {
        const { data: existing } = await this.api.playlistItems.list({ part: ["snippet"], playlistId, videoId });
        let itemId = existing.items?.[0]?.id ?? undefined;
        if (!itemId) {
          const { data } = await this.api.playlistItems.insert({
            part: ["snippet"],
            requestBody: { snippet: { playlistId, resourceId: { kind: "youtube#video", videoId } } },
          });
          itemId = data.id ?? "inserted";
        }
        note("playlistItemId", itemId);
      }
    }

    return {
      videoId,
      ...(playlistId ? { playlistId } : {}),
      url: watchUrl(videoId),
      privacy: up.publishAt ? "private" : up.privacy,
      ...(up.publishAt ? { publishAt: up.publishAt } : {}),
      uploaded,
    };
  }

  /** The upload itself, resumed or confirmed from the records where possible. */
  private async ensureVideo(
    up: VideoUpload,
    noted: (name: string) => string | undefined,
    note: (name: string, value: string) => void,
  ): Promise<{ videoId: string; uploaded: boolean; resumed: boolean }> {
    const { log } = this.deps;
    const size = (await stat(up.videoFile)).size;
    const known = noted("videoId");
    if (known) {
      if (await this.videoExists(known)) {
        log.info("video already uploaded; not uploading again", { videoId: known });
        return { videoId: known, uploaded: false, resumed: true };
      }
      log.warn("the recorded video is no longer on YouTube (deleted?); uploading it again", { videoId: known });
    }

    let sessionUri = known ? undefined : noted("session");
    let offset = 0;
    if (sessionUri) {
      try {
        const state = await querySession(this.deps.auth, sessionUri, size, this.deps.signal);
        if (state.state === "complete") {
          note("videoId", state.resource.id);
          log.info("the interrupted upload had finished", { videoId: state.resource.id });
          return { videoId: state.resource.id, uploaded: false, resumed: true };
        }
        offset = state.received;
        log.info("resuming the upload", { offset, size });
      } catch (err) {
        if (!(err instanceof SessionGoneError)) throw err;
        const found = await this.findEarlierUpload(up.title, Number(noted("sessionStartedAt") ?? 0));
        if (found) {
          note("videoId", found);
          log.info("the upload session expired, but the video had been uploaded", { videoId: found });
          return { videoId: found, uploaded: false, resumed: true };
        }
        log.warn("the upload session expired before the video was complete; starting a new one");
        sessionUri = undefined;
      }
    }

    if (!sessionUri) {
      sessionUri = await startSession(this.deps.auth, {
        rootUrl: this.deps.rootUrl,
        parts: ["snippet", "status"],
        metadata: {
          snippet: {
            title: up.title,
            description: up.description,
            tags: up.tags,
            categoryId: up.categoryId,
            defaultLanguage: up.language,
            defaultAudioLanguage: up.language,
          },
          status: {
            privacyStatus: up.publishAt ? "private" : up.privacy,
            ...(up.publishAt ? { publishAt: up.publishAt } : {}),
            selfDeclaredMadeForKids: up.madeForKids,
            embeddable: true,
            license: "youtube",
          },
        },
        size,
        mimeType: up.mimeType,
      });
      // Before the first byte: a restart must find this session, not open a second one.
      note("session", sessionUri);
      note("sessionStartedAt", String(this.deps.now()));
    }

    const resource = await sendFrom(this.deps.auth, {
      sessionUri,
      file: up.videoFile,
      size,
      mimeType: up.mimeType,
      offset,
      chunkSize: this.deps.chunkBytes,
      ...(this.deps.signal ? { signal: this.deps.signal } : {}),
      onProgress: (sent, total) =>
        this.deps.onProgress?.(total ? sent / total : 1, `uploading ${(sent / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`),
    });
    note("videoId", resource.id);
    return { videoId: resource.id, uploaded: true, resumed: false };
  }

  /** True when the video is on the channel (any privacy). */
  async videoExists(videoId: string): Promise<boolean> {
    const { data } = await this.api.videos.list({ part: ["status"], id: [videoId] });
    return (data.items ?? []).some((v) => v.id === videoId);
  }

  /** A video with this title uploaded after `since` among the channel's 50 latest uploads. */
  private async findEarlierUpload(title: string, since: number): Promise<string | null> {
    const { data: channels } = await this.api.channels.list({ part: ["contentDetails"], mine: true });
    const uploads = channels.items?.[0]?.contentDetails?.relatedPlaylists?.uploads;
    if (!uploads) return null;
    const { data } = await this.api.playlistItems.list({ part: ["snippet"], playlistId: uploads, maxResults: 50 });
    const hit = (data.items ?? []).find(
      (i) => i.snippet?.title === title && Date.parse(i.snippet?.publishedAt ?? "") >= since - SKEW_MS,
    );
    return hit?.snippet?.resourceId?.videoId ?? null;
  }

  private async findOrCreatePlaylist(p: NonNullable<VideoUpload["playlist"]>): Promise<string> {
    let pageToken: string | undefined;
    for (let page = 0; page < 20; page++) {
      const { data } = await this.api.playlists.list({ part: ["snippet"], mine: true, maxResults: 50, ...(pageToken ? { pageToken } : {}) });
      const hit = data.items?.find((pl) => pl.snippet?.title === p.title);
      if (hit?.id) return hit.id;
      pageToken = data.nextPageToken ?? undefined;
      if (!pageToken) break;
    }
    const { data } = await this.api.playlists.insert({
      part: ["snippet", "status"],
      requestBody: { snippet: { title: p.title, description: p.description }, status: { privacyStatus: p.privacy } },
    });
    if (!data.id) throw new Error("YouTube created the playlist but returned no id");
    return data.id;
  }

  /** Current privacy and schedule of up to 50 videos per call; missing ids are absent from the map. */
  async statuses(ids: string[]): Promise<Map<string, { privacy: string; publishAt?: string; title?: string }>> {
    const out = new Map<string, { privacy: string; publishAt?: string; title?: string }>();
    for (let i = 0; i < ids.length; i += 50) {
      const { data } = await this.api.videos.list({ part: ["status", "snippet"], id: ids.slice(i, i + 50) });
      for (const v of data.items ?? []) {
        if (!v.id) continue;
        out.set(v.id, {
          privacy: v.status?.privacyStatus ?? "unknown",
          ...(v.status?.publishAt ? { publishAt: v.status.publishAt } : {}),
          ...(v.snippet?.title ? { title: v.snippet.title } : {}),
        });
      }
    }
    return out;
  }

  /**
   * Appends `line` to a video's description unless it is there already (so a retry adds it
   * once). videos.update replaces the whole snippet, so the current one is sent back with it.
   */
  async appendToDescription(videoId: string, line: string): Promise<boolean> {
    const { data } = await this.api.videos.list({ part: ["snippet"], id: [videoId] });
    const snippet = data.items?.[0]?.snippet;
    if (!snippet) throw new Error(`Video ${videoId} is not on the channel any more (deleted?).`);
    const description = snippet.description ?? "";
    if (description.includes(line)) return false;
    const next = `${description.trimEnd()}\n\n${line}`;
    if (Buffer.byteLength(next) > 5000) return false; // the lesson's own text wins over the link
    const body: youtube_v3.Schema$VideoSnippet = {
      title: snippet.title ?? "",
      description: next,
      categoryId: snippet.categoryId ?? "27",
      ...(snippet.tags ? { tags: snippet.tags } : {}),
      ...(snippet.defaultLanguage ? { defaultLanguage: snippet.defaultLanguage } : {}),
      ...(snippet.defaultAudioLanguage ? { defaultAudioLanguage: snippet.defaultAudioLanguage } : {}),
    };
    await this.api.videos.update({ part: ["snippet"], requestBody: { id: videoId, snippet: body } });
    return true;
  }

  /**
   * Makes a video public now, or schedules it (`publishAt`, which YouTube requires to be private
   * until then). The whole status is sent back, because videos.update resets omitted fields.
   */
  async approve(videoId: string, publishAt: string | null): Promise<{ privacy: string; publishAt?: string }> {
    const { data } = await this.api.videos.list({ part: ["status"], id: [videoId] });
    const current = data.items?.[0]?.status;
    if (!current) throw new Error(`Video ${videoId} is not on the channel any more (deleted?).`);
    const status: youtube_v3.Schema$VideoStatus = {
      ...current,
      privacyStatus: publishAt ? "private" : "public",
      publishAt,
    };
    if (!publishAt) delete status.publishAt;
    delete status.uploadStatus;
    delete status.failureReason;
    delete status.rejectionReason;
    delete status.madeForKids; // read-only; selfDeclaredMadeForKids is the writable one
    const { data: updated } = await this.api.videos.update({ part: ["status"], requestBody: { id: videoId, status } });
    return {
      privacy: updated.status?.privacyStatus ?? status.privacyStatus!,
      ...(updated.status?.publishAt ? { publishAt: updated.status.publishAt } : {}),
    };
  }
}
