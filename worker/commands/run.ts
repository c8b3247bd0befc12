/**
 * `factory run --once`: lease one job, run it, exit.
 * `factory run --local <repo-path>`: run the pipeline on a local checkout with no relay (the
 * manual workflow); the ledger still lives under WORK_DIR, so a second run skips what is done.
 */
import type { Command } from "commander";
import { join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { simpleGit } from "simple-git";
import type { WorkerConfig } from "../config.ts";
import { terminalProgress } from "../terminal-progress.ts";
import { Ledger } from "../ledger.ts";
import { defaultKbLoader, runPipeline, type PipelineOutcome } from "../pipeline/runner.ts";
import type { RepoSnapshot } from "../pipeline/types.ts";
import type { Progress } from "../../shared/jobs.ts";
import { configOrExit, createProcessLogger, EXIT } from "./runtime.ts";
import { loadDefaultStages, startWorker, type WorkerParts } from "./worker.ts";

/** Reads a local checkout as a snapshot: its HEAD when the tree is clean, else sha null. */
export async function localSnapshot(repoPath: string): Promise<RepoSnapshot> {
  const dir = resolve(repoPath);
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: give the path of your knowledge-base checkout`);
  const git = simpleGit({ baseDir: dir });
  let sha: string | null = null;
  let branch = "local";
  if (await git.checkIsRepo().catch(() => false)) {
    const status = await git.status();
    branch = status.current ?? "HEAD";
    sha = status.isClean() ? (await git.revparse(["HEAD"]).catch(() => "")).trim() || null : null;
  }
  return { dir, sha, repository: "local", branch, changes: null };
}

/** Runs the pipeline on a local checkout. Returns the outcome (and logs it). */
export async function runLocal(
  config: WorkerConfig,
  repoPath: string,
  parts: WorkerParts & { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
): Promise<PipelineOutcome> {
  const log = parts.log ?? createProcessLogger(config);
  const snapshot = await localSnapshot(repoPath);
  const ledger = Ledger.open(join(config.workDir, "ledger.sqlite"));
  try {
    log.info(`running the pipeline on ${snapshot.dir} (${snapshot.sha ? snapshot.sha.slice(0, 12) : "uncommitted changes"})`);
    const outcome = await runPipeline({
      job: null,
      snapshot,
      stages: parts.stages ?? (await loadDefaultStages()),
      ledger,
      settings: config.settings,
      workDir: config.workDir,
      loadKb: parts.loadKb ?? defaultKbLoader,
      log,
      signal: parts.signal ?? new AbortController().signal,
      ...(parts.onProgress ? { onProgress: parts.onProgress } : {}),
    });
    if (outcome.kind === "completed") log.info(`done: ${outcome.result.summary}`);
    else if (outcome.kind === "failed") log.error(`failed: ${outcome.error}`);
    else log.warn(`stopped: ${outcome.reason}`);
    return outcome;
  } finally {
    ledger.close();
  }
}

/** Registers `factory run`. */
export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("Run the pipeline once: one job from the relay (--once) or a local checkout (--local <path>)")
    .option("--once", "lease one job from the relay, run it, exit")
    .option("--local <repo-path>", "run on a local checkout, no relay")
    .action(async (opts: { once?: boolean; local?: string }) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      if (Boolean(opts.once) === Boolean(opts.local)) {
        createProcessLogger(config).error("Say which: `factory run --once` (one relay job) or `factory run --local <repo-path>`.");
        return void (process.exitCode = EXIT.config);
      }
      if (opts.once) {
        process.exitCode = await startWorker(config, { once: true });
        return;
      }
      const ac = new AbortController();
      const onSignal = () => (ac.signal.aborted ? process.exit(EXIT.interrupted) : ac.abort(new Error("interrupted")));
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const bar = terminalProgress(config);
      try {
        const outcome = await runLocal(config, opts.local!, {
          signal: ac.signal,
          ...(bar ? { log: bar.log, onProgress: bar.update } : {}),
        });
        process.exitCode = outcome.kind === "completed" ? EXIT.ok : outcome.kind === "failed" ? EXIT.failed : EXIT.interrupted;
      } catch (e) {
        createProcessLogger(config).error((e as Error).message);
        process.exitCode = EXIT.failed;
      } finally {
        bar?.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
