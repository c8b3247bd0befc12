import { spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, requireRelay } from "../../worker/config.ts";

const CLI = resolve("bin/factory.mjs");

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(RELAY_URL|WORKER_TOKEN|FACTORY_CONFIG)$/.test(k)) env[k] = v;
  return env;
}

describe("running outside a set-up folder", () => {
  it("says no factory.config.json was found, where it looked, and to run factory init or cd", () => {
    const dir = mkdtempSync(join(tmpdir(), "no-config-"));
    const config = loadConfig({ cwd: dir, env: {} });
    expect(() => requireRelay(config)).toThrow(ConfigError);
    try {
      requireRelay(config);
    } catch (e) {
      const text = (e as Error).message;
      expect(text).toContain(`No factory.config.json was found (looked for ${join(dir, "factory.config.json")})`);
      expect(text).toContain("npx factory init");
      expect(text).toMatch(/cd to the folder/);
      expect(text).not.toMatch(/RELAY_URL is not set\./);
    }
  });

  it("keeps the per-setting message when the environment sets part of it (an env-only service)", () => {
    const dir = mkdtempSync(join(tmpdir(), "env-only-"));
    const config = loadConfig({ cwd: dir, env: { RELAY_URL: "http://127.0.0.1:8787" } });
    expect(() => requireRelay(config)).toThrow(/WORKER_TOKEN is not set/);
  });

  it("factory worker exits 2 with that message from the real command", () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "no-config-cli-")));
    const r = spawnSync(process.execPath, [CLI, "worker"], { cwd: dir, encoding: "utf8", env: cleanEnv(), timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`No factory.config.json was found (looked for ${join(dir, "factory.config.json")})`);
  });
});
