/**
 * Runs the real relay under `wrangler dev` (local workerd) on loopback: for the demo, the tests
 * and the benchmarks. A free port, persisted state in a directory, secrets passed as `--var`,
 * readiness by polling GET /healthz, and the whole process group killed on stop.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// wrangler's own entry run by this node: the .bin shim is a .cmd file on Windows, which spawn cannot start without a shell.
const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const WINDOWS = process.platform === "win32";
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

export interface RelayProcess {
  url: string;
  port: number;
  persistDir: string;
  secret: string;
  token: string;
  /** signs with `secret`, sets X-GitHub-Event / X-GitHub-Delivery (random GUID unless given), POSTs to /github/webhook */
  sendWebhook(event: string, body: unknown, opts?: { delivery?: string; secret?: string }): Promise<Response>;
  stop(): Promise<void>;
  /** stop then start again on the same port with the same persisted state */
  restart(): Promise<void>;
}

export interface StartRelayOptions {
  persistDir?: string;
  /** Extra or overriding variables (e.g. WATCH_REPOS, LEASE_SECONDS, GITHUB_WEBHOOK_SECRET, WORKER_TOKENS). */
  vars?: Record<string, string>;
  port?: number;
}

/** `sha256=<hex>`: the X-Hub-Signature-256 value GitHub would send for `body`. */
export function signWebhook(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Starts `wrangler dev` and resolves once GET /healthz answers 200. */
export async function startRelay(opts: StartRelayOptions = {}): Promise<RelayProcess> {
  const persistDir = opts.persistDir ?? mkdtempSync(join(tmpdir(), "relay-state-"));
  const vars: Record<string, string> = {
    GITHUB_WEBHOOK_SECRET: "test-webhook-secret",
    WORKER_TOKENS: "test-worker-token",
    ...opts.vars,
  };
  const secret = firstOf(vars.GITHUB_WEBHOOK_SECRET!);
  const token = firstOf(vars.WORKER_TOKENS!);
  let port = opts.port ?? (await freePort());
  let child: ChildProcess;
  for (let attempt = 1; ; attempt += 1) {
    try {
      child = await launch(port, persistDir, vars, `http://127.0.0.1:${port}`);
      break;
    } catch (e) {
      // A free port can be taken between asking and wrangler's bind (tests start relays in
      // parallel): a port we picked is picked again; one the caller chose is its to keep.
      if (opts.port !== undefined || attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
      port = await freePort();
    }
  }
  const url = `http://127.0.0.1:${port}`;

  const relay: RelayProcess = {
    url,
    port,
    persistDir,
    secret,
    token,
    async sendWebhook(event, body, o = {}) {
      const raw = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
      return fetch(`${url}/github/webhook`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-GitHub-Event": event,
          "X-GitHub-Delivery": o.delivery ?? randomUUID(),
          "X-Hub-Signature-256": signWebhook(o.secret ?? secret, raw),
        },
        body: raw,
      });
    },
    async stop() {
      await kill(child);
    },
    async restart() {
      await kill(child);
      child = await launch(port, persistDir, vars, url);
    },
  };
  return relay;
}

function firstOf(list: string): string {
  return list.split(",")[0]!.trim();
}

async function launch(port: number, persistDir: string, vars: Record<string, string>, url: string): Promise<ChildProcess> {
  const inspectorPort = await freePort();
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: REPO_ROOT,
    // Its own process group, so stop() reaches workerd too (on Windows, taskkill /T walks the tree;
    // detached there would open a console window).
    detached: !WINDOWS,
    windowsHide: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let exited: number | null = null;
  child.once("exit", (code) => {
    exited = code ?? -1;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let delay = 50;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`wrangler dev exited (code ${exited}) before it was ready:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        await res.arrayBuffer();
        return child;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, delay)); // polling interval, not a wait for an event
    delay = Math.min(delay * 2, 500);
  }
  await kill(child);
  throw new Error(`wrangler dev did not answer GET /healthz within ${READY_TIMEOUT_MS / 1000}s:\n${output}`);
}

/** SIGTERM to the whole group, SIGKILL if it is still there after a bound. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  signalGroup(child.pid, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
  signalGroup(child.pid, "SIGKILL"); // leftovers (workerd) in the group
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (WINDOWS) {
    // No process groups or signals on Windows: end the whole tree (wrangler, then workerd).
    spawnSync("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore", windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // Group already gone.
  }
}

/** A port the OS says is free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
