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
  /** Where the worker clones it from when not GitHub: a local bare repository, an SSH URL, a mirror. */
  cloneUrl?: string | null;
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
    repos[a.repository] = { ...((repos[a.repository] as object) ?? {}), ...(a.cloneUrl ? { cloneUrl: a.cloneUrl } : {}) };
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

/** A relay on this machine (`npm run relay:dev`): GitHub cannot reach it, and it speaks plain http. */
export function isLocalRelay(url: string | null): boolean {
  return url !== null && /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);
}

/**
 * `.dev.vars` (what `wrangler dev` reads) with the relay's two secrets set to `s`, other lines
 * kept: the local relay then accepts exactly the token and webhook secret init made. Pure.
 */
export function devVarsText(existing: string | null, s: InitSecrets): string {
  const want: Record<string, string> = relaySecretsFile(s);
  const lines = (existing ?? "").split(/\r?\n/).filter((l, i, all) => !(i === all.length - 1 && l === ""));
  const seen = new Set<string>();
  const out = lines.map((l) => {
    const m = /^\s*([A-Z_]+)\s*=/.exec(l);
    if (m && m[1]! in want) {
      seen.add(m[1]!);
      return `${m[1]}=${want[m[1]!]}`;
    }
    return l;
  });
  for (const [k, v] of Object.entries(want)) if (!seen.has(k)) out.push(`${k}=${v}`);
  return `${out.join("\n")}\n`;
}

/**
 * `.env` beside wrangler.toml holds wrangler's own settings. The local relay would fetch
 * Cloudflare's Request.cf sample from the internet at start-up and print a stack trace when
 * offline; the relay never reads request.cf, so init turns the fetch off. Returns null when the
 * file already says so (or says otherwise: the owner's choice stands). Pure.
 */
export function wranglerEnvText(existing: string | null): string | null {
  if (existing !== null && /^\s*CLOUDFLARE_CF_FETCH_ENABLED\s*=/m.test(existing)) return null;
  const head = existing === null || existing === "" ? "" : existing.endsWith("\n") ? existing : `${existing}\n`;
  return `${head}# wrangler dev: no download of Cloudflare's request.cf sample (the relay does not use it; offline it printed a stack trace)\nCLOUDFLARE_CF_FETCH_ENABLED=false\n`;
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
    // GitHub offers the choice only for https URLs; for http there is nothing to enable.
    ...(url.startsWith("https://") ? ["  SSL verification: Enable"] : []),
    '  Which events:  "Just the push event."',
    "  Active:        ticked",
    'Then press "Add webhook". GitHub sends a ping at once; its "Recent Deliveries" tab should show a green tick (200).',
  ].join("\n");
}
