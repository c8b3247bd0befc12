/**
 * `factory doctor`: checks this machine and its connections, and says how to fix each problem.
 * Exits 1 when any check fails, so scripts and the service manager can tell.
 */
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { formatReport, machineProbes, runDoctor } from "../doctor/checks.ts";
import { ffmpegPath } from "../media/ffmpeg.ts";

/** Registers `factory doctor`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("check Node, git, ffmpeg, disk, the relay and token, repositories and service keys")
    .option("--json", "print the results as JSON")
    .action(async (opts: { json?: boolean }) => {
      let config;
      try {
        config = loadConfig();
      } catch (e) {
        config = e as Error;
      }
      const probes = machineProbes(config, () => ffmpegPath());
      if (!(config instanceof Error)) {
        // Imported on use: the service checks load the Anthropic SDK and googleapis (about 1 s).
        const { checkAnthropic, checkVoice, checkYouTube } = await import("../doctor/service-checks.ts");
        const c = config;
        probes.extra = [() => checkAnthropic(process.env), () => checkYouTube(c), async () => checkVoice(c, process.env)];
      }
      const results = await runDoctor(probes);
      console.log(opts.json ? JSON.stringify(results, null, 2) : formatReport(results));
      if (results.some((r) => r.status === "fail")) process.exitCode = 1;
    });
}
