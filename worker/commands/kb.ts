/**
 * `factory kb validate [dir]` and `factory kb index [dir]`: the knowledge-base checks the worker
 * runs on every push, and the index the content agent reads, on a local checkout.
 */
import type { Command } from "commander";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { INDEX_FILE, indexText } from "../kb/index.ts";
import { formatProblems, loadKnowledgeBase } from "../kb/load.ts";

/** Exit codes: 0 valid, 1 problems found. */
export const KB_EXIT = { ok: 0, problems: 1 } as const;

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Validates the KB in `dir`; returns the exit code and prints the report. */
export async function kbValidate(dir: string, out = console.log, err = console.error): Promise<number> {
  const { kb, problems } = await loadKnowledgeBase(resolve(dir));
  if (!kb) {
    err(formatProblems(problems));
    return KB_EXIT.problems;
  }
  const index = await readIfExists(join(resolve(dir), INDEX_FILE));
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

/** Registers `factory kb …`. */
export function registerKbCommands(program: Command): void {
  const kb = program.command("kb").description("Check and index the knowledge base (kb/atoms, kb/courses)");
  kb.command("validate")
    .argument("[dir]", "repository root", ".")
    .description("Check every atom and course; print each problem as file, JSON path and message; exit 1 on any")
    .action(async (dir: string) => {
      process.exitCode = await kbValidate(dir);
    });
  kb.command("index")
    .argument("[dir]", "repository root", ".")
    .description(`Write ${INDEX_FILE}: id, title, one-line summary and path of every atom`)
    .action(async (dir: string) => {
      process.exitCode = await kbIndex(dir);
    });
}
