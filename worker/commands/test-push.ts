/**
 * `factory test-push`: sends the relay the signed GitHub push webhook that a push of the
 * repository's branch head would make. For a relay GitHub cannot reach (`npm run relay:dev` on
 * this machine) it stands in for GitHub, signature check included; on a deployed relay it
 * re-builds the head without a commit.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { noConfigMessage, type WorkerConfig } from "../config.ts";
import { headFromLsRemote, signBody, testPushBody, type TestPush } from "../setup/test-push.ts";
import { configOrExit, EXIT } from "./runtime.ts";

interface TestPushOptions {
  repo?: string;
  branch?: string;
  cloneUrl?: string;
}

/** The webhook secret: GITHUB_WEBHOOK_SECRET, else the one `factory init` wrote next to the config. */
export function webhookSecret(config: WorkerConfig, env: Record<string, string | undefined> = process.env): string {
  if (env.GITHUB_WEBHOOK_SECRET) return env.GITHUB_WEBHOOK_SECRET.split(",")[0]!.trim();
  const folder = config.configFile ? dirname(config.configFile) : process.cwd();
  const file = join(folder, ".factory", "relay-secrets.json");
  if (existsSync(file)) {
    try {
      const s = JSON.parse(readFileSync(file, "utf8")) as { GITHUB_WEBHOOK_SECRET?: unknown };
      if (typeof s.GITHUB_WEBHOOK_SECRET === "string" && s.GITHUB_WEBHOOK_SECRET) return s.GITHUB_WEBHOOK_SECRET;
    } catch {
      // Reported below as missing.
    }
  }
  throw new Error(`No webhook secret: ${file} is missing or has no GITHUB_WEBHOOK_SECRET. Run \`npx factory init\` (or set GITHUB_WEBHOOK_SECRET).`);
}

/** What to push: the repository, its clone URL and branch from the flags and factory.config.json. */
function testPushTarget(config: WorkerConfig, opts: TestPushOptions): Omit<TestPush, "sha"> {
  const names = Object.keys(config.repositories);
  const repository = opts.repo ?? (names.length === 1 ? names[0] : undefined);
  if (!repository)
    throw new Error(
      names.length
        ? `Several repositories are configured (${names.join(", ")}): name one with --repo <owner/name>.`
        : 'Name the repository: --repo <owner/name>. For a local repository, also give its path in factory.config.json: "repositories": {"<owner/name>": {"cloneUrl": "/path/to/kb.git"}} (docs/setup.md).',
    );
  const s = config.repositories[repository] ?? {};
  return {
    repository,
    cloneUrl: opts.cloneUrl ?? s.cloneUrl ?? `https://github.com/${repository}.git`,
    branch: opts.branch ?? s.branch ?? "main",
  };
}

/** Sends the push; returns what to print. Throws with what to do when it cannot. */
async function sendTestPush(config: WorkerConfig, opts: TestPushOptions, fetchImpl: typeof fetch = fetch): Promise<string> {
  if (!config.relayUrl) throw new Error(config.configFile ? 'No relayUrl: run `npx factory init --relay-url <url>` (http://127.0.0.1:8787 for `npm run relay:dev`).' : noConfigMessage(config));
  const target = testPushTarget(config, opts);
  const secret = webhookSecret(config);
  const ls = spawnSync("git", ["ls-remote", target.cloneUrl, `refs/heads/${target.branch}`], {
    encoding: "utf8",
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  const sha = ls.status === 0 ? headFromLsRemote(ls.stdout, target.branch) : null;
  if (!sha)
    throw new Error(
      `Cannot read branch ${target.branch} of ${target.cloneUrl}${ls.status === 0 ? " (no such branch)" : `: ${(ls.stderr || ls.error?.message || "").trim()}`}. ` +
        "Check the repository's cloneUrl in factory.config.json and push a commit to that branch first.",
    );
  const body = JSON.stringify(testPushBody({ ...target, sha }));
  const res = await fetchImpl(`${config.relayUrl}/github/webhook`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-GitHub-Event": "push",
      "X-GitHub-Delivery": randomUUID(),
      "X-Hub-Signature-256": signBody(secret, body),
      "User-Agent": "GitHub-Hookshot/factory-test-push",
    },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const answer = (await res.json().catch(() => ({}))) as { jobId?: string; ignored?: string; message?: string; coalesced?: boolean };
  const what = `${target.repository}@${sha.slice(0, 12)} (${target.branch})`;
  if (res.status === 202 && answer.jobId)
    return `The relay queued job ${answer.jobId} for ${what}. A running worker (\`npx factory worker\`) picks it up; \`npx factory jobs\` shows it.`;
  if (res.status === 202 && answer.ignored) return `The relay ignored the push of ${what}: ${answer.ignored}`;
  if (res.status === 401)
    throw new Error(
      "The relay refused the signature (401): its GITHUB_WEBHOOK_SECRET differs from .factory/relay-secrets.json. " +
        "Run `npx factory init` (it keeps .dev.vars in step) and restart `npm run relay:dev`, or upload the secrets: `npx wrangler secret bulk .factory/relay-secrets.json`.",
    );
  throw new Error(`The relay answered ${res.status}: ${answer.message ?? "see docs/troubleshooting.md"}`);
}

/** Registers `factory test-push`. */
export function registerTestPushCommand(program: Command): void {
  program
    .command("test-push")
    .description("send the relay a signed GitHub push webhook for your repository's branch head (for a local relay GitHub cannot reach)")
    .option("--repo <owner/name>", "the repository (default: the one in factory.config.json)")
    .option("--branch <name>", "the branch (default: the repository's \"branch\" setting, else main)")
    .option("--clone-url <url>", "where the worker clones it from (default: its cloneUrl in factory.config.json)")
    .action(async (opts: TestPushOptions) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      console.log(await sendTestPush(config, opts));
    });
}
