/**
 * The contract of kb/sources/index.json: the reversible summaries of the long material an owner
 * keeps in kb/sources/ (vendor manuals as Markdown, text or PDF; logs). Agents read this index
 * first and open one section at a time by its range (worker/kb/sources-open.ts), never a whole
 * source. zod only, no I/O.
 */
import { z } from "zod";

/** Where sources live and where their index is, relative to the repository root. */
export const SOURCES_DIR = "kb/sources";
export const SOURCES_INDEX_FILE = "kb/sources/index.json";

/** How a source is read: by its extension. */
export const SourceKind = z.enum(["markdown", "text", "log", "pdf"]);
export type SourceKind = z.infer<typeof SourceKind>;

/**
 * One section of a source: lines `start`..`end` (1-based, inclusive) of a text file, or pages
 * `start`..`end` (1-based, inclusive) of a PDF. Sections are numbered from 1 in file order and
 * never overlap; together they cover the document (a too-long section is split into parts).
 */
export const SourceSection = z.object({
  n: z.number().int().min(1),
  title: z.string().min(1).max(200),
  unit: z.enum(["lines", "pages"]),
  start: z.number().int().min(1),
  end: z.number().int().min(1),
  /** Heading level (1-6) when the section starts at a Markdown or text heading. */
  level: z.number().int().min(1).max(6).optional(),
  /** The section's first sentence, a hint of what it holds. */
  lead: z.string().max(300).optional(),
  /** Logs: how many lines of this chunk say ERROR (or FATAL) and WARN(ING). */
  counts: z.object({ error: z.number().int().min(0), warn: z.number().int().min(0) }).optional(),
});
export type SourceSection = z.infer<typeof SourceSection>;

/** The reversible summary of one source file. */
export const SourceSummary = z.object({
  /** Repository-relative path, always under kb/sources/. */
  path: z.string().min(1),
  kind: SourceKind,
  /** sha256 (hex) of the file's bytes: an unchanged file is not read again. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  /** Lines (text) or pages (PDF) in the file. */
  length: z.number().int().min(0),
  unit: z.enum(["lines", "pages"]),
  /** A few first sentences of the document's prose (offline: its own words, never invented). */
  abstract: z.string().max(600),
  sections: z.array(SourceSection),
});
export type SourceSummary = z.infer<typeof SourceSummary>;

/** A source that could not be summarized, and why (the others still are). */
export const SourceProblem = z.object({ path: z.string(), message: z.string() });
export type SourceProblem = z.infer<typeof SourceProblem>;

/** kb/sources/index.json. */
export const SourcesIndex = z.object({
  generatedBy: z.string(),
  /** Version of the summarizer: a summary made by another version is made again. */
  summarizer: z.number().int().min(1),
  sources: z.array(SourceSummary),
  problems: z.array(SourceProblem).default([]),
});
export type SourcesIndex = z.infer<typeof SourcesIndex>;
