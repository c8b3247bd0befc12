/**
 * Reversible summaries of kb/sources/: for every .md, .txt, .log and .pdf file, an abstract, a
 * table of sections with line (or page) ranges, the path and a sha256, all in
 * kb/sources/index.json. `factory kb summarize` and the sync pipeline's maintenance step call
 * {@link summarizeSources}; agents then open one section at a time (./sources-open.ts).
 *
 * Hostile input stays per file: a binary, empty, oversized or unparsable file becomes a
 * problem entry with a plain reason, and every other file is still summarized. Text is read as a
 * stream (a large log never sits in memory); an unchanged file (same sha256, same summarizer
 * version) keeps its summary without being parsed again.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, open, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  SOURCES_DIR,
  SOURCES_INDEX_FILE,
  type SourceKind,
  type SourceProblem,
  type SourceSection,
  type SourceSummary,
  SourcesIndex,
} from "../../shared/sources.ts";
import { readTextIfExists } from "../durable-json.ts";
import { PdfError, readPdf } from "./pdf-text.ts";
import { SectionScanner, abstractOf, firstSentences } from "./sources-scan.ts";

/** Bump when summaries change shape or rules: every source is then summarized again. */
export const SUMMARIZER_VERSION = 1;
/** Largest text or log file read (bytes). */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;
/** Largest PDF read (bytes): PDF.js holds the whole file in memory. */
export const MAX_PDF_BYTES = 64 * 1024 * 1024;
/** Longest line accepted in a text source (a longer one means it is not prose: minified, binary). */
export const MAX_LINE_CHARS = 64 * 1024;
/** Pages per section of a PDF without an outline. */
export const PDF_PAGES_PER_SECTION = 5;

const KINDS: Record<string, SourceKind> = { ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".log": "log", ".pdf": "pdf" };

/** The kind a path is read as, or null when its extension is not one the summarizer reads. */
function sourceKindOf(path: string): SourceKind | null {
  const m = /(\.[A-Za-z]+)$/.exec(path);
  return m ? (KINDS[m[1]!.toLowerCase()] ?? null) : null;
}

/** A source could not be summarized or opened; the message names the file and the reason. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(abs: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Refuses binary data: a NUL byte or invalid UTF-8 in the first 8 KiB. */
async function assertText(abs: string): Promise<void> {
  const fh = await open(abs, "r");
  try {
    const buf = Buffer.alloc(8192);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.includes(0)) throw new SourceError("is binary (it holds NUL bytes), not text: convert it to .md, .txt or .pdf");
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    } catch {
      throw new SourceError("is not UTF-8 text: save it as UTF-8");
    }
  } finally {
    await fh.close();
  }
}

/** Every line of a text file, streamed (LF or CRLF endings, as readline splits them). */
export async function* textLines(abs: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(abs, { encoding: "utf8" }), crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

async function summarizeText(abs: string, kind: Exclude<SourceKind, "pdf">): Promise<{ length: number; abstract: string; sections: SourceSection[] }> {
  await assertText(abs);
  const scanner = new SectionScanner(kind);
  let n = 0;
  for await (const line of textLines(abs)) {
    n += 1;
    if (line.length > MAX_LINE_CHARS) {
      throw new SourceError(`line ${n} is ${line.length} characters long (limit ${MAX_LINE_CHARS}): not a readable text document`);
    }
    scanner.push(line);
  }
  const r = scanner.finish();
  return { length: r.lines, abstract: r.abstract, sections: r.sections };
}

async function summarizePdf(abs: string): Promise<{ length: number; abstract: string; sections: SourceSection[] }> {
  let pdf;
  try {
    pdf = await readPdf(await readFile(abs));
  } catch (e) {
    if (e instanceof PdfError) throw new SourceError(`is ${e.message}`);
    throw e;
  }
  const pages = pdf.pages.length;
  // A page is the PDF's nearest thing to a paragraph: PDF.js gives lines, not blocks.
  const abstract = abstractOf(pdf.pages.slice(0, 3).filter((p) => p.trim()));
  const lead = (p: number) => {
    const s = firstSentences(pdf.pages[p - 1] ?? "", 200, 1);
    return s ? { lead: s } : {};
  };
  const sections: SourceSection[] = [];
  const starts = pdf.outline.filter((o, i, all) => o.page <= pages && (i === 0 || all[i - 1]!.page !== o.page));
  if (starts.length) {
    if (starts[0]!.page > 1) starts.unshift({ title: "(before the first bookmark)", page: 1 });
    starts.forEach((o, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]!.page - 1 : pages;
      sections.push({ n: i + 1, title: o.title.slice(0, 200), unit: "pages", start: o.page, end, ...lead(o.page) });
    });
  } else {
    for (let p = 1; p <= pages; p += PDF_PAGES_PER_SECTION) {
      const end = Math.min(pages, p + PDF_PAGES_PER_SECTION - 1);
      sections.push({ n: sections.length + 1, title: p === end ? `Page ${p}` : `Pages ${p}-${end}`, unit: "pages", start: p, end, ...lead(p) });
    }
  }
  return { length: pages, abstract, sections };
}

/** Every file under kb/sources/ (sorted, repository-relative), except the index itself. */
async function listSourceFiles(repoDir: string, rel: string, out: string[], problems: SourceProblem[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(join(repoDir, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  for (const name of names.sort()) {
    if (name.startsWith(".")) continue;
    const path = `${rel}/${name}`;
    if (path === SOURCES_INDEX_FILE) continue;
    const st = await lstat(join(repoDir, path));
    if (st.isSymbolicLink()) {
      problems.push({ path, message: "is a symbolic link: commit the file itself (a link could point outside the repository)" });
    } else if (st.isDirectory()) await listSourceFiles(repoDir, path, out, problems);
    else if (st.isFile()) out.push(path);
  }
}

/** Reads kb/sources/index.json; null when absent or unreadable (it is then rebuilt). */
export async function readSourcesIndex(repoDir: string): Promise<SourcesIndex | null> {
  const text = await readTextIfExists(join(repoDir, SOURCES_INDEX_FILE));
  if (text === null) return null;
  try {
    const r = SourcesIndex.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Size limits (bytes); the defaults are {@link MAX_TEXT_BYTES} and {@link MAX_PDF_BYTES}. */
export interface SourceLimits {
  maxTextBytes?: number;
  maxPdfBytes?: number;
}

/** Summarizes one file (repository-relative path); throws {@link SourceError} with the reason. */
async function summarizeSource(repoDir: string, path: string, sha256: string, bytes: number, limits: SourceLimits = {}): Promise<SourceSummary> {
  const maxText = limits.maxTextBytes ?? MAX_TEXT_BYTES;
  const maxPdf = limits.maxPdfBytes ?? MAX_PDF_BYTES;
  const kind = sourceKindOf(path);
  if (!kind) throw new SourceError("has an extension the summarizer does not read (it reads .md, .txt, .log and .pdf)");
  if (bytes === 0) throw new SourceError("is empty: nothing to summarize");
  const abs = join(repoDir, path);
  if (kind === "pdf") {
    if (bytes > maxPdf) throw new SourceError(`is ${bytes} bytes; PDFs over ${maxPdf} bytes are not read: split it`);
    const r = await summarizePdf(abs);
    return { path, kind, sha256, bytes, unit: "pages", ...r };
  }
  if (bytes > maxText) throw new SourceError(`is ${bytes} bytes; text over ${maxText} bytes is not read: split it`);
  const r = await summarizeText(abs, kind);
  return { path, kind, sha256, bytes, unit: "lines", ...r };
}

export interface SummarizeOutcome {
  index: SourcesIndex;
  /** Paths summarized anew (new or changed). */
  summarized: string[];
  /** Paths whose summary was kept (same sha256). */
  reused: string[];
  /** Paths whose sha256 differs from the previous index (changed since it was written). */
  changed: string[];
}

/**
 * Summarizes every source of the checkout at `repoDir`, reusing the previous index's summary of
 * an unchanged file. Does not write anything: see {@link writeSourcesIndex}.
 */
export async function summarizeSources(repoDir: string, limits: SourceLimits = {}): Promise<SummarizeOutcome> {
  const previous = await readSourcesIndex(repoDir);
  const known = new Map((previous?.summarizer === SUMMARIZER_VERSION ? previous.sources : []).map((s) => [s.path, s] as const));
  const oldSha = new Map((previous?.sources ?? []).map((s) => [s.path, s.sha256] as const));
  const problems: SourceProblem[] = [];
  const files: string[] = [];
  await listSourceFiles(repoDir, SOURCES_DIR, files, problems);
  const sources: SourceSummary[] = [];
  const summarized: string[] = [];
  const reused: string[] = [];
  const changed: string[] = [];
  for (const path of files) {
    try {
      const bytes = (await lstat(join(repoDir, path))).size;
      const sha = await sha256File(join(repoDir, path));
      const was = oldSha.get(path);
      if (was !== undefined && was !== sha) changed.push(path);
      const seen = known.get(path);
      if (seen && seen.sha256 === sha) {
        sources.push(seen);
        reused.push(path);
        continue;
      }
      sources.push(await summarizeSource(repoDir, path, sha, bytes, limits));
      summarized.push(path);
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      problems.push({ path, message: `${path} ${e.message}` });
    }
  }
  const index: SourcesIndex = { generatedBy: "factory kb summarize (do not edit by hand)", summarizer: SUMMARIZER_VERSION, sources, problems };
  return { index, summarized, reused, changed };
}

/** The index as file text: stable formatting, trailing newline. */
export function sourcesIndexText(index: SourcesIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

/** Writes kb/sources/index.json atomically; returns whether its text changed. */
export async function writeSourcesIndex(repoDir: string, index: SourcesIndex): Promise<boolean> {
  const path = join(repoDir, SOURCES_INDEX_FILE);
  const text = sourcesIndexText(index);
  const old = await readFile(path, "utf8").catch(() => null);
  if (old === text) return false;
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return true;
}
