/**
 * `factory doctor`: every check the owner would otherwise do by hand, each with the exact fix.
 *
 * The checks are plain functions of a {@link DoctorProbes} bundle, so tests drive them against
 * a real local relay and real binaries while swapping only what they must (environment, paths).
 */
import { spawn } from "node:child_process";
import { existsSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { WorkerConfig } from "../config.ts";

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

/** The relay answers and accepts our token. Two results: reachable, then token. */
export async function checkRelay(p: DoctorProbes, config: WorkerConfig): Promise<CheckResult[]> {
  if (!config.relayUrl)
    return [
      {
        name: "Relay",
        status: "fail",
        detail: "RELAY_URL is not set",
        fix: 'Run "npx factory init --relay-url https://<your relay>.workers.dev", or set RELAY_URL.',
      },
    ];
  const base = config.relayUrl;
  try {
    const res = await p.fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /healthz answered ${res.status}`);
  } catch (e) {
    return [
      {
        name: "Relay reachable",
        status: "fail",
        detail: `${base}: ${(e as Error).message}`,
        fix: "Check the URL (it is printed by `npx wrangler deploy`), this machine's internet connection, and that the relay is deployed (docs/setup.md, step 3).",
      },
    ];
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
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    results.push({
      name: "Worker token",
      status: "fail",
      detail: `GET /v1/stats failed: ${(e as Error).message}`,
      fix: "The relay answered /healthz a moment ago: check this machine's connection and run the doctor again.",
    });
    return results;
  }
  const body = (await res.json().catch(() => null)) as { counts?: Record<string, number> } | null;
  if (res.status === 401)
    results.push({
      name: "Worker token",
      status: "fail",
      detail: "the relay rejected the token (401)",
      fix: 'Put the same token in factory.config.json ("workerToken") and in the relay: `npx wrangler secret put WORKER_TOKENS`.',
    });
  else if (res.status !== 200)
    results.push({ name: "Worker token", status: "fail", detail: `GET /v1/stats answered ${res.status}`, fix: "See docs/troubleshooting.md." });
  else {
    const c = body?.counts ?? {};
    const dead = c.dead ?? 0;
    results.push({ name: "Worker token", status: "ok", detail: `accepted; queued ${c.queued ?? 0}, leased ${c.leased ?? 0}, dead ${dead}` });
    if (dead > 0)
      results.push({
        name: "Dead jobs",
        status: "warn",
        detail: `${dead} job(s) gave up`,
        fix: 'See why with "npx factory jobs --state dead", fix the cause, then "npx factory retry <id>".',
      });
  }
  return results;
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
  results.push(
    await checkCommand(
      p,
      "ffmpeg",
      p.ffmpegPath(),
      ["-hide_banner", "-version"],
      "Run `npm install` again (it brings ffmpeg), or set FFMPEG_PATH to an ffmpeg binary.",
    ),
  );
  if (p.config instanceof Error) {
    results.push({ name: "Configuration", status: "fail", detail: p.config.message, fix: "Fix the settings named above, or run `npx factory init`." });
    return results;
  }
  const config = p.config;
  results.push({ name: "Configuration", status: "ok", detail: config.configFile ?? "environment only" });
  results.push(checkDisk(config.workDir, p.freeBytes));
  results.push(...(await checkRelay(p, config)));
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
