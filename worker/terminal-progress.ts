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
  /** Shows the bar (it appears with a job's first progress, never while idle). */
  update(p: Progress): void;
  /** Takes the bar away between jobs, so an idle worker shows no "0 %". */
  idle(): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; null otherwise. */
export function terminalProgress(config: WorkerConfig, stream: NodeJS.WriteStream = process.stderr): TerminalProgress | null {
  if (!stream.isTTY) return null;
  // One bar set per job: made with the job's first progress and cleared when it ends, so an idle
  // worker shows its log lines and nothing under them.
  let bars: cliProgress.MultiBar | null = null;
  let bar: cliProgress.SingleBar | null = null;
  const close = () => {
    if (!bars) return;
    bars.update(); // flush log lines still buffered under the bar
    bars.stop();
    bars = null;
    bar = null;
  };
  return {
    log: createProcessLogger(config, (line) => (bars ? bars.log(`${line}\n`) : void stream.write(`${line}\n`))),
    update: (p) => {
      const value = Math.round((p.fraction ?? 0) * 100);
      const payload = { step: p.step ?? "", message: p.message ?? "" };
      if (!bars) {
        bars = new cliProgress.MultiBar(
          { format: "{bar} {percentage}% {step} {message}", stream, clearOnComplete: true, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
      }
      if (!bar) bar = bars.create(100, value, payload);
      else bar.update(value, payload);
    },
    idle: close,
    stop: close,
  };
}
