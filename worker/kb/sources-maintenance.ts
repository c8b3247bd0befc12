/**
 * The KB maintenance step, as one call for `factory kb summarize`, `factory kb check` and the
 * sync pipeline: summarize kb/sources/ (writing kb/sources/index.json when asked), then report on
 * the KB as a whole (./sources-report.ts). Atoms and courses are read leniently here, so a KB
 * that fails validation (a prerequisite cycle, say) is still reported on; validation itself
 * stays in worker/kb/load.ts.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Course, PLCAtom } from "../../shared/models.ts";
import { ATOMS_DIR, COURSES_DIR, MAX_FILE_BYTES } from "./load.ts";
import { citationDigests } from "./sources-digest.ts";
import { type MaintenanceReport, type ReportInput, maintenanceReport } from "./sources-report.ts";
import { type SummarizeOutcome, readSourcesIndex, summarizeSources, writeSourcesIndex } from "./sources.ts";

async function readParsed<T>(repoDir: string, rel: string, schema: { safeParse(x: unknown): { success: true; data: T } | { success: false } }): Promise<T[]> {
  let names: string[];
  try {
    names = await readdir(join(repoDir, rel));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: T[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    try {
      const text = await readFile(join(repoDir, rel, name), "utf8");
      if (text.length > MAX_FILE_BYTES) continue;
      const r = schema.safeParse(JSON.parse(text));
      // A file that fails to parse is `factory kb validate`'s to report, not this report's.
      if (r.success) out.push(r.data);
    } catch {
      continue;
    }
  }
  return out;
}

export interface MaintenanceOutcome {
  summary: SummarizeOutcome | null;
  report: MaintenanceReport;
  /** Whether kb/sources/index.json was (re)written. */
  wroteIndex: boolean;
}

/**
 * Runs the maintenance step on the checkout at `repoDir`.
 * @param opts.summarize re-summarize kb/sources/ (default true); false reads the index as it is
 * @param opts.write write kb/sources/index.json when it changed (default true)
 * @param opts.seenByLesson what each atom's lesson saw of its sources (see {@link ReportInput})
 */
export async function runKbMaintenance(
  repoDir: string,
  opts: { summarize?: boolean; write?: boolean; seenByLesson?: ReportInput["seenByLesson"] } = {},
): Promise<MaintenanceOutcome> {
  const summary = opts.summarize === false ? null : await summarizeSources(repoDir);
  const index = summary ? summary.index : await readSourcesIndex(repoDir);
  const wroteIndex = summary && opts.write !== false && (summary.index.sources.length || summary.index.problems.length) ? await writeSourcesIndex(repoDir, summary.index) : false;
  const atoms = await readParsed(repoDir, ATOMS_DIR, PLCAtom);
  const courses = await readParsed(repoDir, COURSES_DIR, Course);
  const report = maintenanceReport({
    atoms,
    courses,
    index,
    changedSinceIndex: summary?.changed ?? [],
    // What the lessons saw is compared per cited section: digest the cited sections as they are now.
    ...(opts.seenByLesson ? { seenByLesson: opts.seenByLesson, citationDigests: index ? await citationDigests(repoDir, index, atoms) : {} } : {}),
  });
  return { summary, report, wroteIndex };
}
