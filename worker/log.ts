/**
 * The worker's structured logger (the {@link Logger} of worker/pipeline/types.ts).
 *
 * On a terminal it prints one readable line per event; otherwise (a service, a pipe, a test)
 * one JSON object per line. Every line carries `jobId` and `step` (null when not about one),
 * so `grep`/`jq` over a day of logs finds everything a job did.
 *
 * Secrets never reach a line: values registered as secrets are masked wherever they appear
 * (message or fields), and fields whose names look secret (token, authorization, …) are masked.
 */
import type { WorkerConfig } from "./config.ts";
import type { Logger } from "./pipeline/types.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /token|secret|password|authorization|api[-_]?key|credential/i;
const MASK = "***";

/** How to build a logger. Everything has a default suited to a real process. */
export interface LoggerOptions {
  /** JSON lines (true) or readable lines (false). Default: FACTORY_LOG_FORMAT ("json" or "text"), else JSON unless stderr is a TTY. */
  json?: boolean;
  /** Lowest level written. Default "info" (FACTORY_LOG_LEVEL=debug to see more). */
  level?: LogLevel;
  /** Where lines go. Default: process.stderr. */
  write?: (line: string) => void;
  /** Values masked wherever they appear (worker token, GitHub token, …). Empty strings are ignored. */
  secrets?: readonly (string | undefined | null)[];
  /** Clock for timestamps. */
  now?: () => number;
  /** Fields on every line. */
  fields?: Record<string, unknown>;
}

/** Creates the root logger of a process. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = process.env.FACTORY_LOG_FORMAT;
  const json = opts.json ?? (format === "json" ? true : format === "text" ? false : !process.stderr.isTTY);
  const envLevel = process.env.FACTORY_LOG_LEVEL as LogLevel | undefined;
  const min = LEVELS[opts.level ?? (envLevel && envLevel in LEVELS ? envLevel : "info")];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const secrets = (opts.secrets ?? []).filter((s): s is string => typeof s === "string" && s.length >= 4);
  const now = opts.now ?? Date.now;
  const scrub = (s: string) => maskSecrets(s, secrets);

  const make = (base: Record<string, unknown>): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (LEVELS[level] < min) return;
      const all = { jobId: null, step: null, ...base, ...fields };
      const clean = scrubFields(all, scrub);
      write(json ? jsonLine(now(), level, scrub(msg), clean) : readableLine(now(), level, scrub(msg), clean));
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(opts.fields ?? {});
}

/**
 * Every secret this process may hold, from the configuration when it is loaded, else from the
 * environment: masked in log lines and in the CLI's error messages (an SDK error or a URL may
 * quote one).
 */
export function processSecrets(
  config: Pick<WorkerConfig, "workerToken" | "githubToken"> | null,
  env: Record<string, string | undefined> = process.env,
): string[] {
  return [
    config?.workerToken ?? env.WORKER_TOKEN,
    config?.githubToken ?? env.GITHUB_TOKEN,
    env.ANTHROPIC_API_KEY,
    env.ELEVENLABS_API_KEY,
    env.GOOGLE_TTS_API_KEY,
  ].filter((s): s is string => typeof s === "string" && s.length >= 4);
}

/** The process-wide logger, with every secret of {@link processSecrets} masked. `write` replaces stderr. */
export function createProcessLogger(config: WorkerConfig | null, write?: (line: string) => void): Logger {
  return createLogger({ secrets: processSecrets(config), ...(write ? { write, json: false } : {}) });
}

/** A logger that drops everything (library calls without a logger). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * Replaces every occurrence of each secret in `text` with `***`: as written, and as it reads
 * inside JSON text (a secret with `"`, `\` or a control character is escaped there, e.g. in a
 * logged object or an API error body).
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    out = out.split(s).join(MASK);
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) out = out.split(escaped).join(MASK);
  }
  return out;
}

function scrubFields(fields: Record<string, unknown>, scrub: (s: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k) && v !== null && v !== undefined) out[k] = MASK;
    else if (typeof v === "string") out[k] = scrub(v);
    else if (v instanceof Error) out[k] = scrub(v.message);
    else if (v !== null && typeof v === "object") out[k] = JSON.parse(scrub(JSON.stringify(v)));
    else out[k] = v;
  }
  return out;
}

function jsonLine(t: number, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date(t).toISOString(), level, msg, ...fields });
}

function readableLine(t: number, level: LogLevel, msg: string, fields: Record<string, unknown>): string {
  const { jobId, step, ...rest } = fields;
  const time = new Date(t).toISOString().slice(11, 19);
  const where = [jobId ? `job ${String(jobId)}` : "", step ? `step ${String(step)}` : ""].filter(Boolean).join(" ");
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return [time, level.toUpperCase().padEnd(5), where ? `[${where}]` : "", msg, extra].filter(Boolean).join(" ");
}
