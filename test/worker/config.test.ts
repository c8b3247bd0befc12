import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, requireRelay } from "../../worker/config.ts";

const dir = () => mkdtempSync(join(tmpdir(), "factory-config-"));

describe("loadConfig", () => {
  it("defaults: WORK_DIR ./.factory under the cwd, concurrency 1, a wait near the relay's maximum", () => {
    const cwd = dir();
    const c = loadConfig({ env: {}, cwd });
    expect(c.workDir).toBe(join(cwd, ".factory"));
    expect(c.concurrency).toBe(1);
    expect(c.waitSeconds).toBeGreaterThanOrEqual(40);
    expect(c.relayUrl).toBeNull();
    expect(c.configFile).toBeNull();
  });

  it("reads factory.config.json, lets the environment win, and passes stage sections through untouched", () => {
    const cwd = dir();
    writeFileSync(
      join(cwd, "factory.config.json"),
      JSON.stringify({
        relayUrl: "https://file.example/",
        concurrency: 2,
        repositories: { "me/kb": { cloneUrl: "/srv/mirror/kb.git" } },
        content: { model: "x", anything: [1, 2] },
        publish: { target: "local" },
      }),
    );
    const c = loadConfig({ env: { RELAY_URL: "https://env.example", WORKER_CONCURRENCY: "3", WORK_DIR: "/var/factory" }, cwd });
    expect(c.relayUrl).toBe("https://env.example");
    expect(c.concurrency).toBe(3);
    expect(c.workDir).toBe("/var/factory");
    expect(c.repositories["me/kb"]).toEqual({ cloneUrl: "/srv/mirror/kb.git" });
    expect(c.settings).toEqual({ content: { model: "x", anything: [1, 2] }, publish: { target: "local" } });
  });

  it("names the bad setting and how to fix it", () => {
    const cwd = dir();
    writeFileSync(join(cwd, "factory.config.json"), JSON.stringify({ concurrency: 0, repositories: { "not a repo": {} } }));
    let err: unknown;
    try {
      loadConfig({ env: { RELAY_URL: "not-a-url" }, cwd });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain("RELAY_URL");
    expect(msg).toMatch(/"concurrency" in .*factory\.config\.json: must be at least 1/);
    expect(msg).toContain("WORKER_CONCURRENCY");
    expect(msg).toContain("owner/name");
  });

  it("says which file is not JSON", () => {
    const cwd = dir();
    writeFileSync(join(cwd, "factory.config.json"), "{ nope");
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/factory\.config\.json is not valid JSON/);
  });

  it("warns about unknown keys instead of failing", () => {
    const cwd = dir();
    writeFileSync(join(cwd, "factory.config.json"), JSON.stringify({ concurency: 2 }));
    expect(loadConfig({ env: {}, cwd }).warnings[0]).toContain('unknown setting "concurency"');
  });

  it("requireRelay says what to set when the config file lacks the relay settings", () => {
    const d = dir();
    writeFileSync(join(d, "factory.config.json"), "{}");
    const c = loadConfig({ env: {}, cwd: d });
    expect(() => requireRelay(c)).toThrow(/RELAY_URL is not set[\s\S]*WORKER_TOKEN is not set/);
  });

  it("requireRelay says no factory.config.json was found, and where it looked, outside a set-up folder", () => {
    const d = dir();
    const c = loadConfig({ env: {}, cwd: d });
    expect(() => requireRelay(c)).toThrow(/No factory.config.json was found \(looked for .*factory\.config\.json\)[\s\S]*factory init/);
  });
});
