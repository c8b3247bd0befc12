/**
 * `factory kb validate [dir]` and `factory kb index [dir]`: the knowledge-base checks the worker
 * runs on every push, and the index the content agent reads, on a local checkout.
 */
import type { Command } from "commander";
import { rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readTextIfExists } from "../durable-json.ts";
import { INDEX_FILE, indexText } from "../kb/index.ts";
import { formatProblems, loadKnowledgeBase } from "../kb/load.ts";
import { runKbMaintenance } from "../kb/sources-maintenance.ts";
import { findSource, openSourceSection } from "../kb/sources-open.ts";
import { formatMaintenanceReport, reportIsClean } from "../kb/sources-report.ts";
import { SourceError, readSourcesIndex } from "../kb/sources.ts";
import { SOURCES_INDEX_FILE } from "../../shared/sources.ts";

/** Exit codes: 0 valid, 1 problems found. */
export const KB_EXIT = { ok: 0, problems: 1 } as const;

/** Validates the KB in `dir`; returns the exit code and prints the report. */
export async function kbValidate(dir: string, out = console.log, err = console.error): Promise<number> {
  const { kb, problems } = await loadKnowledgeBase(resolve(dir));
  if (!kb) {
    err(formatProblems(problems));
    return KB_EXIT.problems;
  }
  const index = await readTextIfExists(join(resolve(dir), INDEX_FILE));
  if (index !== null && index !== indexText(kb)) {
    err(`${INDEX_FILE} $: out of date with kb/atoms: run \`factory kb index\` and commit it.`);
    return KB_EXIT.problems;
  }
  out(`Knowledge base OK: ${kb.atoms.length} atoms, ${kb.courses.length} courses.`);
  return KB_EXIT.ok;
}

/** Writes kb/index.json for the KB in `dir` (atomically); refuses a broken KB. */
export async function kbIndex(dir: string, out = console.log, err = console.error): Promise<number> {
  const root = resolve(dir);
  const { kb, problems } = await loadKnowledgeBase(root);
  if (!kb) {
    err(`${formatProblems(problems)}\nThe index was not written.`);
    return KB_EXIT.problems;
  }
  const path = join(root, INDEX_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, indexText(kb));
  await rename(tmp, path);
  out(`Wrote ${INDEX_FILE}: ${kb.atoms.length} atoms.`);
  return KB_EXIT.ok;
}

/**
 * `factory kb summarize`: writes kb/sources/index.json (reversible summaries of kb/sources/) and
 * prints the KB maintenance report. Exit 1 when a source could not be summarized.
 */
export async function kbSummarize(dir: string, out = console.log, err = console.error): Promise<number> {
  const { summary, report, wroteIndex } = await runKbMaintenance(resolve(dir));
  const s = summary!;
  out(
    `${wroteIndex ? "Wrote" : "Unchanged:"} ${SOURCES_INDEX_FILE}: ${s.index.sources.length} sources ` +
      `(${s.summarized.length} summarized, ${s.reused.length} unchanged), ${s.index.problems.length} not readable.`,
  );
  (s.index.problems.length ? err : out)(formatMaintenanceReport(report));
  return s.index.problems.length ? KB_EXIT.problems : KB_EXIT.ok;
}

/** `factory kb check`: the maintenance report from the index as it is; exit 1 when it reports anything. */
export async function kbCheck(dir: string, out = console.log): Promise<number> {
  const { report } = await runKbMaintenance(resolve(dir), { summarize: false, write: false });
  out(formatMaintenanceReport(report));
  return reportIsClean(report) ? KB_EXIT.ok : KB_EXIT.problems;
}

/** `factory kb source <path> [--section N]`: prints one section's text, or the source's table. */
export async function kbSource(dir: string, path: string, section: number | undefined, out = console.log, err = console.error): Promise<number> {
  const root = resolve(dir);
  const rel = path.replace(/^\.\//, "");
  try {
    if (section !== undefined) {
      out((await openSourceSection(root, rel, section)).text);
      return KB_EXIT.ok;
    }
    const index = await readSourcesIndex(root);
    if (!index) throw new SourceError(`${SOURCES_INDEX_FILE} is missing or unreadable: run \`factory kb summarize\``);
    const s = findSource(index, rel);
    out(`${s.path} (${s.kind}, ${s.length} ${s.unit})\n${s.abstract}\n`);
    for (const x of s.sections) out(`${String(x.n).padStart(4)}. ${x.title} (${x.unit} ${x.start}-${x.end})`);
    return KB_EXIT.ok;
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    err(e.message);
    return KB_EXIT.problems;
  }
}

/** Registers `factory kb …`. */
export function registerKbCommands(program: Command): void {
  const kb = program.command("kb").description("Check and index the knowledge base (kb/atoms, kb/courses)");
  const onDir: [name: string, description: string, run: (dir: string) => Promise<number>][] = [
    ["validate", "Check every atom and course; print each problem as file, JSON path and message; exit 1 on any", kbValidate],
    ["index", `Write ${INDEX_FILE}: id, title, one-line summary and path of every atom`, kbIndex],
    ["summarize", `Write ${SOURCES_INDEX_FILE} (abstract and section ranges of every file in kb/sources/) and report on the KB`, kbSummarize],
    ["check", "Report unused atoms, prerequisite cycles, uncited or changed sources (changes nothing)", kbCheck],
  ];
  for (const [name, description, run] of onDir) {
    kb.command(name)
      .argument("[dir]", "repository root", ".")
      .description(description)
      .action(async (dir: string) => {
        process.exitCode = await run(dir);
      });
  }
  kb.command("source")
    .argument("<path>", "a source, e.g. kb/sources/manual.md")
    .option("--section <n>", "print this section's text (its number in the index)", (v: string) => {
      if (!/^[1-9]\d*$/.test(v)) throw new Error(`--section must be a section number (1, 2, …), not "${v}"`);
      return Number(v);
    })
    .option("--dir <dir>", "repository root", ".")
    .description("Print a source's section table, or one section's exact text with --section")
    .action(async (path: string, opts: { section?: number; dir: string }) => {
      process.exitCode = await kbSource(opts.dir, path, opts.section);
    });
}
