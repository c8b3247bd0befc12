/**
 * Reads a repository's knowledge base (kb/atoms/*.json, kb/courses/*.json) and validates it.
 * The thin I/O shell around worker/kb/validate.ts.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { KnowledgeBase } from "../pipeline/types.ts";
import { type KbFile, type KbProblem, formatProblems, validateKnowledgeBase } from "./validate.ts";
import { checkSimTaskLinks, loadSimTasks } from "./validate-sim.ts";
import { loadLinkedSimTasks } from "./sim-links.ts";
import { loadKbSources } from "./sources-digest.ts";

export type { KbProblem } from "./validate.ts";
export { formatProblems };

/** Where atoms and courses live, relative to the repository. */
export const ATOMS_DIR = "kb/atoms";
export const COURSES_DIR = "kb/courses";
/** A knowledge-base file larger than this is refused (a lesson atom is a few kilobytes). */
export const MAX_FILE_BYTES = 256 * 1024;

async function readJsonFiles(repoDir: string, rel: string, required: boolean, problems: KbProblem[]): Promise<KbFile[]> {
  let names: string[];
  try {
    names = await readdir(join(repoDir, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      if (required) {
        problems.push({ file: rel, path: "$", message: `no ${rel}/ directory: add one JSON file per atom (${rel}/<id>.json)` });
      }
      return [];
    }
    throw e;
  }
  const files: KbFile[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    const file = `${rel}/${name}`;
    const abs = join(repoDir, rel, name);
    const st = await lstat(abs);
    if (st.isSymbolicLink()) {
      // A link could point outside the repository: refuse it rather than read what it names.
      problems.push({ file, path: "$", message: "symbolic links are not allowed in the knowledge base: commit the file itself" });
      continue;
    }
    if (!st.isFile()) continue;
    if (st.size > MAX_FILE_BYTES) {
      problems.push({ file, path: "$", message: `file is ${st.size} bytes; the limit is ${MAX_FILE_BYTES}: split the atom` });
      continue;
    }
    files.push({ file, text: await readFile(abs, "utf8") });
  }
  return files;
}

/**
 * Loads and validates the knowledge base of a checkout.
 * @param repoDir absolute path of the repository
 * @param opts.sources also load what atoms cite in kb/sources/ (the index and the cited sections'
 *   digests, `kb.sources`), as the pipeline plans with it; off for validation alone
 * The kb/sim/ tasks atoms link to (`simTask`) are always loaded, as `kb.simTasks`.
 * @returns `kb` when valid (atoms and courses sorted by id), else `kb: null` and every problem
 *   found; print them with {@link formatProblems}. Only unexpected I/O errors throw.
 */
export async function loadKnowledgeBase(repoDir: string, opts: { sources?: boolean } = {}): Promise<{ kb: KnowledgeBase | null; problems: KbProblem[] }> {
  const problems: KbProblem[] = [];
  const atomFiles = await readJsonFiles(repoDir, ATOMS_DIR, true, problems);
  const courseFiles = await readJsonFiles(repoDir, COURSES_DIR, false, problems);
  const result = validateKnowledgeBase(atomFiles, courseFiles);
  // Simulation tasks (kb/sim/) are checked with the atoms: a broken task fails the same check.
  const sim = await loadSimTasks(repoDir);
  // An atom's `simTask` must name a valid task there.
  if (result.kb) checkSimTaskLinks(result.kb.atoms, sim.tasks, sim.problems);
  const all = [...problems, ...result.problems, ...sim.problems];
  if (all.length || !result.kb) return { kb: null, problems: all };
  const sources = opts.sources ? await loadKbSources(repoDir, result.kb.atoms) : undefined;
  const simTasks = await loadLinkedSimTasks(repoDir, result.kb.atoms, sim.tasks);
  return { kb: { ...result.kb, ...(sources ? { sources } : {}), ...(simTasks ? { simTasks } : {}) }, problems: all };
}
