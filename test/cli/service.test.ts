import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installAdvice, installService, specFor, uninstallService } from "../../worker/commands/service.ts";
import {
  launchdPlist,
  serviceFilePath,
  serviceStartCommands,
  serviceStopCommands,
  systemdUnit,
  type ServiceSpec,
  windowsTaskCommand,
  windowsTaskFileBytes,
  windowsTaskXml,
} from "../../worker/service/units.ts";

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

  it("names the platforms it supports for any other one", () => {
    expect(() => serviceFilePath("freebsd", "/home/o")).toThrow(/Linux \(systemd\), macOS \(launchd\) and Windows \(Task Scheduler\)/);
  });
});

const winSpec: ServiceSpec = {
  nodePath: "C:\\Program Files\\nodejs\\node.exe",
  cliPath: "C:\\Users\\Ann Lee\\agent-factory\\bin\\factory.mjs",
  workingDir: "C:\\Users\\Ann Lee\\agent-factory",
  logDir: "C:\\Users\\Ann Lee\\agent-factory\\.factory\\logs",
  path: "C:\\Windows\\System32;C:\\Program Files\\Git\\cmd",
  user: "PC01\\Ann Lee",
};

describe("Windows: a Task Scheduler task at log-on", () => {
  it("starts the worker at the user's log-on, never times it out, restarts it after a failure, logs to a file", () => {
    const xml = windowsTaskXml(winSpec);
    expect(xml).toContain('<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">');
    expect(xml).toContain("<LogonTrigger><Enabled>true</Enabled><UserId>PC01\\Ann Lee</UserId></LogonTrigger>");
    expect(xml).toContain("<LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel>");
    expect(xml).toContain("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>");
    expect(xml).toContain("<RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>");
    expect(xml).toContain("<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>");
    expect(xml).toContain("<Command>C:\\Windows\\System32\\cmd.exe</Command>");
    expect(xml).toContain(
      '<Arguments>/d /s /c &quot;&quot;C:\\Program Files\\nodejs\\node.exe&quot; &quot;C:\\Users\\Ann Lee\\agent-factory\\bin\\factory.mjs&quot; worker &gt;&gt; &quot;C:\\Users\\Ann Lee\\agent-factory\\.factory\\logs\\worker.log&quot; 2&gt;&amp;1&quot;</Arguments>',
    );
    expect(xml).toContain("<WorkingDirectory>C:\\Users\\Ann Lee\\agent-factory</WorkingDirectory>");
    expect(xml.split("\r\n").length).toBeGreaterThan(30);
  });

  it("runs cmd.exe with each path quoted, and refuses a path cmd.exe would mangle", () => {
    expect(windowsTaskCommand(winSpec)).toEqual({
      command: "C:\\Windows\\System32\\cmd.exe",
      arguments:
        '/d /s /c ""C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\Ann Lee\\agent-factory\\bin\\factory.mjs" worker >> "C:\\Users\\Ann Lee\\agent-factory\\.factory\\logs\\worker.log" 2>&1"',
    });
    expect(() => windowsTaskCommand({ ...winSpec, workingDir: "C:\\100%", logDir: "C:\\100%\\logs" })).toThrow(/cmd\.exe/);
  });

  it("is written as UTF-16 with a byte-order mark, as schtasks reads it", () => {
    const bytes = windowsTaskFileBytes("<Task/>");
    expect([...bytes.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x3c, 0x00]);
    expect(bytes.subarray(2).toString("utf16le")).toBe("<Task/>");
  });

  it("is imported and started with schtasks, and stopped and deleted again", () => {
    const file = serviceFilePath("win32", "C:\\Users\\Ann Lee");
    expect(file).toBe("C:\\Users\\Ann Lee\\AppData\\Local\\agent-factory\\agent-factory-worker.xml");
    expect(serviceStartCommands("win32", file)).toEqual([
      ["schtasks", "/Create", "/TN", "AgentFactoryWorker", "/XML", file, "/F"],
      ["schtasks", "/Run", "/TN", "AgentFactoryWorker"],
    ]);
    expect(serviceStopCommands("win32", file)).toEqual([
      ["schtasks", "/End", "/TN", "AgentFactoryWorker"],
      ["schtasks", "/Delete", "/TN", "AgentFactoryWorker", "/F"],
    ]);
  });

  it("builds Windows paths and the log-on user from a Windows environment", () => {
    const spec = specFor({ dir: "C:\\Users\\Ann Lee\\agent-factory", env: { USERDOMAIN: "PC01", USERNAME: "Ann Lee", Path: "C:\\Windows" } }, "win32");
    expect(spec).toMatchObject({
      workingDir: "C:\\Users\\Ann Lee\\agent-factory",
      logDir: "C:\\Users\\Ann Lee\\agent-factory\\.factory\\logs",
      path: "C:\\Windows",
      user: "PC01\\Ann Lee",
    });
    expect(installAdvice("win32", spec).join("\n")).toContain('Get-Content -Wait "C:\\Users\\Ann Lee\\agent-factory\\.factory\\logs\\worker.log"');
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

  it("runs systemctl to load and start it, and to stop it again, through the injected runner", () => {
    const home = mkdtempSync(join(tmpdir(), "svc-home-"));
    const dir = mkdtempSync(join(tmpdir(), "svc-dir-"));
    writeFileSync(join(dir, "factory.config.json"), "{}");
    const ran: string[] = [];
    const run = (cmd: string, args: string[]) => (ran.push([cmd, ...args].join(" ")), { status: 0 });
    installService({ home, dir, platform: "linux", run });
    uninstallService({ home, platform: "linux", run });
    expect(ran).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable --now agent-factory-worker.service",
      "systemctl --user disable --now agent-factory-worker.service",
    ]);
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
