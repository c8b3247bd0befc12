/**
 * End-to-end plumbing: real worker processes (Node, started like the product starts them),
 * their JSON log lines as events, and GitHub push payloads aimed at local bare repositories.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestRepo } from "../helpers/git.ts";
import type { EchoBehaviour } from "../worker/test-stages.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, "../..");
const PUSH_FIXTURE = join(REPO_ROOT, "test/fixtures/github-webhooks/push/with-new-branch.payload.json");

/** A log line of a worker (JSON mode). */
export interface LogLine {
  level: string;
  msg: string;
  jobId: string | null;
  step: string | null;
  [k: string]: unknown;
}

/** A running worker (or CLI) process. */
export interface WorkerProcess {
  child: ChildProcess;
  lines: LogLine[];
  /** Non-JSON output (stdout of CLI commands, crashes). */
  text: () => string;
  /** Resolves with the first line (already seen or future) that matches; rejects if the process exits first. */
  waitFor(match: (l: LogLine) => boolean, what?: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a process and turns its JSON log lines into events. */
export function startProcess(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, FACTORY_CONFIG: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: LogLine[] = [];
  let raw = "";
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const onData = (chunk: Buffer) => {
    raw += chunk.toString();
    const parts = raw.split("\n");
    raw = parts.pop()!;
    for (const part of parts) {
      let line: LogLine | null = null;
      try {
        const parsed = JSON.parse(part);
        if (parsed && typeof parsed === "object" && "msg" in parsed) line = parsed as LogLine;
      } catch {
        /* plain text */
      }
      if (!line) {
        plain.push(part);
        continue;
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  const plain: string[] = [];
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  return {
    child,
    lines,
    text: () => [...plain, raw].join("\n"),
    waitFor(match, what = "a matching log line") {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      const found = new Promise<LogLine>((resolvePromise, reject) => {
        waiters.push({ match, resolve: resolvePromise });
        void exited.then(({ code, signal }) =>
          reject(
            new Error(
              `process exited (code ${code}, signal ${signal}) before ${what}; its log:\n${lines.map((l) => `${l.level} ${l.jobId ?? ""} ${l.step ?? ""} ${l.msg}`).join("\n")}\n${plain.join("\n")}`,
            ),
          ),
        );
      });
      // A waiter nobody awaits any more (the loser of a race) must not become an unhandled rejection.
      found.catch(() => undefined);
      return found;
    },
    exited,
    kill: (signal = "SIGTERM") => void child.kill(signal),
  };
}

/** Options of a test worker. */
export interface TestWorkerOptions {
  relayUrl: string;
  token: string;
  workDir: string;
  name?: string;
  behaviour?: Omit<EchoBehaviour, "ran">;
  ranLog?: string;
  dropFirstAck?: boolean;
  once?: boolean;
  env?: Record<string, string>;
}

/** A worker process running the test stages (test/e2e/worker-entry.ts). */
export function startTestWorker(o: TestWorkerOptions): WorkerProcess {
  return startProcess(["--import", "tsx", join(HERE, "worker-entry.ts"), ...(o.once ? ["--once"] : [])], {
    RELAY_URL: o.relayUrl,
    WORKER_TOKEN: o.token,
    WORK_DIR: o.workDir,
    WORKER_NAME: o.name ?? `e2e-${randomUUID().slice(0, 8)}`,
    WORKER_WAIT_SECONDS: "20",
    E2E_BEHAVIOUR: JSON.stringify(o.behaviour ?? {}),
    ...(o.ranLog ? { E2E_RAN_LOG: o.ranLog } : {}),
    ...(o.dropFirstAck ? { E2E_DROP_FIRST_ACK: "1" } : {}),
    ...o.env,
  });
}

/** The real `factory` command (bin/factory.mjs). */
export function startFactory(args: string[], env: Record<string, string>): WorkerProcess {
  return startProcess([join(REPO_ROOT, "bin/factory.mjs"), ...args], env);
}

/**
 * GitHub's own push payload (from its webhook documentation), re-aimed at a local bare
 * repository: a push of `after` to `main` of `fullName`.
 */
export function pushPayload(repo: TestRepo, fullName: string, before: string, after: string, changed: string[] = []): unknown {
  const p = JSON.parse(readFileSync(PUSH_FIXTURE, "utf8"));
  const [owner, name] = fullName.split("/");
  p.ref = `refs/heads/${repo.branch}`;
  p.before = before;
  p.after = after;
  p.created = false;
  p.deleted = false;
  p.repository.full_name = fullName;
  p.repository.name = name;
  p.repository.owner.login = owner;
  p.repository.owner.name = owner;
  p.repository.clone_url = repo.bare;
  p.repository.default_branch = repo.branch;
  p.repository.master_branch = repo.branch;
  p.commits = [{ ...p.commits[0], id: after, added: [], removed: [], modified: changed }];
  p.head_commit = { ...p.head_commit, id: after, modified: changed };
  return p;
}

/** Lines of the ran-log: the step keys that ran, across every worker process. */
export function ranSteps(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Counts occurrences. */
export function counts(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}
