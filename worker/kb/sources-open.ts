/**
 * Opens one section of a source by the range its summary records: the "reversible" half of the
 * summaries. Text is streamed and reading stops after the last line of the range; a PDF yields
 * the text of the section's pages only. A file that changed since the index was written is
 * refused (its ranges would point at the wrong text).
 */
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import type { SourceSection, SourceSummary, SourcesIndex } from "../../shared/sources.ts";
import { readPdf } from "./pdf-text.ts";
import { SourceError, readSourcesIndex, sha256File, textLines } from "./sources.ts";

/** One opened section: where it is and its exact text. */
export interface OpenedSection {
  path: string;
  section: SourceSection;
  /** Lines start..end joined with "\n" (text), or the pages' text joined with "\n\n" (PDF). */
  text: string;
}

/** The summary of `path` in `index`, or a {@link SourceError} saying what to run. */
export function findSource(index: SourcesIndex, path: string): SourceSummary {
  const source = index.sources.find((s) => s.path === path);
  if (!source) {
    const problem = index.problems.find((p) => p.path === path);
    throw new SourceError(
      problem
        ? `${path} has no summary: ${problem.message}`
        : `${path} is not in kb/sources/index.json: add the file under kb/sources/ and run \`factory kb summarize\``,
    );
  }
  return source;
}

/** Section `n` of a source, or a {@link SourceError} listing the valid numbers. */
function findSection(source: SourceSummary, n: number): SourceSection {
  const section = source.sections.find((s) => s.n === n);
  if (!section) {
    throw new SourceError(`${source.path} has no section ${n}: its sections are numbered 1-${source.sections.length}`);
  }
  return section;
}

/**
 * The exact text of one section of a source.
 * @param repoDir the repository root (the folder holding kb/)
 * @param path repository-relative path of the source, e.g. `kb/sources/s7-manual.md`
 * @param section the section number from kb/sources/index.json (1-based)
 * @param index the index to use (default: read kb/sources/index.json)
 * @throws SourceError when the source or section is unknown, or the file changed since the index
 */
export async function openSourceSection(repoDir: string, path: string, section: number, index?: SourcesIndex): Promise<OpenedSection> {
  const idx = index ?? (await readSourcesIndex(repoDir));
  if (!idx) throw new SourceError("kb/sources/index.json is missing or unreadable: run `factory kb summarize`");
  const source = findSource(idx, path);
  const s = findSection(source, section);
  const abs = join(repoDir, path);
  let sha: string;
  try {
    sha = await sha256File(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new SourceError(`${path} is listed in kb/sources/index.json but the file is gone: run \`factory kb summarize\``);
    throw e;
  }
  if (sha !== source.sha256) {
    throw new SourceError(`${path} changed since kb/sources/index.json was written: run \`factory kb summarize\` so the section ranges match`);
  }
  if (s.unit === "pages") {
    const pdf = await readPdf(await readFile(abs), { from: s.start, to: s.end });
    return { path, section: s, text: pdf.pages.join("\n\n") };
  }
  const lines: string[] = [];
  let n = 0;
  for await (const raw of textLines(abs)) {
    n += 1;
    if (n < s.start) continue;
    // Same rule as the scanner: a byte-order mark on line 1 is not text.
    lines.push(n === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw);
    if (n >= s.end) break;
  }
  return { path, section: s, text: lines.join("\n") };
}
