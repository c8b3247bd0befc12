/**
 * Pure builders for the files that make the home worker a service of the operating system:
 * a systemd user unit on Linux and a launchd agent on macOS. No I/O here: the command in
 * worker/commands/service.ts writes them and calls systemctl / launchctl.
 */
import { join } from "node:path";

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
}

export const SERVICE_NAME = "agent-factory-worker";
export const LAUNCHD_LABEL = "dev.agentfactory.worker";

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

/** Where each platform expects the service file, relative to the user's home. */
export function serviceFilePath(platform: NodeJS.Platform, home: string): string {
  if (platform === "linux") return join(home, ".config", "systemd", "user", `${SERVICE_NAME}.service`);
  if (platform === "darwin") return join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  throw new Error(
    `factory service install supports Linux (systemd) and macOS (launchd). On ${platform}, follow "Windows" in docs/operations.md.`,
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
  return [];
}

/** The commands that stop and unload it. */
export function serviceStopCommands(platform: NodeJS.Platform, file: string): string[][] {
  if (platform === "linux") return [["systemctl", "--user", "disable", "--now", `${SERVICE_NAME}.service`]];
  if (platform === "darwin") return [["launchctl", "unload", "-w", file]];
  return [];
}
