/**
 * `factory doctor`: every check the owner would otherwise do by hand, each with the exact fix.
 *
 * The checks are plain functions of a {@link DoctorProbes} bundle, so tests drive them against
 * a real local relay and real binaries while swapping only what they must (environment, paths).
 */
import { parseFfmpegVersion } from "../media/ffmpeg.ts";
import { spawn } from "node:child_process";
import { existsSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { JobList } from "../../shared/jobs.ts";
import { adviseDeadJobs } from "../commands/dead-jobs.ts";
import type { WorkerConfig } from "../config.ts";
import { type Diagnosis, diagnoseFetchError, diagnoseHealthz, diagnoseTokenAnswer } from "./relay-diagnosis.ts";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of the doctor's report. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

/** What the checks may touch. */
export interface DoctorProbes {
  nodeVersion: string;
  env: Record<string, string | undefined>;
  /** The configuration, or the error that loading it raised. */
  config: WorkerConfig | Error;
  fetch: typeof fetch;
  /** Runs a command, resolving with its exit code and output (code null when it could not start). */
  run(cmd: string, args: string[], env?: Record<string, string>): Promise<{ code: number | null; out: string }>;
  /** Free bytes on the file system holding `dir`. */
  freeBytes(dir: string): number;
  ffmpegPath(): string;
  /** How long each relay request may take (default 10 s). */
  timeoutMs?: number;
  /** Extra checks contributed by stages (Anthropic key, YouTube sign-in, voices). */
  extra?: Array<() => Promise<CheckResult>>;
}

/** The oldest Node the worker supports (package.json "engines"; undici's WebSocket needs 20.18.1). */
const MIN_NODE: [number, number, number] = [20, 18, 1];
const GIB = 1024 ** 3;

/** Node must be new enough for wrangler and the worker. */
export function checkNode(version: string): CheckResult {
  const [maj = 0, min = 0, patch = 0] = version.replace(/^v/, "").split(".").map(Number);
  const [M, m, p] = MIN_NODE;
  const ok = maj > M || (maj === M && (min > m || (min === m && patch >= p)));
  return ok
    ? { name: "Node.js", status: "ok", detail: version }
    : {
        name: "Node.js",
        status: "fail",
        detail: `${version} is too old`,
        fix: `Install Node.js ${MIN_NODE.join(".")} or newer (the LTS from nodejs.org), then run npm install again.`,
      };
}

/** Disk space where the worker keeps repositories, artifacts and the ledger. */
export function checkDisk(workDir: string, freeBytes: (dir: string) => number): CheckResult {
  let dir = workDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const free = freeBytes(dir);
  const gib = (free / GIB).toFixed(1);
  if (free < 1 * GIB)
    return {
      name: "Free disk",
      status: "fail",
      detail: `${gib} GiB free at ${dir}`,
      fix: "Free at least 5 GiB there, or point WORK_DIR at a bigger disk. Rendering stops cleanly when the disk is full, but nothing new is made.",
    };
  if (free < 5 * GIB)
    return {
      name: "Free disk",
      status: "warn",
      detail: `${gib} GiB free at ${dir}`,
      fix: "Videos take about 20–60 MB each; keep 5 GiB free or point WORK_DIR at a bigger disk.",
    };
  return { name: "Free disk", status: "ok", detail: `${gib} GiB free at ${dir}` };
}

async function checkCommand(
  p: DoctorProbes,
  name: string,
  cmd: string,
  args: string[],
  fix: string,
): Promise<CheckResult> {
  const r = await p.run(cmd, args);
  if (r.code !== 0) return { name, status: "fail", detail: r.code === null ? `${cmd} not found` : `${cmd} failed`, fix };
  return { name, status: "ok", detail: r.out.split("\n")[0]!.trim().slice(0, 100) };
}

/**
 * Which ffmpeg renders, where it comes from and how old it is. The npm build (@ffmpeg-installer)
 * dates from 2018; when a newer ffmpeg is on PATH the doctor says how to render with it.
 */
export async function checkFfmpeg(p: DoctorProbes): Promise<CheckResult> {
  const path = p.ffmpegPath();
  const source = p.env.FFMPEG_PATH ? "FFMPEG_PATH" : /ffmpeg-installer/.test(path) ? "from npm" : "on PATH, newer than the npm build";
  const r = await p.run(path, ["-hide_banner", "-version"]);
  const v = r.code === 0 ? parseFfmpegVersion(r.out) : null;
  if (!v)
    return {
      name: "ffmpeg",
      status: "fail",
      detail: r.code === null ? `${path} not found` : `${path} failed`,
      fix: "Run `npm install` again (it brings ffmpeg), or set FFMPEG_PATH to an ffmpeg binary (4.0 or newer).",
    };
  const detail = `${v.version}${v.year ? ` (built ${v.year})` : ""}, ${source}: ${path}`;
  if (source === "from npm") {
    const system = await p.run("ffmpeg", ["-hide_banner", "-version"]);
    const sv = system.code === 0 ? parseFfmpegVersion(system.out) : null;
    if (sv?.year && v.year && sv.year > v.year)
      return {
        name: "ffmpeg",
        status: "warn",
        detail,
        fix: `A newer ffmpeg ${sv.version} (built ${sv.year}) is on PATH: the worker renders with it unless FACTORY_FFMPEG=npm is set (remove that), or put FFMPEG_PATH=ffmpeg in .factory/worker.env.`,
      };
  }
  return { name: "ffmpeg", status: "ok", detail };
}

/**
 * The relay answers and accepts our token. Two results: reachable, then token. A failure says
 * which of DNS, refused connection, TLS, timeout, "not the relay" or a rejected token it is.
 */
export async function checkRelay(p: DoctorProbes, config: WorkerConfig): Promise<CheckResult[]> {
  if (!config.relayUrl)
    return [
      {
        name: "Relay",
        status: "fail",
        detail: config.configFile ? `no relayUrl in ${config.configFile}, and RELAY_URL is not set` : "RELAY_URL is not set",
        fix: 'Run "npx factory init --relay-url https://<your relay>.workers.dev" (or http://127.0.0.1:8787 for `npm run relay:dev`), or set RELAY_URL.',
      },
    ];
  const base = config.relayUrl;
  const timeoutMs = p.timeoutMs ?? 10_000;
  const fail = (name: string, d: Diagnosis): CheckResult => ({ name, status: "fail", detail: d.detail, fix: d.fix });
  try {
    const res = await p.fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const notRelay = diagnoseHealthz(res.status, await res.text(), base);
    if (notRelay) return [fail("Relay reachable", notRelay)];
  } catch (e) {
    return [fail("Relay reachable", diagnoseFetchError(e, `${base}/healthz`, timeoutMs))];
  }
  const results: CheckResult[] = [{ name: "Relay reachable", status: "ok", detail: base }];
  if (!config.workerToken) {
    results.push({
      name: "Worker token",
      status: "fail",
      detail: "WORKER_TOKEN is not set",
      fix: 'Run "npx factory init" or set WORKER_TOKEN to one of the tokens in the relay\'s WORKER_TOKENS secret.',
    });
    return results;
  }
  let res: Response;
  try {
    res = await p.fetch(`${base}/v1/stats`, {
      headers: { Authorization: `Bearer ${config.workerToken}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    results.push(fail("Worker token", diagnoseFetchError(e, `${base}/v1/stats`, timeoutMs)));
    return results;
  }
  const body = (await res.json().catch(() => null)) as { counts?: Record<string, number> } | null;
  const refused = diagnoseTokenAnswer(res.status);
  if (refused) results.push(fail("Worker token", refused));
  else {
    const c = body?.counts ?? {};
    const dead = c.dead ?? 0;
    results.push({ name: "Worker token", status: "ok", detail: `accepted; queued ${c.queued ?? 0}, leased ${c.leased ?? 0}, dead ${dead}` });
    const open = dead > 0 ? await deadJobsNeedingCare(p, base, config.workerToken, timeoutMs, dead) : 0;
    if (open > 0)
      results.push({
        name: "Dead jobs",
        status: "warn",
        detail: `${open} job(s) gave up`,
        fix: '"npx factory status" says for each whether to push a fix or to retry it; "npx factory jobs --state dead" shows the whole errors.',
      });
  }
  return results;
}

/**
 * Dead jobs that still need the owner: those a later successful push did not supersede. When the
 * lists cannot be read, every dead job counts (the warning errs on the side of telling).
 */
async function deadJobsNeedingCare(p: DoctorProbes, base: string, token: string, timeoutMs: number, dead: number): Promise<number> {
  try {
    const get = async (query: string) => {
      const res = await p.fetch(`${base}/v1/jobs?${query}`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
      if (res.status !== 200) throw new Error(`GET /v1/jobs answered ${res.status}`);
      return JobList.parse(await res.json()).jobs;
    };
    const [deadJobs, recent] = await Promise.all([get("state=dead&limit=200"), get("limit=200")]);
    return adviseDeadJobs(deadJobs, recent).filter((a) => a.kind !== "superseded").length;
  } catch {
    return dead;
  }
}

/** Each configured repository answers `git ls-remote` (with GITHUB_TOKEN for private ones). */
export async function checkRepositories(p: DoctorProbes, config: WorkerConfig): Promise<CheckResult[]> {
  const repos = Object.entries(config.repositories);
  if (repos.length === 0)
    return [
      {
        name: "Repositories",
        status: "skip",
        detail: "none configured; the worker clones whatever the relay's jobs name",
      },
    ];
  const out: CheckResult[] = [];
  for (const [name, s] of repos) {
    const url = s.cloneUrl ?? `https://github.com/${name}.git`;
    const args = ["ls-remote", "--heads", url];
    const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0" };
    if (config.githubToken && url.startsWith("https://")) {
      // Through git's environment config, not `-c` on the command line, which other users see in `ps`.
      const basic = Buffer.from(`x-access-token:${config.githubToken}`).toString("base64");
      Object.assign(env, { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "http.extraHeader", GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` });
    }
    const r = await p.run("git", args, env);
    out.push(
      r.code === 0
        ? { name: `Repository ${name}`, status: "ok", detail: `${r.out.split("\n").filter(Boolean).length} branch(es)` }
        : {
            name: `Repository ${name}`,
            status: "fail",
            detail: `cannot read ${url.replace(/\/\/[^@/]*@/, "//")}`,
            fix: "Check the name, and for a private repository set GITHUB_TOKEN to a token with read access to its contents.",
          },
    );
  }
  return out;
}

/** Runs every check in order; none throws. */
export async function runDoctor(p: DoctorProbes): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNode(p.nodeVersion)];
  results.push(await checkCommand(p, "git", "git", ["--version"], "Install git (https://git-scm.com/downloads) and open a new terminal."));
  results.push(await checkFfmpeg(p));
  if (p.config instanceof Error) {
    results.push({ name: "Configuration", status: "fail", detail: p.config.message, fix: "Fix the settings named above, or run `npx factory init`." });
    return results;
  }
  const config = p.config;
  const nothing = !config.configFile && !config.relayUrl && !config.workerToken;
  results.push(
    nothing
      ? {
          name: "Configuration",
          status: "fail",
          detail: `no factory.config.json at ${config.configSearched ?? "the current folder"}, and RELAY_URL is not set`,
          fix: "cd to the folder where you ran `npx factory init` (the one with factory.config.json), or run `npx factory init` here (docs/setup.md, step 2).",
        }
      : { name: "Configuration", status: "ok", detail: config.configFile ?? "environment only" },
  );
  results.push(checkDisk(config.workDir, p.freeBytes));
  if (!nothing) results.push(...(await checkRelay(p, config)));
  results.push(...(await checkRepositories(p, config)));
  for (const extra of p.extra ?? []) {
    try {
      results.push(await extra());
    } catch (e) {
      results.push({
        name: "Service check",
        status: "fail",
        detail: (e as Error).message,
        fix: "Fix the setting named here in factory.config.json, then run the doctor again.",
      });
    }
  }
  return results;
}

/** The real machine's probes. */
export function machineProbes(config: WorkerConfig | Error, ffmpegPath: () => string): DoctorProbes {
  return {
    nodeVersion: process.version,
    env: process.env,
    config,
    fetch,
    ffmpegPath,
    freeBytes: (dir) => {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    run: (cmd, args, env) =>
      new Promise((resolve) => {
        let out = "";
        const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("error", () => resolve({ code: null, out }));
        child.on("close", (code) => resolve({ code, out }));
      }),
  };
}

/** Formats the report for a terminal. */
export function formatReport(results: CheckResult[]): string {
  const mark: Record<CheckStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL", skip: "skip" };
  const lines = results.map((r) => `${mark[r.status]}  ${r.name}: ${r.detail}${r.fix ? `\n      → ${r.fix}` : ""}`);
  const failed = results.filter((r) => r.status === "fail").length;
  const warned = results.filter((r) => r.status === "warn").length;
  lines.push("", failed ? `${failed} problem(s) to fix, ${warned} warning(s).` : warned ? `All good, ${warned} warning(s).` : "All good.");
  return lines.join("\n");
}

export { parseFfmpegVersion };
