/**
 * The local publisher: what would go to YouTube, written into a folder instead —
 * `<folder>/<course>/<atom>/` with lesson.mp4, its Short (short.mp4, 1080×1920), captions
 * (.srt/.vtt), thumbnail.png and metadata.json. Used when there are no YouTube credentials (the demo uses it).
 *
 * The folder is built beside its final place and renamed over it, so a reader never sees half
 * a lesson and a re-run replaces rather than mixes.
 */
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { Privacy } from "../../shared/models.ts";

/** The metadata.json of a locally published lesson. */
export const LocalMetadata = z.object({
  atomId: z.string(),
  courseId: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  privacy: Privacy,
  publishAt: z.string().optional(),
  publishedAt: z.string(),
  /** File names inside the folder, by role. */
  files: z.record(z.string(), z.string()),
});
export type LocalMetadata = z.infer<typeof LocalMetadata>;

/** Folder name used for atoms that belong to no course. */
export const NO_COURSE = "no-course";

export interface LocalPublishInput {
  /** Absolute publish root (e.g. <cwd>/out/published). */
  root: string;
  atomId: string;
  courseId: string | null;
  /** Absolute source files by role: video (required), captionsSrt, captionsVtt, thumbnail. */
  files: { video: string; captionsSrt?: string; captionsVtt?: string; thumbnail?: string; short?: string };
  title: string;
  description: string;
  tags: string[];
  privacy: "private" | "unlisted" | "public";
  publishAt?: string;
  now: Date;
}

/** The folder a lesson is published into. */
export function localFolder(root: string, courseId: string | null, atomId: string): string {
  return join(root, courseId ?? NO_COURSE, atomId);
}

const TARGET_NAMES: Record<string, string> = {
  video: "lesson",
  captionsSrt: "captions",
  captionsVtt: "captions",
  thumbnail: "thumbnail",
  short: "short",
};

/** Writes the lesson folder and returns its path and metadata. */
export async function publishLocal(input: LocalPublishInput): Promise<{ folder: string; metadata: LocalMetadata; url: string }> {
  const folder = localFolder(input.root, input.courseId, input.atomId);
  const staging = `${folder}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const files: Record<string, string> = {};
  for (const [role, source] of Object.entries(input.files)) {
    if (!source) continue;
    const name = `${TARGET_NAMES[role] ?? basename(source, extname(source))}${extname(source)}`;
    await copyFile(source, join(staging, name));
    files[role] = name;
  }
  const metadata: LocalMetadata = {
    atomId: input.atomId,
    courseId: input.courseId,
    title: input.title,
    description: input.description,
    tags: input.tags,
    privacy: input.publishAt ? "private" : input.privacy,
    ...(input.publishAt ? { publishAt: input.publishAt } : {}),
    publishedAt: input.now.toISOString(),
    files,
  };
  await writeFile(join(staging, "metadata.json"), JSON.stringify(metadata, null, 2) + "\n");
  // rename() cannot replace a non-empty directory: move the old one aside first.
  const old = `${folder}.old-${process.pid}`;
  await rm(old, { recursive: true, force: true });
  await rename(folder, old).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
  await rename(staging, folder);
  await rm(old, { recursive: true, force: true });
  return { folder, metadata, url: pathToFileURL(join(folder, files.video ?? "")).href };
}

/** Reads a lesson folder's metadata.json, or null when it is missing or unreadable. */
export async function readLocalMetadata(folder: string): Promise<LocalMetadata | null> {
  try {
    return LocalMetadata.parse(JSON.parse(await readFile(join(folder, "metadata.json"), "utf8")));
  } catch {
    return null;
  }
}

/** The local counterpart of approving on YouTube: rewrites privacy/publishAt in metadata.json. */
export async function approveLocal(folder: string, publishAt: string | null): Promise<LocalMetadata> {
  const meta = await readLocalMetadata(folder);
  if (!meta) throw new Error(`No published lesson at ${folder} (metadata.json missing). Run the pipeline first.`);
  const next: LocalMetadata = { ...meta, privacy: publishAt ? "private" : "public" };
  if (publishAt) next.publishAt = publishAt;
  else delete next.publishAt;
  const tmp = join(folder, `metadata.json.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(next, null, 2) + "\n");
  await rename(tmp, join(folder, "metadata.json"));
  return next;
}
