import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInit } from "../../worker/commands/init.ts";
import { loadConfig } from "../../worker/config.ts";
import { machineProbes, runDoctor } from "../../worker/doctor/checks.ts";
import { ffmpegPath } from "../../worker/media/ffmpeg.ts";
import { type RelayProcess, startRelay } from "../helpers/relay-process.ts";

const CLI = resolve("bin/factory.mjs");
let relay: RelayProcess;
let dir: string;
let secrets: { webhookSecret: string; workerToken: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "init-"));
  const lines: string[] = [];
  // Init first (no relay URL yet, as on a fresh machine), then start a relay with its secrets.
  ({ secrets } = await runInit({ dir, yes: true, repo: "octo/lessons" }, (l) => lines.push(l)));
  relay = await startRelay({ vars: { GITHUB_WEBHOOK_SECRET: secrets.webhookSecret, WORKER_TOKENS: secrets.workerToken } });
  await runInit({ dir, yes: true, relayUrl: relay.url }, () => {});
});
afterAll(async () => {
  await relay?.stop();
});

describe("factory init --yes", () => {
  it("writes an owner-only config holding the token and keeps the secrets on a second run", () => {
    const file = join(dir, "factory.config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(file, "utf8"));
    expect(config.workerToken).toBe(secrets.workerToken);
    expect(config.relayUrl).toBe(relay.url);
    expect(config.repositories).toEqual({ "octo/lessons": {} });
    const relaySecrets = JSON.parse(readFileSync(join(dir, ".factory/relay-secrets.json"), "utf8"));
    expect(relaySecrets).toEqual({ GITHUB_WEBHOOK_SECRET: secrets.webhookSecret, WORKER_TOKENS: secrets.workerToken });
    expect(statSync(join(dir, ".factory/relay-secrets.json")).mode & 0o777).toBe(0o600);
  });

  it("before the relay is deployed: prints the deploy commands and the GitHub webhook form with the secret", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "init-fresh-"));
    const lines: string[] = [];
    const r = await runInit({ dir: fresh, yes: true, repo: "octo/lessons" }, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toContain("npx wrangler deploy");
    expect(text).toContain("npx wrangler secret bulk");
    expect(text).toContain("Payload URL:   https://<your relay>.workers.dev/github/webhook");
    expect(text).toContain("application/json");
    expect(text).toContain(`Secret:        ${r.secrets.webhookSecret}`);
    expect(text).toContain("SSL verification: Enable");
  });

  it("with a deployed relay's URL: the webhook form, and no deploy step again", async () => {
    const remote = mkdtempSync(join(tmpdir(), "init-remote-"));
    const lines: string[] = [];
    await runInit({ dir: remote, yes: true, relayUrl: "https://agent-factory-relay.me.workers.dev" }, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toContain("Payload URL:   https://agent-factory-relay.me.workers.dev/github/webhook");
    expect(text).toContain("SSL verification: Enable");
    expect(text).not.toContain("wrangler deploy");
  });

  it("with a relay on this machine: the local steps, no GitHub form and no SSL advice; prints the worker token", async () => {
    const lines: string[] = [];
    await runInit({ dir, yes: true }, (l) => lines.push(l));
    const text = lines.join("\n");
    expect(text).toContain("Kept the existing secrets");
    expect(text).toContain("npm run relay:dev");
    expect(text).toContain("npx factory test-push");
    expect(text).not.toContain("SSL verification");
    expect(text).not.toContain("wrangler deploy");
    expect(text).toContain(`Worker token (to log in to the dashboard; it is also "workerToken" in factory.config.json): ${secrets.workerToken}`);
  });

  it("keeps .dev.vars holding the same secrets as factory.config.json, other lines untouched", async () => {
    const local = mkdtempSync(join(tmpdir(), "init-devvars-"));
    writeFileSync(join(local, "wrangler.toml"), 'name = "x"\n');
    writeFileSync(join(local, ".dev.vars"), "# mine\nGITHUB_WEBHOOK_SECRET=dev-webhook-secret\nWORKER_TOKENS=dev-worker-token\nWATCH_REPOS=me/kb\n");
    const lines: string[] = [];
    const r = await runInit({ dir: local, yes: true, relayUrl: "http://127.0.0.1:8787" }, (l) => lines.push(l));
    expect(readFileSync(join(local, ".dev.vars"), "utf8")).toBe(
      `# mine\nGITHUB_WEBHOOK_SECRET=${r.secrets.webhookSecret}\nWORKER_TOKENS=${r.secrets.workerToken}\nWATCH_REPOS=me/kb\n`,
    );
    expect(lines).toContain("Updated .dev.vars to the same secrets: restart `npm run relay:dev` if it runs.");
    // wrangler reads .env for its own settings: no download of the request.cf sample, once.
    await runInit({ dir: local, yes: true }, () => {});
    expect(readFileSync(join(local, ".env"), "utf8").match(/^CLOUDFLARE_CF_FETCH_ENABLED=false$/gm)).toHaveLength(1);
  });

  it("saves a local repository's path as its cloneUrl, made absolute", async () => {
    const local = mkdtempSync(join(tmpdir(), "init-clone-"));
    await runInit({ dir: local, yes: true, repo: "me/kb", cloneUrl: "kb.git" }, () => {});
    const config = JSON.parse(readFileSync(join(local, "factory.config.json"), "utf8"));
    expect(config.repositories).toEqual({ "me/kb": { cloneUrl: join(local, "kb.git") } });
  });

  it("refuses a repository name that is not owner/name", async () => {
    await expect(runInit({ dir, yes: true, repo: "not a repo" }, () => {})).rejects.toThrow(/owner\/name/);
  });
});

describe("factory doctor against a local relay", () => {
  it("passes the relay checks and fails, with a fix, on the one repository it cannot reach", async () => {
    const config = loadConfig({ cwd: dir, env: {} });
    const results = await runDoctor(machineProbes(config, () => ffmpegPath()));
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(byName["Relay reachable"]?.status).toBe("ok");
    expect(byName["Worker token"]?.status).toBe("ok");
    expect(byName["ffmpeg"]?.status).toBe("ok");
    expect(byName["git"]?.status).toBe("ok");
    // octo/lessons is not reachable from this offline machine: failing on purpose.
    const repo = byName["Repository octo/lessons"];
    expect(repo?.status).toBe("fail");
    expect(repo?.fix).toMatch(/GITHUB_TOKEN/);
  });

  it("says the token was rejected and where to put the right one", async () => {
    const config = loadConfig({ cwd: dir, env: { WORKER_TOKEN: "wrong-token" } });
    const results = await runDoctor(machineProbes(config, () => ffmpegPath()));
    const token = results.find((r) => r.name === "Worker token");
    expect(token?.status).toBe("fail");
    expect(token?.fix).toMatch(/WORKER_TOKENS/);
  });

  it("exits 1 from the real command when a check fails, and names the failing check", () => {
    const r = spawnSync(process.execPath, [CLI, "doctor"], { cwd: dir, encoding: "utf8", env: { ...process.env, ANTHROPIC_API_KEY: "" } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}Repository octo\/lessons/);
    expect(r.stdout).toMatch(/ok {4}Worker token/);
  });
});

describe("factory init and the KB request issue form", () => {
  it("adds the form to a checkout of the content repository once, and says how to push it", async () => {
    const { addIssueForm } = await import("../../worker/commands/init.ts");
    const { mkdtempSync, mkdirSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const content = mkdtempSync(join(tmpdir(), "content-"));
    mkdirSync(join(content, ".git"));
    expect(addIssueForm(content)).toMatch(/Added the KB request issue form at .*kb-request\.yml: commit and push it/);
    const form = readFileSync(join(content, ".github/ISSUE_TEMPLATE/kb-request.yml"), "utf8");
    expect(form).toMatch(/labels:[\s\S]*kb-request/);
    writeFileSync(join(content, ".github/ISSUE_TEMPLATE/kb-request.yml"), "mine");
    expect(addIssueForm(content)).toMatch(/^Kept the issue form/);
    expect(readFileSync(join(content, ".github/ISSUE_TEMPLATE/kb-request.yml"), "utf8")).toBe("mine");
    expect(() => addIssueForm(mkdtempSync(join(tmpdir(), "not-git-")))).toThrow(/is not a git checkout/);
    expect(addIssueForm(null)).toMatch(/--content-dir/);
  });
});
