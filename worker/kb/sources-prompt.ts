/**
 * The "sources" part of a writer's prompt for one atom: the sources index first (path and
 * abstract of every source; the section table of the ones the atom cites), then the text of
 * each section the atom cites, one at a time. Never a whole source: a citation without a section
 * gets the table only, and a section's text is bounded by {@link MAX_SECTION_CHARS}.
 */
import type { PLCAtom } from "../../shared/models.ts";
import type { SourcesIndex } from "../../shared/sources.ts";
import { type OpenedSection, openSourceSection } from "./sources-open.ts";
import { SourceError } from "./sources.ts";

/** The most characters of one section put in a prompt. */
export const MAX_SECTION_CHARS = 12_000;

export interface SourcesPrompt {
  /** The prompt text ("" when the atom cites nothing under kb/sources/). */
  text: string;
  /** What was opened, with the sha256 of each file: a lesson records it to notice a source change. */
  opened: { path: string; section: number; sha256: string }[];
  /** Citations that could not be opened, with the reason (the prompt says so too). */
  problems: string[];
}

/** The index as the agent reads it: one entry per source; section tables only for `cited` paths. */
export function sourcesIndexDigest(index: SourcesIndex, cited: ReadonlySet<string>): string {
  const lines: string[] = [];
  for (const s of index.sources) {
    lines.push(`- ${s.path} (${s.kind}, ${s.length} ${s.unit}): ${s.abstract || "(no prose found)"}`);
    if (!cited.has(s.path)) continue;
    for (const sec of s.sections) {
      const extra = sec.counts ? `, ${sec.counts.error} errors, ${sec.counts.warn} warnings` : "";
      lines.push(`    ${sec.n}. ${sec.title} (${sec.unit} ${sec.start}-${sec.end}${extra})`);
    }
  }
  return lines.join("\n");
}

/**
 * Builds the sources part of the prompt for `atom`.
 * @param open how a section is opened (default: {@link openSourceSection} on `repoDir`)
 */
export async function buildSourcesPrompt(
  repoDir: string,
  index: SourcesIndex,
  atom: Pick<PLCAtom, "id" | "sources">,
  open: (path: string, section: number) => Promise<OpenedSection> = (p, n) => openSourceSection(repoDir, p, n, index),
): Promise<SourcesPrompt> {
  const citations = atom.sources.filter((s) => s.path !== undefined);
  if (!citations.length) return { text: "", opened: [], problems: [] };
  const cited = new Set(citations.map((c) => c.path!));
  const parts = [`Sources index (kb/sources/index.json; open a section only when needed):\n${sourcesIndexDigest(index, cited)}`];
  const opened: SourcesPrompt["opened"] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of citations) {
    if (c.section === undefined) continue;
    const key = `${c.path}#${c.section}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const o = await open(c.path!, c.section);
      const sha = index.sources.find((s) => s.path === c.path)?.sha256 ?? "";
      const text = o.text.length > MAX_SECTION_CHARS ? `${o.text.slice(0, MAX_SECTION_CHARS)}\n[… section cut at ${MAX_SECTION_CHARS} characters]` : o.text;
      parts.push(`Section ${o.section.n} of ${o.path}: "${o.section.title}" (${o.section.unit} ${o.section.start}-${o.section.end}):\n<source-section>\n${text}\n</source-section>`);
      opened.push({ path: o.path, section: o.section.n, sha256: sha });
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      problems.push(e.message);
      parts.push(`(Could not open section ${c.section} of ${c.path}: ${e.message})`);
    }
  }
  return { text: parts.join("\n\n"), opened, problems };
}
