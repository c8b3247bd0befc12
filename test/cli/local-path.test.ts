/**
 * docs/setup.md, "Try it all locally first", followed as written: factory init with a local bare
 * repository and a local relay URL, the relay under wrangler dev with the secrets init wrote,
 * a signed test push, one worker run, and the lesson in out/published.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runInit } from "../../worker/commands/init.ts";
import { pushDemoRepo, selectDemoKb } from "../../worker/demo/demo-repo.ts";
import { type RelayProcess, startRelay } from "../helpers/relay-process.ts";

const CLI = resolve("bin/factory.mjs");
let relay: RelayProcess | undefined;
afterAll(async () => {
  await relay?.stop();
});

function factory(dir: string, ...args: string[]) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(RELAY_URL|WORKER_TOKEN|FACTORY_CONFIG|ANTHROPIC_API_KEY|GOOGLE_TTS_API_KEY|ELEVENLABS_API_KEY)$/.test(k)) env[k] = v;
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8", env: { ...env, WORKER_WAIT_SECONDS: "5" }, timeout: 240_000 });
}

describe("the local go-live path of docs/setup.md", () => {
  it("turns a signed test push into a published lesson on this machine", { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-path-"));
    // A local bare repository holding one lesson's worth of kb/.
    const origin = await pushDemoRepo(join(dir, "kb-origin"), selectDemoKb(resolve("kb"), 1));

    // factory init (no relay yet), then the relay with the secrets init wrote, then init --relay-url.
    const { secrets } = await runInit({ dir, yes: true, repo: "me/plc-lessons", cloneUrl: origin.bareDir }, () => {});
    relay = await startRelay({ vars: { GITHUB_WEBHOOK_SECRET: secrets.webhookSecret, WORKER_TOKENS: secrets.workerToken } });
    await runInit({ dir, yes: true, relayUrl: relay.url }, () => {});

    const doctor = factory(dir, "doctor");
    expect(doctor.stdout).toMatch(/ok {4}Relay reachable/);
    expect(doctor.stdout).toMatch(/ok {4}Worker token/);
    expect(doctor.stdout).toMatch(/ok {4}Repository me\/plc-lessons/);

    const push = factory(dir, "test-push");
    expect(push.stderr).toBe("");
    expect(push.stdout).toMatch(new RegExp(`The relay queued job \\S+ for me/plc-lessons@${origin.after.slice(0, 12)} \\(main\\)`));

    const run = factory(dir, "run", "--once");
    expect(run.status).toBe(0);
    const published = join(dir, "out", "published");
    expect(existsSync(published)).toBe(true);
    const meta = spawnSync("find", [published, "-name", "lesson.mp4"], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    expect(meta).toHaveLength(1);

    const jobs = factory(dir, "jobs");
    expect(jobs.stdout).toMatch(/\sdone\s+sync_and_generate_content\s/);
    expect(JSON.parse(readFileSync(join(dir, "factory.config.json"), "utf8")).repositories).toEqual({ "me/plc-lessons": { cloneUrl: origin.bareDir } });
  });
});
