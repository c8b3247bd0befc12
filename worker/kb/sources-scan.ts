/**
 * The section table and abstract of a text source, pure and in one pass: lines go in one at a
 * time (a 200 MB log never sits in memory), a {@link ScanResult} comes out. Markdown sections
 * come from its headings, plain text from heading-like lines (or fixed-size chunks when it has
 * too few), logs from fixed-size chunks with their ERROR/WARN counts. A section longer than
 * {@link MAX_SECTION_LINES} is cut into parts, so opening one section always stays small.
 */
import type { SourceKind, SourceSection } from "../../shared/sources.ts";

/** Lines per chunk when a document has no headings to cut it by. */
export const CHUNK_LINES = 200;
/** Lines per chunk of a log. */
export const LOG_CHUNK_LINES = 400;
/** The longest a section may be; longer ones are split into "(part k)" sections. */
export const MAX_SECTION_LINES = 400;
/** The abstract's length bound (characters). */
export const ABSTRACT_CHARS = 400;
const PROSE_BUFFER_CHARS = 3000;
const TITLE_CHARS = 120;
const LEAD_CHARS = 200;

export interface ScanResult {
  lines: number;
  abstract: string;
  sections: SourceSection[];
}

interface Mark {
  line: number;
  title: string;
  level?: number;
  lead?: string;
}

const ATX = /^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(```|~~~)/;
const UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const TEXT_UNDERLINE = /^\s*([=\-~*])\1{2,}\s*$/;
const NUMBERED = /^(?:\d+(?:\.\d+)*\.?|[A-Z]\.|[IVXLC]+\.)\s+\S/;
const CHAPTER = /^(?:chapter|section|part|appendix)\s+\S+/i;
const ALL_CAPS = /^[A-Z0-9][A-Z0-9 ,'&/()\-:]{2,}$/;
const ERROR_WORD = /\b(?:ERROR|ERR|FATAL|CRITICAL)\b/;
const WARN_WORD = /\b(?:WARN|WARNING)\b/;

const clip = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1).trimEnd()}…`);

/** Inline Markdown reduced to its words: links, emphasis, code spans, images, HTML tags. */
function plainInline(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|\W)[*_](\S(?:.*?\S)?)[*_](?=\W|$)/g, "$1$2")
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "")
    .replace(/^\s*>\s?/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** A line that carries prose (not a rule, a table row, a comment or a code-ish line). */
function isProse(line: string): boolean {
  const t = line.trim();
  if (t.length < 2) return false;
  if (/^(?:\||<!--|-->|[=\-~*_]{3,}$|```|~~~)/.test(t)) return false;
  return /[A-Za-z]{2}/.test(t);
}

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/**
 * The first sentences of `prose` (Intl.Segmenter's sentence boundaries) up to about `maxChars`,
 * at most `maxSentences`; at least one sentence, clipped to `maxChars`.
 */
export function firstSentences(prose: string, maxChars: number, maxSentences = Infinity): string {
  const text = prose.replace(/\s+/g, " ").trim();
  if (!text) return "";
  let out = "";
  let count = 0;
  for (const { segment } of segmenter.segment(text)) {
    const s = segment.trim();
    if (!s) continue;
    if (out && out.length + 1 + s.length > maxChars) break;
    out = out ? `${out} ${s}` : s;
    count += 1;
    if (count >= maxSentences || out.length >= maxChars * 0.6) break;
  }
  return clip(out, maxChars);
}

/**
 * An abstract from a document's prose paragraphs: the first sentences of its first paragraph
 * (and the next ones while that is shorter than 30 characters: a date or version line), in the document's own words.
 */
export function abstractOf(paragraphs: readonly string[], maxChars = ABSTRACT_CHARS): string {
  let text = "";
  for (const p of paragraphs) {
    text = text ? `${text} ${p}` : p;
    if (text.length >= 30) break;
  }
  return firstSentences(text, maxChars);
}

/**
 * Scans one source, line by line. Feed every line (without its line ending) to {@link push},
 * then call {@link finish}.
 */
export class SectionScanner {
  private n = 0;
  private inFence = false;
  /** Prose paragraphs from the start of the document, for the abstract. */
  private prose: string[] = [];
  private proseOpen = false;
  private proseChars = 0;
  private readonly marks: Mark[] = [];
  /** Plain text: heading-like lines, confirmed by the line after them. */
  private readonly candidates: Mark[] = [];
  private pendingCandidate: Mark | null = null;
  /** The first prose line of every fixed-size chunk, for chunked leads. */
  private readonly chunkLeads = new Map<number, string>();
  private readonly chunkCounts = new Map<number, { error: number; warn: number }>();
  private prev = "";
  private prevPrev = "";
  private leadFor: Mark | null = null;

  constructor(private readonly kind: Exclude<SourceKind, "pdf">) {}

  private chunkSize(): number {
    return this.kind === "log" ? LOG_CHUNK_LINES : CHUNK_LINES;
  }

  push(raw: string): void {
    const line = raw.charCodeAt(0) === 0xfeff && this.n === 0 ? raw.slice(1) : raw;
    this.n += 1;
    const chunk = Math.floor((this.n - 1) / this.chunkSize());
    if (!this.chunkLeads.has(chunk) && line.trim()) this.chunkLeads.set(chunk, clip(line.trim(), TITLE_CHARS));
    if (this.kind === "log") {
      const c = this.chunkCounts.get(chunk) ?? { error: 0, warn: 0 };
      if (ERROR_WORD.test(line)) c.error += 1;
      else if (WARN_WORD.test(line)) c.warn += 1;
      this.chunkCounts.set(chunk, c);
    } else if (this.kind === "markdown") this.pushMarkdown(line);
    else this.pushText(line);
    this.prevPrev = this.prev;
    this.prev = line;
  }

  private takeProse(line: string): void {
    if (this.leadFor && isProse(line)) {
      this.leadFor.lead = firstSentences(plainInline(line), LEAD_CHARS, 1);
      this.leadFor = null;
    }
    if (!line.trim()) {
      this.proseOpen = false;
      return;
    }
    if (this.proseChars < PROSE_BUFFER_CHARS && isProse(line)) {
      const p = this.kind === "markdown" ? plainInline(line) : line.trim();
      if (this.proseOpen) this.prose[this.prose.length - 1] += ` ${p}`;
      else this.prose.push(p);
      this.proseOpen = true;
      this.proseChars += p.length + 1;
    }
  }

  private pushMarkdown(line: string): void {
    if (FENCE.test(line)) {
      this.inFence = !this.inFence;
      return;
    }
    if (this.inFence) return;
    const atx = ATX.exec(line);
    if (atx) {
      this.mark({ line: this.n, title: plainInline(atx[2]!), level: atx[1]!.length });
      return;
    }
    // Setext heading: a one-line paragraph underlined with === or ---.
    const under = UNDERLINE.exec(line);
    if (under && this.prev.trim() && !this.prevPrev.trim() && !ATX.test(this.prev) && isProse(this.prev)) {
      const title = plainInline(this.prev);
      // The underlined line was taken as prose (a paragraph of its own): take it back out.
      if (this.prose[this.prose.length - 1] === title) this.prose.pop();
      this.proseOpen = false;
      this.mark({ line: this.n - 1, title, level: under[1]!.startsWith("=") ? 1 : 2 });
      return;
    }
    this.takeProse(line);
  }

  private mark(m: Mark): void {
    if (!m.title) return;
    // Headings deeper than ### stay inside their parent section.
    if (m.level !== undefined && m.level > 3) {
      this.takeProse(m.title);
      return;
    }
    m.title = clip(m.title, TITLE_CHARS);
    this.marks.push(m);
    this.leadFor = m;
  }

  private pushText(line: string): void {
    if (this.pendingCandidate) {
      const c = this.pendingCandidate;
      this.pendingCandidate = null;
      if (!line.trim() || TEXT_UNDERLINE.test(line)) {
        this.candidates.push(c);
        this.leadFor = c;
        if (TEXT_UNDERLINE.test(line)) return;
      } else {
        // Not a heading after all: the candidate was a short line of prose.
        this.takeProse(this.prev);
      }
    }
    const t = line.trim();
    const looksLikeHeading =
      t.length >= 3 &&
      t.length <= 80 &&
      !this.prev.trim() &&
      !/[.,;!?]$/.test(t) &&
      (NUMBERED.test(t) || CHAPTER.test(t) || ALL_CAPS.test(t));
    if (looksLikeHeading) {
      this.pendingCandidate = { line: this.n, title: clip(t, TITLE_CHARS) };
      return;
    }
    this.takeProse(line);
  }

  /** The result; the scanner must not be used afterwards. */
  finish(): ScanResult {
    if (this.pendingCandidate) this.candidates.push(this.pendingCandidate);
    const total = this.n;
    const abstract = abstractOf(this.prose);
    if (total === 0) return { lines: 0, abstract, sections: [] };
    let marks: Mark[];
    if (this.kind === "log") marks = this.chunks(total);
    else if (this.kind === "markdown") marks = this.marks.length ? this.marks : this.chunks(total);
    else marks = this.candidates.length >= 2 ? this.candidates : this.chunks(total);
    if (marks.length && marks[0]!.line > 1) {
      marks.unshift({ line: 1, title: "(before the first heading)", lead: this.chunkLeads.get(0) });
    }
    const sections: SourceSection[] = [];
    marks.forEach((m, i) => {
      const end = i + 1 < marks.length ? marks[i + 1]!.line - 1 : total;
      for (const part of splitRange(m.line, end)) {
        const s: SourceSection = {
          n: sections.length + 1,
          title: part.k === 0 ? m.title : clip(`${m.title} (part ${part.k + 1})`, TITLE_CHARS + 12),
          unit: "lines",
          start: part.start,
          end: part.end,
        };
        if (m.level !== undefined) s.level = m.level;
        if (part.k === 0 && m.lead) s.lead = m.lead;
        if (this.kind === "log") s.counts = this.chunkCounts.get(Math.floor((m.line - 1) / LOG_CHUNK_LINES)) ?? { error: 0, warn: 0 };
        sections.push(s);
      }
    });
    return { lines: total, abstract, sections };
  }

  private chunks(total: number): Mark[] {
    const size = this.chunkSize();
    const marks: Mark[] = [];
    for (let start = 1, k = 0; start <= total; start += size, k += 1) {
      const end = Math.min(total, start + size - 1);
      const first = this.chunkLeads.get(k);
      marks.push({ line: start, title: first ? `Lines ${start}-${end}: ${first}` : `Lines ${start}-${end}` });
    }
    return marks;
  }
}

/** Cuts lines start..end into parts of at most {@link MAX_SECTION_LINES}. */
function splitRange(start: number, end: number): { k: number; start: number; end: number }[] {
  const parts: { k: number; start: number; end: number }[] = [];
  for (let s = start, k = 0; s <= end; s += MAX_SECTION_LINES, k += 1) {
    parts.push({ k, start: s, end: Math.min(end, s + MAX_SECTION_LINES - 1) });
  }
  return parts.length ? parts : [{ k: 0, start, end: start }];
}

/** Scans a whole text at once (tests, small files): lines split on LF or CRLF. */
export function scanText(kind: Exclude<SourceKind, "pdf">, text: string): ScanResult {
  const scanner = new SectionScanner(kind);
  if (text.length) {
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === "") lines.pop();
    for (const line of lines) scanner.push(line);
  }
  return scanner.finish();
}
