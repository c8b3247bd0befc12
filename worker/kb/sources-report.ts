/**
 * The KB maintenance report, pure: what in the knowledge base as a whole needs a person's eye.
 * Atoms no course uses, prerequisites that form a cycle, sources no atom cites, citations that
 * point at a source or section that does not exist, and atoms whose cited sources changed (since
 * the lesson was made, when that is known, else since the previous kb/sources/index.json).
 * Reports only: it changes nothing. `factory kb check` and `factory kb summarize` print it.
 */
import type { Course, PLCAtom } from "../../shared/models.ts";
import type { SourceProblem, SourcesIndex } from "../../shared/sources.ts";
import { digestKey, sourceCitations } from "./sources-digest.ts";

/** The parts of the KB the report reads (atoms and courses may come from a KB that fails validation). */
export interface ReportInput {
  atoms: Pick<PLCAtom, "id" | "prerequisites" | "sources">[];
  courses: Pick<Course, "id" | "modules">[];
  index: SourcesIndex | null;
  /** Sources whose sha256 changed since the previous index was written. */
  changedSinceIndex?: readonly string[];
  /**
   * Per atom, what its lesson's script was made from (the script's provenance.sources): by
   * "path#n" the sha256 of a cited section's text, by path the sha256 of a file cited whole (or,
   * from older records, of the file a cited section is in). When given for an atom, it decides
   * staleness.
   */
  seenByLesson?: ReadonlyMap<string, Readonly<Record<string, string | null>>>;
  /** The current digests of the cited sections, by "path#n" (worker/kb/sources-digest.ts). */
  citationDigests?: Readonly<Record<string, string | null>>;
}

export interface MaintenanceReport {
  unusedAtoms: string[];
  /** Each cycle once, as the ids around it (first id repeated at the end). */
  cycles: string[][];
  uncitedSources: string[];
  brokenCitations: { atomId: string; path: string; message: string }[];
  /**
   * Atoms to re-make because a source they cite changed, with the paths, how it is known, and
   * (when known per section) which cited sections changed.
   */
  staleAtoms: { atomId: string; paths: string[]; since: "lesson" | "index"; sections?: { path: string; section: number }[] }[];
  sourceProblems: SourceProblem[];
}

/** Every elementary cycle found by a depth-first walk, each reported once (rotated to its smallest id). */
export function prerequisiteCycles(atoms: ReportInput["atoms"]): string[][] {
  const prereqs = new Map(atoms.map((a) => [a.id, a.prerequisites ?? []] as const));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];
  const visit = (id: string) => {
    state.set(id, "open");
    stack.push(id);
    for (const next of prereqs.get(id) ?? []) {
      if (!prereqs.has(next)) continue;
      if (state.get(next) === "open") {
        const ring = stack.slice(stack.indexOf(next));
        const min = ring.reduce((m, x, i) => (x < ring[m]! ? i : m), 0);
        const rotated = [...ring.slice(min), ...ring.slice(0, min)];
        const key = rotated.join(">");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...rotated, rotated[0]!]);
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const id of [...prereqs.keys()].sort()) if (!state.has(id)) visit(id);
  return cycles;
}

/**
 * The cited sources of `atom` whose digest differs from what its lesson saw. A citation the
 * lesson did not see (the atom itself changed) or whose current digest is unknown is not counted.
 */
function changedSinceLesson(
  atom: ReportInput["atoms"][number],
  seen: Readonly<Record<string, string | null>>,
  summaries: ReadonlyMap<string, { sha256: string }>,
  digests: Readonly<Record<string, string | null>>,
): { stalePaths: string[]; sections: { path: string; section: number }[] } {
  const paths = new Set<string>();
  const sections: { path: string; section: number }[] = [];
  for (const c of sourceCitations(atom)) {
    const summary = summaries.get(c.path);
    if (!summary) continue;
    const key = digestKey(c.path, c.section);
    if (c.section !== undefined && key in seen) {
      if (!(key in digests) || seen[key] === digests[key]) continue;
      paths.add(c.path);
      sections.push({ path: c.path, section: c.section });
    } else if (c.path in seen && seen[c.path] !== summary.sha256) paths.add(c.path);
  }
  return { stalePaths: [...paths], sections };
}

/** Builds the report. */
export function maintenanceReport(input: ReportInput): MaintenanceReport {
  const inCourse = new Set(input.courses.flatMap((c) => c.modules.flatMap((m) => m.atoms)));
  const unusedAtoms = input.atoms.map((a) => a.id).filter((id) => !inCourse.has(id)).sort();
  const summaries = new Map((input.index?.sources ?? []).map((s) => [s.path, s] as const));
  const cited = new Set<string>();
  const brokenCitations: MaintenanceReport["brokenCitations"] = [];
  const staleAtoms: MaintenanceReport["staleAtoms"] = [];
  const changed = new Set(input.changedSinceIndex ?? []);
  for (const atom of [...input.atoms].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const paths = [...new Set(atom.sources.flatMap((s) => (s.path ? [s.path] : [])))];
    for (const s of atom.sources) {
      if (!s.path) continue;
      cited.add(s.path);
      const summary = summaries.get(s.path);
      if (!summary) {
        brokenCitations.push({ atomId: atom.id, path: s.path, message: "is not in kb/sources/index.json (missing, unreadable, or not summarized yet)" });
      } else if (s.section !== undefined && !summary.sections.some((x) => x.n === s.section)) {
        brokenCitations.push({ atomId: atom.id, path: s.path, message: `has no section ${s.section} (it has ${summary.sections.length})` });
      }
    }
    const seen = input.seenByLesson?.get(atom.id);
    if (seen) {
      const { stalePaths, sections } = changedSinceLesson(atom, seen, summaries, input.citationDigests ?? {});
      if (stalePaths.length) staleAtoms.push({ atomId: atom.id, paths: stalePaths, since: "lesson", ...(sections.length ? { sections } : {}) });
    } else {
      const stale = paths.filter((p) => changed.has(p));
      if (stale.length) staleAtoms.push({ atomId: atom.id, paths: stale, since: "index" });
    }
  }
  return {
    unusedAtoms,
    cycles: prerequisiteCycles(input.atoms),
    uncitedSources: [...summaries.keys()].filter((p) => !cited.has(p)).sort(),
    brokenCitations,
    staleAtoms,
    sourceProblems: input.index?.problems ?? [],
  };
}

/** Whether the report found anything. */
export function reportIsClean(r: MaintenanceReport): boolean {
  return !r.unusedAtoms.length && !r.cycles.length && !r.uncitedSources.length && !r.brokenCitations.length && !r.staleAtoms.length && !r.sourceProblems.length;
}

/**
 * One stale atom in words: "ton-timer: kb/sources/manual.md (section 3) changed since its lesson
 * was made; it is being made again" (the pipeline re-makes it: its script step's hash changed).
 */
export function staleLine(s: MaintenanceReport["staleAtoms"][number]): string {
  const what = s.paths.map((p) => {
    const ns = (s.sections ?? []).filter((x) => x.path === p).map((x) => x.section);
    return ns.length ? `${p} (section${ns.length > 1 ? "s" : ""} ${ns.join(", ")})` : p;
  });
  return s.since === "lesson"
    ? `${s.atomId}: ${what.join(", ")} changed since its lesson was made; it is being made again`
    : `${s.atomId}: ${what.join(", ")} changed since the previous kb/sources/index.json; its lesson should be made again`;
}

/** The report as lines for a terminal or a job summary. */
export function formatMaintenanceReport(r: MaintenanceReport): string {
  if (reportIsClean(r)) return "KB maintenance: nothing to report.";
  const out: string[] = ["KB maintenance report (nothing was changed):"];
  if (r.cycles.length) out.push(`- prerequisite cycles: ${r.cycles.map((c) => c.join(" -> ")).join("; ")}`);
  if (r.unusedAtoms.length) out.push(`- atoms no course uses: ${r.unusedAtoms.join(", ")}`);
  if (r.uncitedSources.length) out.push(`- sources no atom cites: ${r.uncitedSources.join(", ")}`);
  for (const b of r.brokenCitations) out.push(`- ${b.atomId} cites ${b.path}, which ${b.message}`);
  for (const s of r.staleAtoms) out.push(`- ${staleLine(s)}`);
  for (const p of r.sourceProblems) out.push(`- source not summarized: ${p.message}`);
  return out.join("\n");
}
