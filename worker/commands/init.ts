/**
 * `factory init`: the setup wizard. Asks what it must (or takes flags with --yes), generates the
 * webhook secret and the worker token, writes factory.config.json and .factory/relay-secrets.json
 * (both mode 0600), and prints or runs the wrangler commands and the GitHub webhook form.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { RepoFullName } from "../../shared/jobs.ts";
import { jsonErrorWhere } from "../kb/json-error.ts";
import {
  buildConfig,
  defaultWorkerName,
  deployCommands,
  generateSecrets,
  githubWebhookForm,
  type InitAnswers,
  type InitSecrets,
  relaySecretsFile,
} from "../setup/init.ts";

interface InitOptions {
  relayUrl?: string;
  repo?: string;
  workerName?: string;
  workDir?: string;
  publish?: string;
  dir?: string;
  yes?: boolean;
  deploy?: boolean;
  rotate?: boolean;
}

/** Writes `data` as JSON to `file` atomically, readable by the owner only. */
function writeSecretJson(file: string, data: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${file} is not valid JSON (${jsonErrorWhere(text)}). Fix or delete it, then run factory init again.`);
  }
}

async function ask(question: string, fallback: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`${question}${fallback ? ` [${fallback}]` : ""}: `)).trim();
    return answer || fallback;
  } finally {
    rl.close();
  }
}

function validate(a: InitAnswers): void {
  if (a.relayUrl && !/^https?:\/\/[^\s/]+/.test(a.relayUrl))
    throw new Error(`--relay-url "${a.relayUrl}" is not a URL. It looks like https://agent-factory-relay.<you>.workers.dev`);
  if (a.repository && !RepoFullName.safeParse(a.repository).success)
    throw new Error(`--repo "${a.repository}" must look like owner/name, e.g. alice/plc-lessons`);
}

/** Runs the wizard. Returns the paths it wrote. */
export async function runInit(opts: InitOptions, out: (line: string) => void = console.log) {
  const dir = resolve(opts.dir ?? process.cwd());
  const configFile = join(dir, "factory.config.json");
  const secretsDir = join(dir, ".factory");
  const secretsFile = join(secretsDir, "relay-secrets.json");
  const existing = readJson(configFile);
  const existingSecrets = readJson(secretsFile) as Record<string, string>;
  const interactive = !opts.yes && process.stdin.isTTY === true;

  let relayUrl = opts.relayUrl ?? (existing.relayUrl as string | undefined) ?? null;
  let repository = opts.repo ?? (Object.keys((existing.repositories as object) ?? {})[0] ?? null);
  if (interactive) {
    relayUrl = (await ask("Relay URL (empty if not deployed yet)", relayUrl ?? "")) || null;
    repository = (await ask("Content repository on GitHub (owner/name)", repository ?? "")) || null;
  }
  const answers: InitAnswers = {
    relayUrl,
    repository,
    workerName: opts.workerName ?? (existing.workerName as string | undefined) ?? defaultWorkerName(),
    workDir: opts.workDir ?? (existing.workDir as string | undefined) ?? "./.factory",
    publishTarget: (opts.publish ?? ((existing.publish as { target?: string } | undefined)?.target) ?? "local") as InitAnswers["publishTarget"],
  };
  if (!["local", "youtube"].includes(answers.publishTarget)) throw new Error(`--publish must be "local" or "youtube", not "${answers.publishTarget}"`);
  validate(answers);

  // Keep secrets that are already deployed unless asked to rotate: new ones would lock the worker out.
  const reuse = !opts.rotate && typeof existing.workerToken === "string" && existingSecrets.GITHUB_WEBHOOK_SECRET;
  const secrets: InitSecrets = reuse
    ? { workerToken: existing.workerToken as string, webhookSecret: existingSecrets.GITHUB_WEBHOOK_SECRET! }
    : generateSecrets();

  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  writeSecretJson(configFile, buildConfig(answers, secrets, existing));
  writeSecretJson(secretsFile, relaySecretsFile(secrets));
  const devVars = join(dir, ".dev.vars");
  if (!existsSync(devVars) && existsSync(join(dir, "wrangler.toml"))) {
    writeFileSync(devVars, `GITHUB_WEBHOOK_SECRET=${secrets.webhookSecret}\nWORKER_TOKENS=${secrets.workerToken}\n`, { mode: 0o600 });
  }

  out(`${reuse ? "Kept the existing secrets" : opts.rotate ? "Made new secrets" : "Made a webhook secret and a worker token"}.`);
  out(`Wrote ${configFile} and ${secretsFile} (readable only by you; both are git-ignored).`);
  out("");
  const commands = deployCommands(secretsFile);
  if (opts.deploy) {
    for (const [cmd, ...args] of commands) {
      if (cmd === "npx" && args[1] === "login" && !interactive) continue; // login needs a browser
      out(`$ ${[cmd, ...args].join(" ")}`);
      const r = spawnSync(cmd!, args, { stdio: "inherit", cwd: dir });
      if (r.status !== 0) throw new Error(`"${[cmd, ...args].join(" ")}" failed. Fix what it printed above, then run factory init --deploy again.`);
    }
  } else {
    out("1. Deploy the relay to Cloudflare (from this folder):");
    for (const c of commands) out(`     ${c.join(" ")}`);
    out("   `wrangler deploy` prints your relay's URL. Then: npx factory init --relay-url <that URL>");
  }
  out("");
  out(`2. ${githubWebhookForm(answers, secrets).replace(/\n/g, "\n   ")}`);
  out("");
  out("3. Check everything:            npx factory doctor");
  out("4. Run the worker as a service: npx factory service install");
  return { configFile, secretsFile, secrets };
}

/** Registers `factory init`. */
export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("set up this machine: secrets, worker config, relay deploy commands, GitHub webhook form")
    .option("--relay-url <url>", "your relay's URL (printed by wrangler deploy)")
    .option("--repo <owner/name>", "the GitHub repository with your knowledge base")
    .option("--worker-name <name>", "how this machine appears on the relay")
    .option("--work-dir <folder>", "where repositories, artifacts and the ledger live", undefined)
    .option("--publish <target>", "local or youtube")
    .option("--dir <folder>", "where to write factory.config.json (default: current folder)")
    .option("-y, --yes", "ask nothing; take flags and defaults")
    .option("--deploy", "also run the wrangler commands (needs a Cloudflare account)")
    .option("--rotate", "make new secrets even if some exist (then update the relay and GitHub too)")
    .action(async (opts: InitOptions) => {
      await runInit(opts);
    });
}
