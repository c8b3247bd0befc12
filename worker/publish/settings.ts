/**
 * `settings.publish`: where and how videos go out. Every field has a default, so an empty
 * config publishes locally, privately.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { Privacy } from "../../shared/models.ts";

/** Where the OAuth client and the refresh token live unless configured otherwise. */
export const DEFAULT_YOUTUBE_DIR = join(homedir(), ".config", "agent-factory", "youtube");

/** A file path where a leading `~/` means the home directory, as the owner would write it. */
const HomePath = z.string().min(1).transform((p) => (p === "~" || p.startsWith("~/") ? join(homedir(), p.slice(1)) : p));

export const YouTubeSettings = z.object({
  /** The OAuth client JSON downloaded from the Google Cloud console ("Desktop app"). */
  clientFile: HomePath.default(join(DEFAULT_YOUTUBE_DIR, "client_secret.json")),
  /** Written by `factory youtube auth`, mode 0600. */
  tokenFile: HomePath.default(join(DEFAULT_YOUTUBE_DIR, "token.json")),
  /** API root; tests point it at a loopback fake. */
  rootUrl: z.string().url().default("https://youtube.googleapis.com/"),
  /** Token endpoint; tests point it at the fake. */
  tokenUrl: z.string().url().default("https://oauth2.googleapis.com/token"),
  /** Bytes per upload request (rounded down to 256 KiB multiples). */
  chunkBytes: z.number().int().min(256 * 1024).default(8 * 1024 * 1024),
  /** 27 = Education. */
  categoryId: z.string().default("27"),
  /** Language of titles, descriptions and captions. */
  language: z.string().default("en"),
  madeForKids: z.boolean().default(false),
  /** One playlist per course, created when missing. */
  playlistPerCourse: z.boolean().default(true),
  playlistPrivacy: Privacy.default("private"),
  /** Upload each lesson's Short too (its own upload, same privacy and review gate). */
  shorts: z.boolean().default(true),
});
export type YouTubeSettings = z.infer<typeof YouTubeSettings>;

export const WritebackSettings = z.object({
  /** Off by default: the factory writes to the content repository only when asked to. */
  enabled: z.boolean().default(false),
  /** Never the watched branch; refused if equal to it. */
  branch: z.string().min(1).default("factory/scripts"),
  /** Folder inside the branch for the scripts. */
  folder: z.string().min(1).default("scripts"),
  /** Remote to push to; null = commit locally only. */
  remote: z.string().min(1).nullable().default("origin"),
  authorName: z.string().min(1).default("Agent Factory"),
  authorEmail: z.string().min(3).default("agent-factory@users.noreply.github.com"),
});
export type WritebackSettings = z.infer<typeof WritebackSettings>;

export const PublishSettings = z.object({
  /** "local" writes under `folder`; "youtube" uploads. The demo and machines without credentials use local. */
  target: z.enum(["local", "youtube"]).default("local"),
  /** Review gate: private until `factory publish approve`. */
  privacy: Privacy.default("private"),
  /** Local publish folder (relative paths resolve against the current directory). */
  folder: HomePath.default("out/published"),
  youtube: YouTubeSettings.prefault({}),
  writeback: WritebackSettings.prefault({}),
});
export type PublishSettings = z.infer<typeof PublishSettings>;

/** Reads `settings.publish`, with a message that names the bad field. */
export function publishSettings(settings: Record<string, unknown>): PublishSettings {
  const parsed = PublishSettings.safeParse(settings.publish ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`settings.publish.${issue.path.join(".")}: ${issue.message}. Fix the config file and try again.`);
  }
  return parsed.data;
}
