/**
 * `factory init`: the setup wizard. Asks what it must (or takes flags with --yes), generates the
 * webhook secret and the worker token, writes factory.config.json and .factory/relay-secrets.json
 * (both mode 0600), and prints or runs the wrangler commands and the GitHub webhook form.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { KB_REQUEST_FORM_TARGET, kbRequestFormText } from "../github/kb-request-form.ts";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { RepoFullName } from "../../shared/jobs.ts";
import { jsonErrorWhere } from "../kb/json-error.ts";
import {
  buildConfig,
  defaultWorkerName,
  deployCommands,
  devVarsText,
  generateSecrets,
  githubWebhookForm,
  type InitAnswers,
  type InitSecrets,
  isLocalRelay,
  relaySecretsFile,
  wranglerEnvText,
} from "../setup/init.ts";

interface InitOptions {
  relayUrl?: string;
  repo?: string;
  cloneUrl?: string;
  workerName?: string;
  workDir?: string;
  publish?: string;
  dir?: string;
  yes?: boolean;
  deploy?: boolean;
  rotate?: boolean;
  /** A local checkout of the content repository: init adds the KB request issue form to it. */
  contentDir?: string;
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

/** A clone URL as given, or a local path made absolute (the worker runs from another folder as a service). */
function cloneUrlValue(url: string, dir: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+@[^:]+:/.test(url) ? url : resolve(dir, url);
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
  if (opts.cloneUrl && !repository) throw new Error("--clone-url needs --repo <owner/name>: the name the relay and the worker know the repository by.");
  const answers: InitAnswers = {
    relayUrl,
    repository,
    cloneUrl: opts.cloneUrl ? cloneUrlValue(opts.cloneUrl, dir) : null,
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
  // .dev.vars is what `npm run relay:dev` (wrangler dev) reads: keep it holding the same secrets,
  // or the local relay would refuse this worker's token.
  const devVars = join(dir, ".dev.vars");
  let devVarsNote: string | null = null;
  if (existsSync(join(dir, "wrangler.toml"))) {
    const before = existsSync(devVars) ? readFileSync(devVars, "utf8") : null;
    const after = devVarsText(before, secrets);
    if (after !== before) {
      writeFileSync(devVars, after, { mode: 0o600 });
      devVarsNote = before === null ? "Wrote .dev.vars with the same secrets, for the local relay (`npm run relay:dev`)." : "Updated .dev.vars to the same secrets: restart `npm run relay:dev` if it runs.";
    }
    const envFile = join(dir, ".env");
    const envText = wranglerEnvText(existsSync(envFile) ? readFileSync(envFile, "utf8") : null);
    if (envText !== null) writeFileSync(envFile, envText, { mode: 0o600 });
  }

  out(`${reuse ? "Kept the existing secrets" : opts.rotate ? "Made new secrets" : "Made a webhook secret and a worker token"}.`);
  out(`Wrote ${configFile} and ${secretsFile} (readable only by you; both are git-ignored).`);
  if (devVarsNote) out(devVarsNote);
  out(`Worker token (to log in to the dashboard; it is also "workerToken" in factory.config.json): ${secrets.workerToken}`);
  const form = addIssueForm(opts.contentDir ? resolve(opts.contentDir) : null);
  if (form) out(form);
  out("");
  const steps: string[] = [];
  const local = isLocalRelay(answers.relayUrl);
  if (local) {
    steps.push(`Start the local relay in a second terminal and leave it running (it reads .dev.vars):\n     npm run relay:dev\n   It serves ${answers.relayUrl}.`);
    steps.push("Check everything:\n     npx factory doctor");
    steps.push("Start the worker in a third terminal and leave it running:\n     npx factory worker");
    steps.push("GitHub cannot reach a relay on this machine: send the signed push GitHub would send for your branch's head:\n     npx factory test-push");
  } else if (!answers.relayUrl) {
    const commands = deployCommands(secretsFile);
    if (opts.deploy) {
      for (const [cmd, ...args] of commands) {
        if (cmd === "npx" && args[1] === "login" && !interactive) continue; // login needs a browser
        out(`$ ${[cmd, ...args].join(" ")}`);
        const r = spawnSync(cmd!, args, { stdio: "inherit", cwd: dir, shell: process.platform === "win32" });
        if (r.status !== 0) throw new Error(`"${[cmd, ...args].join(" ")}" failed. Fix what it printed above, then run factory init --deploy again.`);
      }
      steps.push("`wrangler deploy` printed your relay's URL above. Save it: npx factory init --relay-url <that URL>");
    } else {
      steps.push(
        [
          "Deploy the relay to Cloudflare (from this folder):",
          ...commands.map((c) => `     ${c.join(" ")}`),
          "   `wrangler deploy` prints your relay's URL. Then: npx factory init --relay-url <that URL>",
          '   (To try everything on this machine first: docs/setup.md, "Try it all locally first".)',
        ].join("\n"),
      );
    }
    steps.push(githubWebhookForm(answers, secrets).replace(/\n/g, "\n   "));
  } else {
    steps.push(githubWebhookForm(answers, secrets).replace(/\n/g, "\n   "));
  }
  if (!local) {
    steps.push("Check everything:\n     npx factory doctor");
    steps.push("Run the worker as a service:\n     npx factory service install\n   (or in this terminal: npx factory worker)");
  }
  steps.forEach((text, i) => {
    out(`${i + 1}. ${text}`);
    out("");
  });
  return { configFile, secretsFile, secrets };
}

/**
 * Adds the KB request issue form (an issue labelled kb-request becomes a drafted atom in a pull
 * request, docs/github.md) to a checkout of the content repository; an existing form is kept.
 * Returns what to tell the owner.
 */
export function addIssueForm(contentDir: string | null): string {
  if (!contentDir) {
    return `To let GitHub issues request new atoms, add the issue form to your content repository: npx factory init --content-dir <its checkout> (docs/github.md).`;
  }
  if (!existsSync(join(contentDir, ".git"))) throw new Error(`--content-dir ${contentDir} is not a git checkout (no .git folder). Clone your content repository and point --content-dir at it.`);
  const target = join(contentDir, KB_REQUEST_FORM_TARGET);
  if (existsSync(target)) return `Kept the issue form already in ${target}.`;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, kbRequestFormText());
  return `Added the KB request issue form at ${target}: commit and push it (git -C ${contentDir} add ${KB_REQUEST_FORM_TARGET} && git -C ${contentDir} commit -m "Issue form for KB requests" && git -C ${contentDir} push).`;
}

/** Registers `factory init`. */
export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("set up this machine: secrets, worker config, relay deploy commands, GitHub webhook form")
    .option("--relay-url <url>", "your relay's URL (printed by wrangler deploy)")
    .option("--repo <owner/name>", "the GitHub repository with your knowledge base")
    .option("--clone-url <url or path>", "clone it from here instead of GitHub: a local bare repository, an SSH URL, a mirror")
    .option("--worker-name <name>", "how this machine appears on the relay")
    .option("--work-dir <folder>", "where repositories, artifacts and the ledger live", undefined)
    .option("--publish <target>", "local or youtube")
    .option("--dir <folder>", "where to write factory.config.json (default: current folder)")
    .option("-y, --yes", "ask nothing; take flags and defaults")
    .option("--deploy", "also run the wrangler commands (needs a Cloudflare account)")
    .option("--rotate", "make new secrets even if some exist (then update the relay and GitHub too)")
    .option("--content-dir <checkout>", "a local checkout of your content repository: adds the KB request issue form to it")
    .action(async (opts: InitOptions) => {
      await runInit(opts);
    });
}
