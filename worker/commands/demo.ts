/**
 * `factory demo` (what `npm run demo` runs): the whole factory end to end on this machine,
 * with no account and no key. See worker/demo/run-demo.ts.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { formatDemoReport, runDemo } from "../demo/run-demo.ts";

interface DemoFlags {
  dir: string;
  out: string;
  atoms: string;
  all?: boolean;
  json?: boolean;
}

/** Registers `factory demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run the whole factory locally: relay in workerd, a git origin, a real worker, local publishing")
    .option("--dir <folder>", "where the demo keeps its repository, relay state and work dir", ".factory/demo")
    .option("--out <folder>", "where the finished videos go", "out/published")
    .option("--atoms <n>", "how many lessons to make from the first course", "3")
    .option("--all", "make a lesson of every atom in kb/ (takes several minutes)")
    .option("--json", "show the worker's JSON log lines instead of plain progress (also FACTORY_LOG_FORMAT=json, or when stdout is not a terminal)")
    .action(async (flags: DemoFlags) => {
      const atoms = flags.all ? null : Number(flags.atoms);
      if (atoms !== null && (!Number.isInteger(atoms) || atoms < 1)) {
        console.error(`--atoms must be a whole number of at least 1, not "${flags.atoms}"`);
        process.exitCode = 2;
        return;
      }
      // The local relay would fetch Cloudflare's Request.cf sample from the internet at start-up, and
      // print a stack trace on a machine without a connection; the demo needs none of it.
      process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
      const json = flags.json === true || process.env.FACTORY_LOG_FORMAT === "json" || !process.stdout.isTTY;
      const ac = new AbortController();
      const onSignal = () => (ac.signal.aborted ? process.exit(130) : ac.abort());
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        const out = resolve(flags.out);
        const report = await runDemo({ dir: flags.dir, out, atoms, json }, ac.signal);
        console.log(formatDemoReport(report, out));
      } catch (e) {
        console.error(`\nThe demo stopped: ${(e as Error).message}`);
        process.exitCode = 1;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
