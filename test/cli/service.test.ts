import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installService, uninstallService } from "../../worker/commands/service.ts";
import { launchdPlist, serviceFilePath, systemdUnit, type ServiceSpec } from "../../worker/service/units.ts";

const spec: ServiceSpec = {
  nodePath: "/usr/bin/node",
  cliPath: "/opt/agent factory/bin/factory.mjs",
  workingDir: "/home/owner/factory",
  logDir: "/home/owner/factory/.factory/logs",
  envFile: "/home/owner/factory/.factory/worker.env",
  path: "/usr/bin:/bin",
};

describe("service files", () => {
  it("systemd unit restarts on failure but not after a rejected token, and quotes paths with spaces", () => {
    const unit = systemdUnit(spec);
    expect(unit).toContain('ExecStart=/usr/bin/node "/opt/agent factory/bin/factory.mjs" worker');
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toContain("RestartPreventExitStatus=2 3");
    expect(unit).toContain("WorkingDirectory=/home/owner/factory");
    expect(unit).toContain("EnvironmentFile=-/home/owner/factory/.factory/worker.env");
    expect(unit).toContain("WantedBy=default.target");
  });

  it("launchd plist escapes XML and keeps the worker alive only after an error exit", () => {
    const plist = launchdPlist({ ...spec, workingDir: "/Users/a&b" });
    expect(plist).toContain("<string>/Users/a&amp;b</string>");
    expect(plist).toContain("<key>SuccessfulExit</key><false/>");
    expect(plist).toContain("<string>worker</string>");
  });

  it("refuses a value with a line break instead of writing a broken unit", () => {
    expect(() => systemdUnit({ ...spec, workingDir: "/tmp/x\nExecStart=/bin/evil" })).toThrow(/line break/);
  });

  it("tells Windows users where the manual steps are", () => {
    expect(() => serviceFilePath("win32", "C:/Users/o")).toThrow(/docs\/operations.md/);
  });
});

describe("factory service install", () => {
  it("writes the unit into the user's systemd folder and removes it on uninstall", () => {
    const home = mkdtempSync(join(tmpdir(), "svc-home-"));
    const dir = mkdtempSync(join(tmpdir(), "svc-dir-"));
    writeFileSync(join(dir, "factory.config.json"), "{}");
    const file = installService({ home, dir, start: false, platform: "linux" });
    expect(file).toBe(join(home, ".config/systemd/user/agent-factory-worker.service"));
    expect(readFileSync(file, "utf8")).toContain(`WorkingDirectory=${dir}`);
    expect(statSync(join(dir, ".factory/logs")).isDirectory()).toBe(true);
    uninstallService({ home, start: false, platform: "linux" });
    expect(() => statSync(file)).toThrow();
  });

  it("asks for factory init first when there is no config", () => {
    const home = mkdtempSync(join(tmpdir(), "svc-home-"));
    const dir = mkdtempSync(join(tmpdir(), "svc-dir-"));
    const saved = process.env.RELAY_URL;
    delete process.env.RELAY_URL;
    try {
      expect(() => installService({ home, dir, start: false, platform: "linux" })).toThrow(/factory init/);
    } finally {
      if (saved !== undefined) process.env.RELAY_URL = saved;
    }
  });
});
