/**
 * The worker's configuration: environment variables, plus an optional `factory.config.json`
 * (path in FACTORY_CONFIG, default ./factory.config.json). The environment wins over the file.
 *
 * Both are zod-validated; an error names the setting (as an environment variable and as a file
 * key) and says how to fix it. The stage sections `content`, `voice`, `video` and `publish` are
 * not validated here: they are passed untouched to the pipeline as `settings`, and each stage
 * validates its own section.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { MAX_WAIT_SECONDS, RepoFullName } from "../shared/jobs.ts";
import type { PipelineSettings } from "./pipeline/types.ts";
import { jsonErrorWhere } from "./kb/json-error.ts";
import { GitHubSettings } from "./github/settings.ts";
import { CalendarSettings } from "./publish/calendar.ts";

/** Per-repository overrides, keyed by owner/name in `repositories`. */
export const RepoSettings = z
  .object({
    /** Clone from here instead of the job's clone URL: an SSH URL, a mirror or a local path. */
    cloneUrl: z.string().min(1).optional(),
    /** Branch to take when a job names none (manual and dispatch jobs). */
    branch: z.string().min(1).optional(),
  })
  .strict();
export type RepoSettings = z.infer<typeof RepoSettings>;

/** The stage sections handed to the pipeline untouched. */
export const STAGE_SECTIONS = ["content", "voice", "video", "publish", "learn"] as const;

const Settings = z.object({
  relayUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://agent-factory-relay.<you>.workers.dev" }).optional(),
  workerToken: z.string().min(1, "must not be empty").optional(),
  workerName: z.string().regex(/^[A-Za-z0-9_.:@-]{1,100}$/, "must be 1-100 chars of letters, digits, _ . : @ -").optional(),
  workDir: z.string().min(1, "must not be empty").optional(),
  concurrency: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(16, "must be at most 16").optional(),
  githubToken: z.string().min(1).optional(),
  waitSeconds: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS}`).optional(),
  drainSeconds: z.coerce.number().min(0).max(3600).optional(),
  transport: z.enum(["websocket", "longpoll"], { error: 'must be "websocket" (wake-up channel, long-poll fallback) or "longpoll"' }).optional(),
  repositories: z.record(RepoFullName, RepoSettings).optional(),
  content: z.unknown().optional(),
  voice: z.unknown().optional(),
  /** The learning agent (e.g. learn.factoryIoUrl); read by worker/learn/. */
  learn: z.unknown().optional(),
  video: z.unknown().optional(),
  publish: z.unknown().optional(),
  github: GitHubSettings.optional(),
  calendar: CalendarSettings.optional(),
});

/** Which environment variable feeds which setting. */
const ENV: Record<string, keyof z.infer<typeof Settings>> = {
  RELAY_URL: "relayUrl",
  WORKER_TOKEN: "workerToken",
  WORKER_NAME: "workerName",
  WORK_DIR: "workDir",
  WORKER_CONCURRENCY: "concurrency",
  GITHUB_TOKEN: "githubToken",
  WORKER_WAIT_SECONDS: "waitSeconds",
  WORKER_DRAIN_SECONDS: "drainSeconds",
  WORKER_TRANSPORT: "transport",
};
const KNOWN_KEYS = new Set<string>(Object.keys(Settings.shape));

/** The validated configuration. */
export interface WorkerConfig {
  relayUrl: string | null;
  workerToken: string | null;
  workerName: string;
  /** Absolute. */
  workDir: string;
  concurrency: number;
  githubToken: string | null;
  /** Long-poll wait (s), near the relay's maximum by default. */
  waitSeconds: number;
  /** How long a graceful shutdown lets the running step finish (ms). */
  drainMs: number;
  /** "websocket": idle on the relay's wake-up channel, long-poll while it is down; "longpoll": only long-poll. */
  transport: "websocket" | "longpoll";
  repositories: Record<string, RepoSettings>;
  /** The stage sections (content, voice, video, publish), untouched. */
  settings: PipelineSettings;
  /** GitHub REST settings (issue 16): API root, dashboard link, status context. */
  github?: GitHubSettings;
  /** The publishing calendar, when the owner set one. */
  calendar?: CalendarSettings | null;
  /** The file read, if any. */
  configFile: string | null;
  /** Where the file was looked for (set by {@link loadConfig}), for "not found" messages. */
  configSearched?: string;
  /** Non-fatal remarks (unknown keys in the file) for the log. */
  warnings: string[];
}

/** A configuration problem; the message lists every bad setting and how to fix it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Where configuration comes from; defaults are the real process's. */
export interface ConfigSources {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Reads and validates the configuration. Throws {@link ConfigError}. */
export function loadConfig(sources: ConfigSources = {}): WorkerConfig {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const explicitFile = env.FACTORY_CONFIG || undefined;
  const file = resolve(cwd, explicitFile ?? "factory.config.json");
  let fromFile: Record<string, unknown> = {};
  let configFile: string | null = null;
  if (existsSync(file)) {
    configFile = file;
    let parsed: unknown;
    const text = readFileSync(file, "utf8");
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError(`${file} is not valid JSON (${jsonErrorWhere(text)}). Fix the file or remove it.`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigError(`${file} must hold a JSON object such as {"relayUrl": "https://…", "concurrency": 1}.`);
    }
    fromFile = parsed as Record<string, unknown>;
  } else if (explicitFile) {
    throw new ConfigError(`FACTORY_CONFIG names ${file}, which does not exist. Create it or unset FACTORY_CONFIG.`);
  }

  const warnings = Object.keys(fromFile)
    .filter((k) => !KNOWN_KEYS.has(k))
    .map((k) => `${configFile}: unknown setting "${k}" ignored (known: ${[...KNOWN_KEYS].join(", ")})`);

  const merged: Record<string, unknown> = { ...fromFile };
  const origin: Record<string, string> = {};
  for (const key of Object.keys(fromFile)) origin[key] = `"${key}" in ${configFile}`;
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value !== undefined && value !== "") {
      merged[key] = value;
      origin[key] = name;
    }
  }

  const result = Settings.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      const where = origin[key] ?? key;
      const path = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join(".")})` : "";
      return `- ${where}${path}: ${issue.message}. ${howToSet(key)}`;
    });
    throw new ConfigError(`The worker's configuration is invalid:\n${lines.join("\n")}`);
  }
  const s = result.data;
  const workDir = s.workDir ?? "./.factory";
  const settings: PipelineSettings = {};
  for (const section of STAGE_SECTIONS) if (s[section] !== undefined) settings[section] = s[section];
  return {
    relayUrl: s.relayUrl ? s.relayUrl.replace(/\/+$/, "") : null,
    workerToken: s.workerToken ?? null,
    workerName: s.workerName ?? `${hostname().replace(/[^A-Za-z0-9_.:@-]/g, "-").slice(0, 80)}-${process.pid}`,
    workDir: isAbsolute(workDir) ? workDir : resolve(cwd, workDir),
    concurrency: s.concurrency ?? 1,
    githubToken: s.githubToken ?? null,
    waitSeconds: s.waitSeconds ?? MAX_WAIT_SECONDS - 5,
    drainMs: Math.round((s.drainSeconds ?? 30) * 1000),
    transport: s.transport ?? "websocket",
    repositories: s.repositories ?? {},
    settings,
    github: s.github ?? GitHubSettings.parse({}),
    calendar: s.calendar ?? null,
    configFile,
    configSearched: file,
    warnings,
  };
}

/** The relay settings a command needs; throws a {@link ConfigError} that says what to set. */
export function requireRelay(config: WorkerConfig): { relayUrl: string; workerToken: string } {
  const missing: string[] = [];
  if (!config.relayUrl) missing.push(`- RELAY_URL is not set. ${howToSet("relayUrl")}`);
  if (!config.workerToken) missing.push(`- WORKER_TOKEN is not set. ${howToSet("workerToken")}`);
  if (missing.length && !config.configFile && !config.relayUrl && !config.workerToken) throw new ConfigError(noConfigMessage(config));
  if (missing.length) throw new ConfigError(`This command talks to the relay:\n${missing.join("\n")}`);
  return { relayUrl: config.relayUrl!, workerToken: config.workerToken! };
}

/**
 * Neither a factory.config.json nor the environment names a relay: most often the command runs
 * in the wrong folder. Says where it looked and the two ways out (the file stays optional for a
 * service configured by environment variables alone).
 */
export function noConfigMessage(config: Pick<WorkerConfig, "configSearched">): string {
  const where = config.configSearched ?? "factory.config.json in the current folder";
  return [
    `No factory.config.json was found (looked for ${where}), and RELAY_URL and WORKER_TOKEN are not set.`,
    "- If you set this machine up already: cd to the folder where you ran `npx factory init` (the one with factory.config.json), or set FACTORY_CONFIG to that file.",
    "- If not: run `npx factory init` in this project's folder (docs/setup.md, step 2).",
    "- A service configured by environment alone: set RELAY_URL and WORKER_TOKEN.",
  ].join("\n");
}

function howToSet(key: string): string {
  const envName = Object.entries(ENV).find(([, k]) => k === key)?.[0];
  switch (key) {
    case "relayUrl":
      return "Set RELAY_URL (or \"relayUrl\" in factory.config.json) to your relay's URL, e.g. https://agent-factory-relay.<you>.workers.dev.";
    case "workerToken":
      return "Set WORKER_TOKEN (or \"workerToken\" in factory.config.json) to one of the tokens in the relay's WORKER_TOKENS secret.";
    case "repositories":
      return "\"repositories\" in factory.config.json maps owner/name to {\"cloneUrl\"?: string, \"branch\"?: string}.";
    default:
      return envName ? `Set ${envName} or "${key}" in factory.config.json.` : `Fix "${key}" in factory.config.json.`;
  }
}
