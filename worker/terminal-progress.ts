/**
 * A progress bar under the log lines when the worker runs in a terminal (cli-progress).
 * Log lines go through the bar so they do not tear it. Off a terminal (a service, a pipe) there
 * is no bar: the JSON log lines already carry each step.
 */
import cliProgress from "cli-progress";
import type { Progress } from "../shared/jobs.ts";
import type { WorkerConfig } from "./config.ts";
import { createProcessLogger } from "./log.ts";
import type { Logger } from "./pipeline/types.ts";

/** A bar and the logger that writes above it. */
export interface TerminalProgress {
  log: Logger;
  update(p: Progress): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; null otherwise. */
export function terminalProgress(config: WorkerConfig, stream: NodeJS.WriteStream = process.stderr): TerminalProgress | null {
  if (!stream.isTTY) return null;
  const bars = new cliProgress.MultiBar(
    { format: "{bar} {percentage}% {step} {message}", stream, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(100, 0, { step: "", message: "" });
  return {
    log: createProcessLogger(config, (line) => bars.log(`${line}\n`)),
    update: (p) => bar.update(Math.round((p.fraction ?? 0) * 100), { step: p.step ?? "", message: p.message ?? "" }),
    stop: () => {
      bars.update(); // flush log lines still buffered under the bar
      bars.stop();
    },
  };
}
