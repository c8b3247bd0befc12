/**
 * What a lesson is made from in kb/sources/, as digests: the sha256 of the text of each section an
 * atom cites (or of the whole file, for a citation without a section). They go into the script
 * step's inputs, so a change to a cited section changes the step's hash and the lesson is made
 * again, while an edit elsewhere in the same manual (even one that shifts every line number)
 * re-makes nothing. Computed before planning (plan() is pure) by {@link loadKbSources}.
 */
import { createHash } from "node:crypto";
import type { PLCAtom } from "../../shared/models.ts";
import type { SourcesIndex } from "../../shared/sources.ts";
import type { KbSources } from "../pipeline/types.ts";
import { openSourceSection } from "./sources-open.ts";
import { SourceError, summarizeSources } from "./sources.ts";

/** One citation of a source as the script step hashes it and the script's provenance records it. */
export interface SourceDigest {
  path: string;
  /** Absent for a citation of the whole file. */
  section?: number;
  /** sha256 of the section's text (or of the file); null when it could not be opened. */
  sha256: string | null;
}

/** The key of a citation in {@link KbSources.digests}: "path#n", or the path alone. */
export function digestKey(path: string, section?: number): string {
  return section === undefined ? path : `${path}#${section}`;
}

/** The atom's kb/sources/ citations, each (path, section) once, in the atom's order. */
export function sourceCitations(atom: Pick<PLCAtom, "sources">): { path: string; section?: number }[] {
  const seen = new Set<string>();
  const out: { path: string; section?: number }[] = [];
  for (const s of atom.sources) {
    if (s.path === undefined) continue;
    const key = digestKey(s.path, s.section);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s.section === undefined ? { path: s.path } : { path: s.path, section: s.section });
  }
  return out;
}

/** The digests of what `atom` cites, in citation order; [] when it cites nothing under kb/sources/. Pure. */
export function atomSourceDigests(sources: KbSources | undefined, atom: Pick<PLCAtom, "sources">): SourceDigest[] {
  return sourceCitations(atom).map((c) => ({ ...c, sha256: sources?.digests[digestKey(c.path, c.section)] ?? null }));
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Digests every citation of `atoms` against `index`, opening each cited section once (never a
 * whole source into memory: sections are streamed, PDFs read page range by page range).
 */
export async function citationDigests(repoDir: string, index: SourcesIndex, atoms: readonly Pick<PLCAtom, "sources">[]): Promise<Record<string, string | null>> {
  const digests: Record<string, string | null> = {};
  for (const atom of atoms) {
    for (const c of sourceCitations(atom)) {
      const key = digestKey(c.path, c.section);
      if (key in digests) continue;
      if (c.section === undefined) {
        digests[key] = index.sources.find((s) => s.path === c.path)?.sha256 ?? null;
        continue;
      }
      try {
        digests[key] = sha256((await openSourceSection(repoDir, c.path, c.section, index)).text);
      } catch (e) {
        // A broken citation is the maintenance report's to explain; here it just has no digest.
        if (!(e instanceof SourceError)) throw e;
        digests[key] = null;
      }
    }
  }
  return digests;
}

/**
 * The sources part of the KB the pipeline plans with: undefined when no atom cites kb/sources/.
 * The index is the committed kb/sources/index.json where it still matches the files, else made
 * the way the maintenance step makes it (a changed file is summarized again), so section ranges
 * always fit the checkout. Only an unexpected I/O error throws.
 */
export async function loadKbSources(repoDir: string, atoms: readonly Pick<PLCAtom, "sources">[]): Promise<KbSources | undefined> {
  if (!atoms.some((a) => a.sources.some((s) => s.path !== undefined))) return undefined;
  const { index } = await summarizeSources(repoDir);
  return { index, digests: await citationDigests(repoDir, index, atoms) };
}
