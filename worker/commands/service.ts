/**
 * `factory service install | uninstall | show`: run the home worker as a service of the OS,
 * so it starts at login, restarts after a crash and survives a reboot: systemd on Linux,
 * launchd on macOS, a Task Scheduler task at log-on on Windows 10/11.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import {
  pathFor,
  type ServiceSpec,
  serviceFileContents,
  serviceFilePath,
  serviceStartCommands,
  serviceStopCommands,
  WINDOWS_TASK,
} from "../service/units.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface ServiceOptions {
  home?: string;
  dir?: string;
  start?: boolean;
  platform?: string;
  /** Runs one command (tests record them instead). Default: spawnSync with the output shown. */
  run?: (cmd: string, args: string[]) => { status: number | null; error?: Error };
  /** The environment to read PATH and the Windows user from (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** Where and how the worker would run as a service on `platform`. */
export function specFor(opts: ServiceOptions, platform: NodeJS.Platform = (opts.platform ?? process.platform) as NodeJS.Platform): ServiceSpec {
  const p = pathFor(platform);
  const env = opts.env ?? process.env;
  const workingDir = p.resolve(opts.dir ?? process.cwd());
  const user = env.USERNAME ? (env.USERDOMAIN ? `${env.USERDOMAIN}\\${env.USERNAME}` : env.USERNAME) : undefined;
  return {
    nodePath: process.execPath,
    cliPath: resolve(repoRoot, "bin", "factory.mjs"),
    workingDir,
    logDir: p.join(workingDir, ".factory", "logs"),
    envFile: p.join(workingDir, ".factory", "worker.env"),
    path: env.PATH ?? env.Path ?? (platform === "win32" ? "C:\\Windows\\System32" : "/usr/local/bin:/usr/bin:/bin"),
    ...(platform === "win32" && user ? { user } : {}),
  };
}

const spawnShown = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  return { status: r.status, ...(r.error ? { error: r.error } : {}) };
};

function runAll(commands: string[][], run: NonNullable<ServiceOptions["run"]>, mayFail: (cmd: string[]) => boolean = () => false): void {
  for (const command of commands) {
    const [cmd, ...args] = command;
    if (!cmd) continue;
    const r = run(cmd, args);
    if ((r.error || r.status !== 0) && !mayFail(command)) {
      const why = r.error ? r.error.message : `exit code ${r.status}`;
      throw new Error(
        `"${[cmd, ...args].join(" ")}" failed (${why}). The service file is written; run that command yourself, ` +
          `or see "Running as a service" in docs/operations.md.`,
      );
    }
  }
}

/** Writes the service file atomically and (unless --no-start) loads it. Returns the file path. */
export function installService(opts: ServiceOptions): string {
  const platform = (opts.platform ?? process.platform) as NodeJS.Platform;
  const home = opts.home ?? homedir();
  const spec = specFor(opts, platform);
  const env = opts.env ?? process.env;
  if (!existsSync(pathFor(platform).join(spec.workingDir, "factory.config.json")) && !env.RELAY_URL) {
    throw new Error(
      `No factory.config.json in ${spec.workingDir}. Run "npx factory init" there first (or pass --dir <folder with factory.config.json>).`,
    );
  }
  const file = serviceFilePath(platform, home);
  mkdirSync(dirname(file), { recursive: true });
  mkdirSync(spec.logDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, serviceFileContents(platform, spec), { mode: 0o644 });
  renameSync(tmp, file);
  if (opts.start !== false) runAll(serviceStartCommands(platform, file), opts.run ?? spawnShown);
  return file;
}

/** Stops the service and removes its file. */
export function uninstallService(opts: ServiceOptions): string {
  const platform = (opts.platform ?? process.platform) as NodeJS.Platform;
  const file = serviceFilePath(platform, opts.home ?? homedir());
  // A Windows task that is not running makes `schtasks /End` fail: that is fine before /Delete.
  if (opts.start !== false && existsSync(file)) runAll(serviceStopCommands(platform, file), opts.run ?? spawnShown, (c) => c[1] === "/End");
  rmSync(file, { force: true });
  return file;
}

/** What `service install` prints after writing the file: where the logs are and how to check. */
export function installAdvice(platform: NodeJS.Platform, spec: ServiceSpec): string[] {
  const p = pathFor(platform);
  if (platform === "linux")
    return [
      "Logs:    journalctl --user -u agent-factory-worker -f",
      "Status:  systemctl --user status agent-factory-worker",
      "To keep it running while you are logged out: sudo loginctl enable-linger $USER",
    ];
  if (platform === "darwin") return [`Logs:    tail -f ${p.join(spec.logDir, "worker.log")}`];
  if (platform === "win32")
    return [
      `Logs:    Get-Content -Wait "${p.join(spec.logDir, "worker.log")}"   (PowerShell)`,
      `Status:  schtasks /Query /TN ${WINDOWS_TASK} /V /FO LIST`,
      "It starts at every log-on and runs while you are logged on (a console window stays open: minimise it; closing it stops the worker until the next log-on or `schtasks /Run /TN AgentFactoryWorker`).",
    ];
  return [];
}

/** Registers `factory service …`. */
export function registerServiceCommands(program: Command): void {
  const service = program.command("service").description("run the worker as a background service (systemd / launchd / Windows Task Scheduler)");
  service
    .command("install")
    .description("write the service file and start the worker now and at every login")
    .option("--dir <folder>", "folder with factory.config.json (default: current folder)")
    .option("--no-start", "only write the service file")
    .action((opts: ServiceOptions) => {
      const file = installService(opts);
      const platform = process.platform;
      console.log(`Service file written: ${file}`);
      for (const line of installAdvice(platform, specFor(opts, platform))) console.log(line);
    });
  service
    .command("uninstall")
    .description("stop the service and remove its file")
    .option("--no-start", "only remove the file, do not call systemctl/launchctl/schtasks")
    .action((opts: ServiceOptions) => {
      console.log(`Removed ${uninstallService(opts)}`);
    });
  service
    .command("show")
    .description("print the service file this machine would get, without installing it")
    .option("--dir <folder>", "folder with factory.config.json (default: current folder)")
    .option("--platform <name>", "linux, darwin or win32 (default: this machine)")
    .action((opts: ServiceOptions) => {
      const platform = (opts.platform ?? process.platform) as NodeJS.Platform;
      const contents = serviceFileContents(platform, specFor(opts, platform));
      // A Windows task file is UTF-16 for schtasks; show it as text.
      process.stdout.write(typeof contents === "string" ? contents : contents.subarray(2).toString("utf16le"));
    });
}
