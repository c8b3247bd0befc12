/**
 * `factory status`: the relay's queue (counts, oldest queued job, workers seen) and this
 * machine's ledger (recent jobs, step runs). Works without a relay: then it shows the ledger
 * and says why the relay part is missing.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Stats } from "../../shared/jobs.ts";
import { Ledger, type JobRun, type StepRun } from "../ledger.ts";
import { adviceLine, adviseDeadJobs, type DeadJobAdvice } from "./dead-jobs.ts";
import { ago } from "./jobs.ts";
import { configOrExit, EXIT, relayClientFor } from "./runtime.ts";

/**
 * The relay half of the status, as text. Pure.
 * @param advice what to do about each dead job ({@link adviseDeadJobs}); without it, where to look
 */
export function formatStats(s: Stats, advice?: readonly DeadJobAdvice[]): string {
  const c = s.counts;
  const lines = [
    `relay: ${c.queued} queued, ${c.leased} leased, ${c.done} done, ${c.dead} dead` +
      (s.oldestQueuedAgeMs !== null ? `; oldest queued job waiting ${ago(s.oldestQueuedAgeMs)}` : ""),
  ];
  for (const w of s.workers) lines.push(`  worker ${w.name}: last seen ${ago(s.now - w.lastSeenAt)} ago`);
  if (c.dead > 0 && advice?.length) {
    lines.push("  dead jobs (`factory jobs --state dead` shows each whole error):");
    for (const a of advice) lines.push(`    ${adviceLine(a)}`);
  } else if (c.dead > 0) lines.push("  dead jobs: `factory jobs --state dead` shows why each gave up and what to do");
  return lines.join("\n");
}

/** The ledger half of the status, as text. Pure. */
export function formatLedger(counts: Record<StepRun["state"], number>, jobs: readonly JobRun[], now: number): string {
  const lines = [`ledger: ${counts.done} step run(s) done, ${counts.failed} failed, ${counts.running} unfinished`];
  for (const j of jobs) {
    lines.push(
      `  ${j.jobId}  ${j.state.padEnd(9)} ${j.repository}${j.sha ? `@${j.sha.slice(0, 10)}` : ""}  ${ago(now - j.startedAt)} ago` +
        (j.summary ? `  ${j.summary.split("\n")[0]!.slice(0, 100)}` : ""),
    );
  }
  return lines.join("\n");
}

/** Registers `factory status`. */
export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("Show the relay's queue and this machine's ledger")
    .action(async () => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      let code: number = EXIT.ok;
      try {
        const client = relayClientFor(config);
        const stats = await client.stats();
        let advice: DeadJobAdvice[] | undefined;
        if (stats.counts.dead > 0) {
          const [dead, recent] = await Promise.all([client.list({ state: "dead", limit: 20 }), client.list({ limit: 200 })]);
          advice = adviseDeadJobs(dead.jobs, recent.jobs);
        }
        console.log(formatStats(stats, advice));
      } catch (e) {
        console.log(`relay: not available (${(e as Error).message})`);
        code = EXIT.failed;
      }
      const path = join(config.workDir, "ledger.sqlite");
      if (!existsSync(path)) {
        console.log(`ledger: none yet at ${path} (the worker creates it with its first job)`);
      } else {
        const ledger = Ledger.open(path);
        try {
          console.log(formatLedger(ledger.stepCounts(), ledger.recentJobs(10), Date.now()));
        } finally {
          ledger.close();
        }
      }
      process.exitCode = code;
    });
}
