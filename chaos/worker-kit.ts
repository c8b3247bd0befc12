/**
 * The home-worker side of the chaos parts: a content repository, the loopback YouTube fake with
 * a signed-in owner, real worker processes (chaos/worker-entry.ts) and a read-only look into the
 * worker's ledger file, so the counts come from what the worker wrote to disk, not from what it
 * says about itself.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pushPayload, startProcess, type WorkerProcess } from "../test/e2e/harness.ts";
import { FakeYouTube } from "../test/fakes/youtube.ts";
import { createTestRepo, type TestRepo } from "../test/helpers/git.ts";
import { fakeYouTubeSettings, makeLessonFiles } from "../test/publish/helpers.ts";
import { kbFiles } from "../test/worker/test-stages.ts";
import type { KillPoint } from "./worker-entry.ts";
import { sendWebhook, type RelayProcess } from "./relay-kit.ts";

const ENTRY = fileURLToPath(new URL("./worker-entry.ts", import.meta.url));

export type { WorkerProcess };

/** Everything a worker part needs besides the relay. */
export interface WorkerBench {
  root: string;
  workDir: string;
  ranLog: string;
  configFile: string;
  lessonDir: string;
  repo: TestRepo;
  repository: string;
  atoms: string[];
  youtube: FakeYouTube;
  stop(): Promise<void>;
}

/** Sets up a repository holding `atoms`, the YouTube fake and the worker's config. */
export async function workerBench(atoms: readonly string[], extraSettings: Record<string, unknown> = {}): Promise<WorkerBench> {
  const root = mkdtempSync(join(tmpdir(), "factory-chaos-"));
  const youtube = new FakeYouTube();
  await youtube.start();
  const lessonDir = join(root, "lesson");
  await makeLessonFiles(lessonDir);
  const settings = await fakeYouTubeSettings(root, youtube, Date.now());
  const configFile = join(root, "factory.config.json");
  writeFileSync(configFile, JSON.stringify({ ...settings, ...extraSettings }));
  const repo = createTestRepo(join(root, "git"));
  repo.commitAndPush(kbFiles(atoms));
  return {
    root,
    workDir: join(root, "work"),
    ranLog: join(root, "ran.log"),
    configFile,
    lessonDir,
    repo,
    repository: `chaos-worker/kb-${randomUUID().slice(0, 6)}`,
    atoms: [...atoms],
    youtube,
    stop: () => youtube.stop(),
  };
}

/** Worker processes still running; SIGKILLed if this process exits first (a timed-out test). */
const running = new Set<WorkerProcess>();
process.once("exit", () => {
  for (const w of running) w.child.kill("SIGKILL");
});

/** Starts a worker process on the bench, optionally with a kill point. */
export function startChaosWorker(relay: RelayProcess, b: WorkerBench, o: { name: string; kill?: KillPoint; env?: Record<string, string> }): WorkerProcess {
  const w = startProcess(["--import", "tsx", ENTRY], {
    RELAY_URL: relay.url,
    WORKER_TOKEN: relay.token,
    WORK_DIR: b.workDir,
    WORKER_NAME: o.name,
    WORKER_WAIT_SECONDS: "20",
    FACTORY_CONFIG: b.configFile,
    CHAOS_RAN_LOG: b.ranLog,
    CHAOS_LESSON_DIR: b.lessonDir,
    ...(o.kill ? { CHAOS_KILL: JSON.stringify(o.kill) } : {}),
    ...o.env,
  });
  running.add(w);
  void w.exited.then(() => running.delete(w));
  return w;
}

/** Edits every atom (a new paragraph), commits, pushes, and sends GitHub's push webhook. Returns the job id. */
export async function pushEdit(relay: RelayProcess, b: WorkerBench, marker: string): Promise<{ jobId: string; sha: string }> {
  const files: Record<string, string> = {};
  for (const id of b.atoms) {
    const path = `kb/atoms/${id}.json`;
    const atom = JSON.parse(readFileSync(join(b.repo.work, path), "utf8"));
    atom.body += `\n\nChaos round ${marker}.`;
    files[path] = JSON.stringify(atom, null, 2);
  }
  const before = b.repo.head();
  const sha = b.repo.commitAndPush(files);
  const body = JSON.stringify(pushPayload(b.repo, b.repository, before, sha, Object.keys(files)));
  const a = await sendWebhook(relay, "push", body, randomUUID());
  if (a.status !== 202 || typeof a.json?.jobId !== "string") throw new Error(`push webhook answered ${a.status}: ${a.text.slice(0, 200)}`);
  return { jobId: a.json.jobId, sha };
}

/** A finished step as the ledger file holds it. */
export interface DoneStep {
  key: string;
  inputHash: string;
  finishedAt: number;
}

/** The finished steps in the worker's ledger, read from the file by a separate connection. */
export function ledgerDone(workDir: string): DoneStep[] {
  let db: Database.Database;
  try {
    db = new Database(join(workDir, "ledger.sqlite"), { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    db.pragma("busy_timeout = 5000");
    return (db.prepare("SELECT key, input_hash AS inputHash, finished_at AS finishedAt FROM step_runs WHERE state = 'done'").all() as DoneStep[]).map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

/** Lines "start <key>" of the ran-log. */
export function ranLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** Resolves when `predicate()` holds, polling every 50 ms; rejects after `ms`. */
export async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50)); // polling a file another process writes
  }
}

/** `p`, or a rejection naming `what` after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Progress lines on stderr (CHAOS_QUIET=1 silences them). */
export function progress(msg: string): void {
  if (process.env.CHAOS_QUIET !== "1") process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
