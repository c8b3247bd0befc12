/**
 * `factory init`: generates the relay's secrets, writes the worker's configuration, and says
 * exactly what to run and what to paste where. Pure planning here; the command does the I/O.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** What the owner told the wizard (flags or answers). */
export interface InitAnswers {
  relayUrl: string | null;
  /** owner/name of the content repository, if known. */
  repository: string | null;
  workerName: string;
  workDir: string;
  publishTarget: "local" | "youtube";
}

/** The secrets init makes. The webhook secret is shared with GitHub; the token with the relay. */
export interface InitSecrets {
  webhookSecret: string;
  workerToken: string;
}

/** 32 random bytes, hex: what GitHub's docs suggest for a webhook secret, and a strong bearer token. */
export function generateSecrets(random: (n: number) => Buffer = randomBytes): InitSecrets {
  return { webhookSecret: random(32).toString("hex"), workerToken: `wt_${random(32).toString("base64url")}` };
}

/** A default worker name from this machine's host name. */
export function defaultWorkerName(host = hostname()): string {
  return (host.replace(/[^A-Za-z0-9_.:@-]/g, "-").slice(0, 60) || "home") + "-worker";
}

/** The factory.config.json init writes (mode 0600: it holds the worker token). */
export function buildConfig(a: InitAnswers, s: InitSecrets, existing: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = {
    ...existing,
    ...(a.relayUrl ? { relayUrl: a.relayUrl.replace(/\/+$/, "") } : {}),
    workerToken: s.workerToken,
    workerName: a.workerName,
    workDir: a.workDir,
    publish: { ...((existing.publish as object) ?? {}), target: a.publishTarget },
  };
  if (a.repository) {
    const repos = { ...((existing.repositories as Record<string, unknown>) ?? {}) };
    repos[a.repository] ??= {};
    config.repositories = repos;
  }
  return config;
}

/** The file `wrangler secret bulk` reads: the relay's two secrets. */
export function relaySecretsFile(s: InitSecrets): Record<string, string> {
  return { GITHUB_WEBHOOK_SECRET: s.webhookSecret, WORKER_TOKENS: s.workerToken };
}

/** The commands that deploy the relay, in order. The secrets go through a file, never the command line. */
export function deployCommands(secretsFile: string): string[][] {
  return [
    ["npx", "wrangler", "login"],
    ["npx", "wrangler", "deploy"],
    ["npx", "wrangler", "secret", "bulk", secretsFile],
  ];
}

/** What to type into GitHub's "Add webhook" form. */
export function githubWebhookForm(a: InitAnswers, s: InitSecrets): string {
  const url = a.relayUrl ? `${a.relayUrl.replace(/\/+$/, "")}/github/webhook` : "https://<your relay>.workers.dev/github/webhook";
  const where = a.repository
    ? `https://github.com/${a.repository}/settings/hooks/new`
    : "your repository on GitHub → Settings → Webhooks → Add webhook";
  return [
    `Open ${where} and fill in:`,
    `  Payload URL:   ${url}`,
    "  Content type:  application/json",
    `  Secret:        ${s.webhookSecret}`,
    "  SSL verification: Enable",
    '  Which events:  "Just the push event."',
    "  Active:        ticked",
    'Then press "Add webhook". GitHub sends a ping at once; its "Recent Deliveries" tab should show a green tick (200).',
  ].join("\n");
}
