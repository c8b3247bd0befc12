/**
 * The content contract: the knowledge base (atoms, courses) and what the pipeline makes of it
 * (scripts, media, uploads). zod only, no I/O; types are inferred, never written twice.
 */
import { z } from "zod";
import { Visual } from "./visual.ts";

/** A slug that is safe as a file name and a path segment: `ohms-law`, `ton-timer`. */
export const Slug = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case letters and digits joined by single hyphens (a slug)");

export const AtomKind = z.enum(["concept", "procedure", "fault", "example", "reference", "safety"]);
export const Level = z.enum(["beginner", "intermediate", "advanced"]);

export const Source = z.object({
  title: z.string().min(1),
  url: z.string().url().optional(),
  publisher: z.string().optional(),
  note: z.string().optional(),
  /** A file under kb/sources/ this atom draws on (summarized in kb/sources/index.json). */
  path: z
    .string()
    .regex(/^kb\/sources\/(?!(?:.*\/)?\.\.?(?:\/|$))[^\0]+$/, "must be a path under kb/sources/ (no . or .. segments)")
    .optional(),
  /** With `path`: the section number in that source's summary (kb/sources/index.json), from 1. */
  section: z.number().int().min(1).optional(),
});

/** One unit of knowledge: the input of one lesson video. Stored as kb/atoms/<id>.json. */
export const PLCAtom = z.object({
  id: Slug,
  title: z.string().min(3).max(120),
  kind: AtomKind,
  /** One line: what the learner gets. The agent's "external memory" of this atom. */
  summary: z.string().min(10).max(240),
  /** Markdown. `## ` headings become sections of the lesson. */
  body: z.string().min(20),
  prerequisites: z.array(Slug).default([]),
  tags: z.array(z.string().min(1)).default([]),
  level: Level,
  sources: z.array(Source).min(1, "cite at least one source"),
  safetyNotes: z.array(z.string()).default([]),
  /**
   * Structured diagrams for the lesson, each tied to a `## ` section of the body by its heading
   * (optional: without them the writer derives what it can, e.g. formulas and tables).
   */
  visuals: z.array(z.object({ section: z.string().min(1).max(100), visual: Visual })).max(12).optional(),
  /**
   * A simulation task of kb/sim/ this lesson shows solved: its passing program (an `st` visual)
   * and a timing chart of that program run against the task's plant (`factory kb validate`
   * checks the task exists).
   */
  simTask: Slug.optional(),
  version: z.number().int().min(1),
});
export type PLCAtom = z.infer<typeof PLCAtom>;

export const CourseModule = z.object({
  id: Slug,
  title: z.string().min(1),
  atoms: z.array(Slug).min(1),
});

/** An ordered path through atoms. Stored as kb/courses/<id>.json. */
export const Course = z.object({
  id: Slug,
  title: z.string().min(3),
  audience: z.string().min(3),
  description: z.string().optional(),
  modules: z.array(CourseModule).min(1),
});
export type Course = z.infer<typeof Course>;

/** One line of the KB index the agent reads instead of whole files. */
export const AtomIndexEntry = z.object({
  id: Slug,
  title: z.string(),
  summary: z.string(),
  path: z.string(),
});
export type AtomIndexEntry = z.infer<typeof AtomIndexEntry>;

export const ScriptSection = z.object({
  heading: z.string().min(1).max(100),
  narration: z.string().min(1),
  bullets: z.array(z.string().min(1).max(120)).max(6),
  /** Free text from older scripts and atoms ("> Visual: ..."): kept, drawn only when no `visual` is given. */
  visualHint: z.string().max(300).optional(),
  /** The diagram the slide draws, built up as the narration goes. */
  visual: Visual.optional(),
});
export type ScriptSection = z.infer<typeof ScriptSection>;

export const Provenance = z.object({
  /** sha256 of everything the writer was given (atom, prerequisite summaries, course place, prompt version). */
  sourceHash: z.string(),
  writer: z.enum(["claude", "offline"]),
  model: z.string().nullable(),
  promptVersion: z.string(),
  createdAt: z.string().optional(),
  /**
   * What the script was made from in kb/sources/: each cited section (or whole file) and the
   * sha256 of its text (null: it could not be opened). A later change there marks the lesson stale.
   */
  sources: z.array(z.object({ path: z.string(), section: z.number().int().min(1).optional(), sha256: z.string().nullable() })).optional(),
});

/**
 * A Short, written as its own piece for a phone: one idea, a hook said in the first two seconds,
 * at most about 60 s of speech (≈ 150 words in all), a real ending that points to the full lesson.
 */
export const ShortScript = z.object({
  /** The Short's YouTube title (the publisher adds #Shorts). */
  title: z.string().min(3).max(90),
  hook: z.string().min(1).max(160),
  narration: z.string().min(1).max(700),
  /** Closes the idea and points to the full lesson ("The full lesson is linked below."). */
  ending: z.string().min(1).max(200),
  visual: Visual.optional(),
});
export type ShortScript = z.infer<typeof ShortScript>;

/** A lesson script written from one atom. */
export const VideoScript = z.object({
  atomId: Slug,
  title: z.string().min(3).max(120),
  hook: z.string().min(1),
  sections: z.array(ScriptSection).min(1).max(12),
  outro: z.string().min(1),
  /** The Short made from this lesson; older scripts have none (the render then cuts one from the lesson). */
  short: ShortScript.optional(),
  youtube: z.object({
    title: z.string().min(3).max(100),
    description: z.string().max(5000),
    tags: z.array(z.string()).max(30),
  }),
  estimatedDurationSec: z.number().positive(),
  provenance: Provenance,
});
export type VideoScript = z.infer<typeof VideoScript>;

/** Narration of one part of a script (hook, each section, outro), with its measured duration. */
export const NarrationClip = z.object({
  part: z.string(), // "hook", "section-0", ..., "outro"
  path: z.string(), // relative to the artifacts dir
  durationSec: z.number().positive(),
  text: z.string(),
  /** [start, end] seconds of each whitespace-separated word of `text`, from the voice's own timings where it gives them. */
  words: z.array(z.tuple([z.number(), z.number()])).optional(),
});
export type NarrationClip = z.infer<typeof NarrationClip>;

/** Everything the render and publish steps made for one script. Paths are relative to the artifacts dir. */
export const MediaAssets = z.object({
  atomId: Slug,
  scriptHash: z.string(),
  narration: z.object({
    provider: z.string(),
    voice: z.string(),
    clips: z.array(NarrationClip),
    totalSec: z.number().positive(),
  }),
  lesson: z.string().optional(), // 1920x1080 mp4
  short: z.string().optional(), // 1080x1920 mp4
  shortSec: z.number().positive().optional(),
  thumbnail: z.string().optional(), // 1280x720 png
  captionsSrt: z.string().optional(),
  captionsVtt: z.string().optional(),
});
export type MediaAssets = z.infer<typeof MediaAssets>;

export const Privacy = z.enum(["private", "unlisted", "public"]);

/** One video to publish: what the publish step needs, and what it recorded. */
export const UploadJob = z.object({
  atomId: Slug,
  courseId: Slug.nullable(),
  videoPath: z.string(),
  thumbnailPath: z.string().optional(),
  captionsPath: z.string().optional(),
  title: z.string().max(100),
  description: z.string().max(5000),
  tags: z.array(z.string()),
  privacy: Privacy.default("private"),
  publishAt: z.string().datetime().optional(),
  /** Recorded before anything else once known, so an upload is never made twice. */
  sessionUri: z.string().optional(),
  videoId: z.string().optional(),
});
export type UploadJob = z.infer<typeof UploadJob>;
