/**
 * Pure builders for the files that make the home worker a service of the operating system:
 * a systemd user unit on Linux, a launchd agent on macOS, and a Task Scheduler task (started at
 * log-on) on Windows 10/11. No I/O here: the command in worker/commands/service.ts writes them
 * and calls systemctl / launchctl / schtasks.
 */
import { posix, win32 } from "node:path";

/** Where and how the worker runs as a service. */
export interface ServiceSpec {
  /** Absolute path of the node binary that runs the worker (process.execPath). */
  nodePath: string;
  /** Absolute path of bin/factory.mjs. */
  cliPath: string;
  /** The folder holding factory.config.json: the worker's working directory. */
  workingDir: string;
  /** Folder for the service's log files (launchd writes them itself; systemd logs to the journal). */
  logDir: string;
  /** Optional environment file with secrets (KEY=value lines, mode 0600). */
  envFile?: string;
  /** The value of PATH the worker should see (git must be on it). */
  path: string;
  /** Windows: DOMAIN\\user the log-on trigger waits for (USERDOMAIN\\USERNAME); absent: any user. */
  user?: string;
}

export const SERVICE_NAME = "agent-factory-worker";
export const LAUNCHD_LABEL = "dev.agentfactory.worker";
/** The Task Scheduler task's name (root folder). */
export const WINDOWS_TASK = "AgentFactoryWorker";

/** The path functions of the platform the file is for (tests build Windows files on Linux). */
export function pathFor(platform: NodeJS.Platform): typeof posix {
  return platform === "win32" ? win32 : posix;
}
const join = posix.join;

/** Rejects values that would break out of a unit file line or a plist string. */
function assertPlain(name: string, value: string): void {
  if (/[\n\r\0]/.test(value)) throw new Error(`${name} contains a line break or NUL: ${JSON.stringify(value)}`);
}

/** Quotes one argument for a systemd ExecStart line (systemd's own quoting rules). */
function systemdQuote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

/**
 * A systemd user unit: restarts on failure with a pause so a broken config does not spin,
 * and gives the worker time to release its lease on stop (SIGTERM, then SIGKILL after 90 s).
 */
export function systemdUnit(spec: ServiceSpec): string {
  for (const [k, v] of Object.entries(spec)) if (typeof v === "string") assertPlain(k, v);
  const lines = [
    "[Unit]",
    "Description=Agent Factory home worker (long-polls the relay and runs the content pipeline)",
    "Documentation=file://" + join(spec.workingDir, "docs", "operations.md"),
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `WorkingDirectory=${systemdQuote(spec.workingDir)}`,
    `ExecStart=${systemdQuote(spec.nodePath)} ${systemdQuote(spec.cliPath)} worker`,
    `Environment=${systemdQuote(`PATH=${spec.path}`)}`,
    "Environment=NODE_ENV=production",
    ...(spec.envFile ? [`EnvironmentFile=-${systemdQuote(spec.envFile)}`] : []),
    "Restart=on-failure",
    "RestartSec=10",
    // A bad config (2) or a rejected token (3) cannot be fixed by restarting: don't loop on it.
    "RestartPreventExitStatus=2 3",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=90",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ];
  return lines.join("\n");
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A launchd agent for macOS: starts at login, restarts when it exits with an error. */
export function launchdPlist(spec: ServiceSpec): string {
  for (const [k, v] of Object.entries(spec)) if (typeof v === "string") assertPlain(k, v);
  const str = (s: string) => `<string>${xmlEscape(s)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    `  <key>Label</key>${str(LAUNCHD_LABEL)}`,
    "  <key>ProgramArguments</key>",
    `  <array>${str(spec.nodePath)}${str(spec.cliPath)}${str("worker")}</array>`,
    `  <key>WorkingDirectory</key>${str(spec.workingDir)}`,
    "  <key>EnvironmentVariables</key>",
    `  <dict><key>PATH</key>${str(spec.path)}<key>NODE_ENV</key>${str("production")}</dict>`,
    "  <key>RunAtLoad</key><true/>",
    "  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>",
    "  <key>ThrottleInterval</key><integer>10</integer>",
    "  <key>ExitTimeOut</key><integer>90</integer>",
    `  <key>StandardOutPath</key>${str(join(spec.logDir, "worker.log"))}`,
    `  <key>StandardErrorPath</key>${str(join(spec.logDir, "worker.err.log"))}`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/**
 * Quotes one argument for cmd.exe inside `cmd /d /s /c "…"`: double quotes around it, and the
 * characters cmd would still act on inside quotes refused (a path never needs them).
 */
function cmdQuote(arg: string): string {
  if (/["%!\r\n]/.test(arg)) throw new Error(`${JSON.stringify(arg)} holds a character (" % !) that cannot be passed safely through cmd.exe: move the folder`);
  return `"${arg}"`;
}

/**
 * The command line the Windows task runs: cmd.exe starts the worker and appends its output to
 * .factory\logs\worker.log (a task has no terminal of its own). `/s` makes cmd strip only the
 * outer quotes, so every path keeps its own.
 */
export function windowsTaskCommand(spec: ServiceSpec): { command: string; arguments: string } {
  const log = win32.join(spec.logDir, "worker.log");
  const inner = `${cmdQuote(spec.nodePath)} ${cmdQuote(spec.cliPath)} worker >> ${cmdQuote(log)} 2>&1`;
  return { command: "C:\\Windows\\System32\\cmd.exe", arguments: `/d /s /c "${inner}"` };
}

/**
 * A Task Scheduler task (schema 1.2, Windows 7 and later): starts the worker when the user logs
 * on, as that user without elevation, never stops it for running long, starts it late when the
 * machine was off at log-on, and restarts it a minute after a failure (the Task Scheduler's
 * shortest interval). schtasks wants the file in UTF-16: {@link windowsTaskFileBytes}.
 */
export function windowsTaskXml(spec: ServiceSpec): string {
  for (const [k, v] of Object.entries(spec)) if (typeof v === "string") assertPlain(k, v);
  const { command, arguments: args } = windowsTaskCommand(spec);
  const user = spec.user ? `<UserId>${xmlEscape(spec.user)}</UserId>` : "";
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    "    <Description>Agent Factory home worker: long-polls the relay and runs the content pipeline. Logs: .factory\\logs\\worker.log</Description>",
    `    <URI>\\${WINDOWS_TASK}</URI>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    `    <LogonTrigger><Enabled>true</Enabled>${user}</LogonTrigger>`,
    "  </Triggers>",
    "  <Principals>",
    `    <Principal id="Author">${user}<LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel></Principal>`,
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <IdleSettings><StopOnIdleEnd>false</StopOnIdleEnd><RestartOnIdle>false</RestartOnIdle></IdleSettings>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <Priority>7</Priority>",
    "    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${xmlEscape(command)}</Command>`,
    `      <Arguments>${xmlEscape(args)}</Arguments>`,
    `      <WorkingDirectory>${xmlEscape(spec.workingDir)}</WorkingDirectory>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\r\n");
}

/** The task file as schtasks reads it: UTF-16 little-endian with a byte-order mark. */
export function windowsTaskFileBytes(xml: string): Buffer {
  return Buffer.from(`\ufeff${xml}`, "utf16le");
}

/** Where each platform expects the service file, relative to the user's home. */
export function serviceFilePath(platform: NodeJS.Platform, home: string): string {
  if (platform === "linux") return join(home, ".config", "systemd", "user", `${SERVICE_NAME}.service`);
  if (platform === "darwin") return join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  // Not a place Windows reads: schtasks imports the file, which stays for `service show` and reinstalls.
  if (platform === "win32") return win32.join(home, "AppData", "Local", "agent-factory", `${SERVICE_NAME}.xml`);
  throw new Error(
    `factory service install supports Linux (systemd), macOS (launchd) and Windows (Task Scheduler), not ${platform}: run \`npx factory worker\` under your own process manager (docs/operations.md).`,
  );
}

/** The commands that load and start the service, for the platform (printed, and run unless --no-start). */
export function serviceStartCommands(platform: NodeJS.Platform, file: string): string[][] {
  if (platform === "linux")
    return [
      ["systemctl", "--user", "daemon-reload"],
      ["systemctl", "--user", "enable", "--now", `${SERVICE_NAME}.service`],
    ];
  if (platform === "darwin") return [["launchctl", "load", "-w", file]];
  if (platform === "win32")
    return [
      ["schtasks", "/Create", "/TN", WINDOWS_TASK, "/XML", file, "/F"],
      ["schtasks", "/Run", "/TN", WINDOWS_TASK],
    ];
  return [];
}

/** The commands that stop and unload it. */
export function serviceStopCommands(platform: NodeJS.Platform, file: string): string[][] {
  if (platform === "linux") return [["systemctl", "--user", "disable", "--now", `${SERVICE_NAME}.service`]];
  if (platform === "darwin") return [["launchctl", "unload", "-w", file]];
  // /End fails when the task is not running; the command runs it without stopping on that.
  if (platform === "win32")
    return [
      ["schtasks", "/End", "/TN", WINDOWS_TASK],
      ["schtasks", "/Delete", "/TN", WINDOWS_TASK, "/F"],
    ];
  return [];
}

/** The service file's contents for the platform (text, or UTF-16 bytes for a Windows task). */
export function serviceFileContents(platform: NodeJS.Platform, spec: ServiceSpec): string | Buffer {
  if (platform === "darwin") return launchdPlist(spec);
  if (platform === "win32") return windowsTaskFileBytes(windowsTaskXml(spec));
  return systemdUnit(spec);
}
