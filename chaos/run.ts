/**
 * `npm run chaos [-- --short] [-- --only name,…] [-- --write path] [-- --no-write]`: the fault
 * suite of issue 13. Real processes on loopback only: `wrangler dev` (local workerd) for the
 * relay, a fresh one per part; real worker processes (chaos/worker-entry.ts) with the YouTube
 * and Anthropic fakes. Every part has a deadline and a request cap. Prints the counts, writes
 * them with the machine and the command into docs/reliability.md (full run only, unless
 * --write says where), and exits 1 when any count is wrong, 2 on bad arguments.
 *
 * It runs from a copy of the sources taken at the start (unless --in-place): `wrangler dev`
 * restarts the Worker whenever a file under relay/ changes, and workers load the code when they
 * start, so in a tree people edit during a ten-minute run the figures would otherwise mix
 * versions (or measure a half-saved file). The copy is removed at the end.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { partOk, type PartResult } from "./counts.ts";
import { badInputs } from "./parts/bad-inputs.ts";
import { forgedWebhooks } from "./parts/forged-webhooks.ts";
import { largePushes } from "./parts/large-pushes.ts";
import { pushStorm } from "./parts/push-storm.ts";
import { relayRestarts } from "./parts/relay-restarts.ts";
import { workerFaults } from "./parts/worker-faults.ts";
import { workerKills } from "./parts/worker-kills.ts";
import { workerRestarts } from "./parts/worker-restarts.ts";
import { FULL, SHORT, type Profile } from "./profiles.ts";
import { reloads, sigkillRelay, startChaosRelay, type RelayProcess } from "./relay-kit.ts";
import { markdownReport, textReport } from "./report.ts";
import { progress, workerBench } from "./worker-kit.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where docs/reliability.md is written: the tree the run was started from, not the copy. */
const REPORT_ROOT = process.env.CHAOS_REPORT_ROOT || ROOT;
/** What the relay, the workers and the suite need from the tree. */
const SOURCES = ["assets", "bin", "chaos", "kb", "relay", "shared", "test", "worker", "package.json", "tsconfig.json", "wrangler.toml"];

/** Runs this command again from a fresh copy of the sources; returns its exit status. */
function runFromCopy(argv: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), "chaos-src-"));
  try {
    for (const item of SOURCES) cpSync(join(ROOT, item), join(dir, item), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "chaos/run.ts"), ...argv, "--in-place"], {
      cwd: dir,
      stdio: "inherit",
      env: { ...process.env, CHAOS_REPORT_ROOT: ROOT },
    });
    return r.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** A part: how to run it on a fresh relay (and a fresh worker bench when it needs one). */
interface PartSpec {
  name: string;
  relayVars?: Record<string, string>;
  worker?: boolean;
  run(relay: RelayProcess, p: Profile, bench: Awaited<ReturnType<typeof workerBench>> | null): Promise<PartResult>;
}

export const PARTS: PartSpec[] = [
  { name: "forged", run: (r, p) => forgedWebhooks(r, p.forged) },
  { name: "storm", run: (r, p) => pushStorm(r, p.storm) },
  { name: "large", run: (r, p) => largePushes(r, p.large) },
  { name: "relay-restarts", relayVars: { LEASE_SECONDS: "120" }, run: (r, p) => relayRestarts(r, p.relayRestarts) },
  { name: "bad-inputs", run: (r, p) => badInputs(r, p.badInputs) },
  { name: "worker-kills", worker: true, run: (r, p, b) => workerKills(r, b!, p.workerKills) },
  { name: "worker-restarts", worker: true, relayVars: { LEASE_SECONDS: "120" }, run: (r, p, b) => workerRestarts(r, b!, p.workerRestarts) },
  { name: "worker-faults", worker: true, relayVars: { MAX_ATTEMPTS: "20" }, run: (r, p, b) => workerFaults(r, b!, p.workerFaults) },
];

/** Runs one part on its own relay (and bench); a crash becomes a failed part, never a hang. */
export async function runPart(spec: PartSpec, profile: Profile): Promise<PartResult> {
  const started = Date.now();
  let relay: RelayProcess | null = null;
  let bench: Awaited<ReturnType<typeof workerBench>> | null = null;
  try {
    relay = await startChaosRelay(spec.relayVars);
    if (spec.worker) bench = await workerBench(profile.atoms);
    return await spec.run(relay, profile, bench);
  } catch (e) {
    return { part: spec.name, what: "crashed", counts: [], measured: {}, durationMs: Date.now() - started, aborted: (e as Error).stack?.slice(0, 800) ?? String(e) };
  } finally {
    await bench?.stop();
    if (bench) rmSync(bench.root, { recursive: true, force: true, maxRetries: 3 });
    if (relay) {
      await relay.stop();
      sigkillRelay(relay); // anything of it still alive (a workerd that outlived wrangler)
      rmSync(relay.persistDir, { recursive: true, force: true });
    }
  }
}

/** Replaces the measured section of docs/reliability.md (between the markers), keeping the prose. */
function writeReport(path: string, section: string): void {
  const BEGIN = "<!-- chaos:begin (written by npm run chaos) -->";
  const END = "<!-- chaos:end -->";
  let doc: string;
  try {
    doc = readFileSync(path, "utf8");
  } catch {
    doc = `# Reliability\n\n${BEGIN}\n${END}\n`;
  }
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  const next = a >= 0 && b > a ? `${doc.slice(0, a + BEGIN.length)}\n${section}\n${doc.slice(b)}` : `${doc.trimEnd()}\n\n${BEGIN}\n${section}\n${END}\n`;
  writeFileSync(path, next);
}

async function main(argv: string[]): Promise<number> {
  if (!argv.includes("--in-place")) return runFromCopy(argv);
  const short = argv.includes("--short");
  const onlyArg = argv.find((a, i) => argv[i - 1] === "--only");
  const writeArg = argv.find((a, i) => argv[i - 1] === "--write");
  const only = onlyArg ? onlyArg.split(",") : null;
  const unknown = only?.filter((n) => !PARTS.some((p) => p.name === n)) ?? [];
  if (unknown.length) {
    console.error(`Unknown part(s): ${unknown.join(", ")}. Parts: ${PARTS.map((p) => p.name).join(", ")}`);
    return 2;
  }
  const profile = short ? SHORT : FULL;
  const chosen = PARTS.filter((p) => !only || only.includes(p.name));
  const startedAt = new Date();
  const results: PartResult[] = [];
  for (const spec of chosen) {
    progress(`part ${spec.name}…`);
    const r = await runPart(spec, profile);
    progress(`part ${spec.name}: ${partOk(r) ? "pass" : "FAIL"} in ${(r.durationMs / 1000).toFixed(1)} s`);
    results.push(r);
  }
  if (reloads.count) {
    results.at(-1)!.measured["answers retried because wrangler reloaded the relay (a source file changed during the run)"] = String(reloads.count);
  }
  console.log(textReport(results));
  const shown = process.env.CHAOS_REPORT_ROOT ? argv.filter((a) => a !== "--in-place") : argv;
  const command = `npm run chaos${shown.length ? ` -- ${shown.join(" ")}` : ""}`;
  const target = argv.includes("--no-write") ? null : (writeArg ?? (short || only ? null : join(REPORT_ROOT, "docs/reliability.md")));
  if (target) {
    writeReport(target, markdownReport(results, { command, startedAt, totalMs: Date.now() - startedAt.getTime() }));
    console.log(`\nwritten to ${target}`);
  }
  return results.every(partOk) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
