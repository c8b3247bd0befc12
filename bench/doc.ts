/**
 * The generated part of docs/benchmarks.md, pure: `npm run bench` hands in what each benchmark
 * printed and this puts it, with the date and the machine, between markers at the end of the
 * page. A benchmark not run this time keeps its previous block (with its own date), so
 * `npm run bench -- media` refreshes the media figures only. Everything above the markers is
 * written by people (what the figures mean) and is never touched.
 */

export const START = "<!-- bench:generated:start (npm run bench rewrites everything down to the end marker) -->";
export const END = "<!-- bench:generated:end -->";

/** One benchmark's run. */
export interface BenchRun {
  /** The file, e.g. "media.bench.ts". */
  name: string;
  /** ISO time the run finished. */
  at: string;
  /** What it printed (ANSI colours are removed). */
  output: string;
  /** Its exit status (0 = ok). */
  status: number;
  /** The machine, as one line: "2 cores, load average 1.6, Node v20.20.2". */
  machine: string;
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function block(run: BenchRun): string {
  const text = run.output.replace(ANSI, "").replace(/\r/g, "").trimEnd();
  const state = run.status === 0 ? "" : ` — **exited with status ${run.status}**`;
  return [
    `<!-- bench:${run.name} -->`,
    `### ${run.name.replace(/\.bench\.ts$/, "")}`,
    "",
    `${run.at.slice(0, 16).replace("T", " ")} UTC, ${run.machine}${state}`,
    "",
    "```text",
    text.replace(/```/g, "'''") || "(no output)",
    "```",
    `<!-- /bench:${run.name} -->`,
  ].join("\n");
}

/** The blocks already in the page, by benchmark file name. */
export function previousBlocks(doc: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<!-- bench:([A-Za-z0-9._-]+\.bench\.ts) -->[\s\S]*?<!-- \/bench:\1 -->/g;
  for (const m of doc.matchAll(re)) out.set(m[1]!, m[0]);
  return out;
}

/** The page with the generated section rewritten from `runs` (and the previous blocks of benchmarks not run). */
export function updateBenchDoc(doc: string, runs: readonly BenchRun[]): string {
  const blocks = previousBlocks(doc);
  for (const run of runs) blocks.set(run.name, block(run));
  const section = [
    START,
    "## Raw output of the latest runs",
    "",
    "Written by `npm run bench`: each benchmark's own report, ratios against baselines it measured in the same run.",
    "",
    ...[...blocks.keys()].sort().map((k) => `${blocks.get(k)!}\n`),
    END,
  ].join("\n");
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  const head = i >= 0 ? doc.slice(0, i) : `${doc.trimEnd()}\n\n`;
  const tail = i >= 0 && j > i ? doc.slice(j + END.length) : "";
  return `${head}${section}${tail.trim() ? tail : "\n"}`;
}
