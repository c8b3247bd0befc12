/**
 * `factory service install | uninstall | show`: run the home worker as a service of the OS,
 * so it starts at login, restarts after a crash and survives a reboot.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import {
  launchdPlist,
  type ServiceSpec,
  serviceFilePath,
  serviceStartCommands,
  serviceStopCommands,
  systemdUnit,
} from "../service/units.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface ServiceOptions {
  home?: string;
  dir?: string;
  start?: boolean;
  platform?: string;
}

function specFor(opts: ServiceOptions): ServiceSpec {
  const workingDir = resolve(opts.dir ?? process.cwd());
  return {
    nodePath: process.execPath,
    cliPath: join(repoRoot, "bin", "factory.mjs"),
    workingDir,
    logDir: join(workingDir, ".factory", "logs"),
    envFile: join(workingDir, ".factory", "worker.env"),
    path: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
  };
}

function runAll(commands: string[][]): void {
  for (const [cmd, ...args] of commands) {
    if (!cmd) continue;
    const r = spawnSync(cmd, args, { stdio: "inherit" });
    if (r.error || r.status !== 0) {
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
  const spec = specFor(opts);
  if (!existsSync(join(spec.workingDir, "factory.config.json")) && !process.env.RELAY_URL) {
    throw new Error(
      `No factory.config.json in ${spec.workingDir}. Run "npx factory init" there first (or pass --dir <folder with factory.config.json>).`,
    );
  }
  const file = serviceFilePath(platform, home);
  const text = platform === "darwin" ? launchdPlist(spec) : systemdUnit(spec);
  mkdirSync(dirname(file), { recursive: true });
  mkdirSync(spec.logDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
  if (opts.start !== false) runAll(serviceStartCommands(platform, file));
  return file;
}

/** Stops the service and removes its file. */
export function uninstallService(opts: ServiceOptions): string {
  const platform = (opts.platform ?? process.platform) as NodeJS.Platform;
  const file = serviceFilePath(platform, opts.home ?? homedir());
  if (opts.start !== false && existsSync(file)) runAll(serviceStopCommands(platform, file));
  rmSync(file, { force: true });
  return file;
}

/** Registers `factory service …`. */
export function registerServiceCommands(program: Command): void {
  const service = program.command("service").description("run the worker as a background service (systemd / launchd)");
  service
    .command("install")
    .description("write the service file and start the worker now and at every login")
    .option("--dir <folder>", "folder with factory.config.json (default: current folder)")
    .option("--no-start", "only write the service file")
    .action((opts: ServiceOptions) => {
      const file = installService(opts);
      const platform = process.platform;
      console.log(`Service file written: ${file}`);
      if (platform === "linux") {
        console.log("Logs:    journalctl --user -u agent-factory-worker -f");
        console.log("Status:  systemctl --user status agent-factory-worker");
        console.log("To keep it running while you are logged out: sudo loginctl enable-linger $USER");
      } else if (platform === "darwin") {
        console.log(`Logs:    tail -f ${join(specFor(opts).logDir, "worker.log")}`);
      }
    });
  service
    .command("uninstall")
    .description("stop the service and remove its file")
    .option("--no-start", "only remove the file, do not call systemctl/launchctl")
    .action((opts: ServiceOptions) => {
      console.log(`Removed ${uninstallService(opts)}`);
    });
  service
    .command("show")
    .description("print the service file this machine would get, without installing it")
    .option("--dir <folder>", "folder with factory.config.json (default: current folder)")
    .option("--platform <name>", "linux or darwin (default: this machine)")
    .action((opts: ServiceOptions) => {
      const platform = opts.platform ?? process.platform;
      const spec = specFor(opts);
      process.stdout.write(platform === "darwin" ? launchdPlist(spec) : systemdUnit(spec));
    });
}
