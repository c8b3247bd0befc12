/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts (or the named ones) one after another,
 * each in its own process so one benchmark's heap and children do not skew the next.
 * Each benchmark measures its own baseline in the same run and prints ratios against it; what
 * they print is also written to docs/benchmarks.md (./doc.ts), unless `--no-write`.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchRun, updateBenchDoc } from "./doc.ts";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const write = !args.includes("--no-write");
const wanted = args.filter((a) => !a.startsWith("--"));
const all = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const chosen = wanted.length ? all.filter((f) => wanted.some((w) => f.startsWith(w))) : all;
if (chosen.length === 0) {
  console.error(`No benchmark matches ${wanted.join(", ")}. Available: ${all.join(", ") || "none yet"}`);
  process.exit(2);
}

/** Runs one benchmark, showing its output as it comes and keeping a copy. */
function runOne(file: string): Promise<{ output: string; status: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, file)], { stdio: ["inherit", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => {
      chunks.push(c);
      process.stdout.write(c);
    });
    child.on("close", (code, signal) => resolve({ output: Buffer.concat(chunks).toString("utf8"), status: code ?? (signal ? 128 : 1) }));
  });
}

const runs: BenchRun[] = [];
for (const file of chosen) {
  console.log(`\n=== ${file}`);
  const machine = `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the start, Node ${process.version}`;
  const r = await runOne(file);
  runs.push({ name: file, at: new Date().toISOString(), machine, ...r });
}
if (write) {
  const path = join(here, "..", "docs", "benchmarks.md");
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, updateBenchDoc(readFileSync(path, "utf8"), runs));
  renameSync(tmp, path);
  console.log(`\nWrote the figures to docs/benchmarks.md (${runs.map((r) => r.name).join(", ")}).`);
}
process.exit(runs.some((r) => r.status !== 0) ? 1 : 0);
