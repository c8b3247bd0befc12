/**
 * Part "worker faults": a running worker meets an outage of each service it depends on, and
 * each must be a clear, retryable failure (the job goes back to the queue with a message that
 * names the cause, the worker keeps running) that succeeds once the fault clears, with no
 * double upload:
 *  - the YouTube API answering 503 backendError for a while (a fault proxy before the fake);
 *  - YouTube's quotaExceeded (the fake's own mode): the job waits for the quota reset;
 *  - the Anthropic API answering 529 overloaded for a while (the "minute" is shortened: the
 *    window is seconds and settings.content.maxAttempts is 2, so nobody waits a real minute);
 *  - WORK_DIR's disk full (a small tmpfs mounted for the run, filled to the last byte), when
 *    `mount` is allowed; otherwise reported as not run.
 * ffmpeg killed mid-render is not run here (the render is a stand-in so jobs take seconds); it
 * is covered by test/media/failures.test.ts ("stops ffmpeg when aborted…").
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeAnthropic } from "../../test/fakes/anthropic.ts";
import { ANTHROPIC_OVERLOADED, FaultProxy, YOUTUBE_BACKEND_ERROR } from "../../test/fakes/fault-proxy.ts";
import { Examples, Tally, type PartResult } from "../counts.ts";
import { api, type RelayProcess } from "../relay-kit.ts";
import { progress, pushEdit, startChaosWorker, within, type WorkerBench, type WorkerProcess } from "../worker-kit.ts";

export interface WorkerFaultOptions {
  /** How long each outage lasts (default 4 s). */
  outageMs?: number;
  deadlineMs: number;
}

interface JobView {
  state: string;
  lastError: string | null;
  runAt: number;
  history: { outcome: string; error: string | null }[];
}

async function job(relay: RelayProcess, id: string): Promise<JobView> {
  const a = await api(relay, `/v1/jobs/${id}`);
  if (a.status !== 200 || !a.json) throw new Error(`GET /v1/jobs/${id} answered ${a.status}`);
  return a.json as unknown as JobView;
}

/** Polls the relay until the job satisfies `ok` or `ms` pass. */
async function waitJob(relay: RelayProcess, id: string, ok: (j: JobView) => boolean, ms: number): Promise<JobView> {
  const end = Date.now() + ms;
  for (;;) {
    const j = await job(relay, id);
    if (ok(j) || Date.now() > end) return j;
    await new Promise((r) => setTimeout(r, 200)); // polling another process's state
  }
}

/** Mounts a tmpfs of `mib` MiB at `dir`; false when mounting is not allowed here. */
function mountTmpfs(dir: string, mib: number): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mib}m`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Runs the part. The bench's config is rewritten to go through the fault proxies. */
export async function workerFaults(relay: RelayProcess, b: WorkerBench, o: WorkerFaultOptions): Promise<PartResult> {
  const started = Date.now();
  const t = new Tally();
  const outageMs = o.outageMs ?? 4000;
  const anthropic = await FakeAnthropic.start();
  const claude = new FaultProxy(anthropic.baseURL);
  await claude.start();
  const yt = new FaultProxy(b.youtube.rootUrl.replace(/\/$/, ""));
  await yt.start();
  const config = JSON.parse(readFileSync(b.configFile, "utf8"));
  config.publish.youtube.rootUrl = `${yt.origin}/`;
  config.publish.youtube.tokenUrl = `${yt.origin}/token`;
  config.content = { writer: "claude", baseURL: claude.origin, maxAttempts: 2, timeoutMs: 10_000 };
  writeFileSync(b.configFile, JSON.stringify(config));

  // WORK_DIR on a small filesystem of its own, when this machine lets us mount one.
  const mnt = join(b.root, "small-disk");
  const mounted = mountTmpfs(mnt, 64);
  const workDir = mounted ? mnt : b.workDir;
  const env = { ANTHROPIC_API_KEY: anthropic.apiKey, CHAOS_CONTENT: "claude", WORK_DIR: workDir };
  const name = "chaos-faults";
  let w: WorkerProcess = startChaosWorker(relay, b, { name, env });
  let crashes = 0;
  const crashEx = new Examples();
  const ensureAlive = async () => {
    const gone = await Promise.race([w.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10))]);
    if (gone) {
      crashes++;
      crashEx.add(w.lines.filter((l) => l.level === "error").map((l) => l.msg).join(" | ").slice(0, 300) || w.text().slice(-300));
      w = startChaosWorker(relay, b, { name, env });
    }
  };
  const summary: string[] = [];
  let round = 0;

  /** One fault: start it, push, see a clear retryable failure, clear it, see the job done. */
  const scenario = async (
    label: string,
    o2: { start: () => void; clear: () => void; cause: RegExp; hit: () => number; waitsForReset?: boolean },
  ) => {
    const videosBefore = b.youtube.uploadedVideos().length;
    const hitBefore = o2.hit();
    o2.start();
    const { jobId } = await pushEdit(relay, b, `fault-${++round}`);
    const failed = await waitJob(relay, jobId, (j) => j.history.some((h) => h.outcome === "failed") || j.state === "done" || j.state === "dead", 60_000);
    const failure = failed.history.find((h) => h.outcome === "failed");
    await ensureAlive();
    const hits = o2.hit() - hitBefore;
    o2.clear();
    let id = jobId;
    if (o2.waitsForReset && failed.state === "queued") {
      // The job waits for the quota reset (midnight Pacific). Rather than wait hours, the
      // owner's way: delete it and push again; the ledger keeps what was done.
      await api(relay, `/v1/jobs/${jobId}`, { method: "DELETE" });
      id = (await pushEdit(relay, b, `fault-${round}-again`)).jobId;
    }
    const end = await waitJob(relay, id, (j) => j.state === "done" || j.state === "dead", 90_000);
    await ensureAlive();
    const uploads = b.youtube.uploadedVideos().length - videosBefore;
    const cause = failure?.error ?? failed.lastError ?? "";
    t.atLeast(`${label}: faulty answers the worker met (the fault really happened)`, 1, hits);
    t.exact(`${label}: failures not retryable (job dead)`, 0, failed.state === "dead" || end.state === "dead" ? 1 : 0, { examples: [cause.slice(0, 200)] });
    t.exact(`${label}: failure messages that do not name the cause`, 0, failure && !o2.cause.test(cause) ? 1 : 0, { examples: [cause.slice(0, 240)] });
    t.exact(`${label}: jobs not done after the fault cleared`, 0, end.state === "done" ? 0 : 1, { examples: [`${end.state}: ${String(end.lastError).slice(0, 200)}`] });
    t.exact(`${label}: videos uploaded (one per atom, none twice)`, b.atoms.length, uploads);
    summary.push(`${label}: "${cause.slice(0, 160)}"${o2.waitsForReset ? `; queued until ${new Date(failed.runAt).toISOString()}` : ""}`);
    progress(`worker faults: ${label}: ${end.state}`);
  };

  let aborted: string | undefined;
  try {
    await within(w.waitFor((l) => l.msg.includes("polling"), "the worker to start"), 30_000, "the worker to start");
    await scenario("YouTube 503 backendError", {
      start: () => yt.outage(YOUTUBE_BACKEND_ERROR, { ms: outageMs }),
      clear: () => yt.heal(),
      cause: /503|backend|YouTube/i,
      hit: () => yt.faulted,
    });
    await scenario("YouTube quotaExceeded", {
      start: () => (b.youtube.quotaExhausted = true),
      clear: () => (b.youtube.quotaExhausted = false),
      cause: /quota/i,
      hit: () => b.youtube.log.length,
      waitsForReset: true,
    });
    await scenario("Anthropic 529 overloaded", {
      start: () => claude.outage(ANTHROPIC_OVERLOADED, { ms: outageMs }),
      clear: () => claude.heal(),
      cause: /529|overload/i,
      hit: () => claude.faulted,
    });
    if (mounted) {
      const filler = join(workDir, "filler.bin");
      let full = 0;
      await scenario("WORK_DIR disk full", {
        start: () => {
          const free = statfsSync(workDir).bavail * statfsSync(workDir).bsize;
          execFileSync("fallocate", ["-l", String(free), filler]);
          full = statfsSync(workDir).bavail === 0 ? 1 : 0;
        },
        clear: () => rmSync(filler, { force: true }),
        cause: /space|ENOSPC|disk|full/i,
        hit: () => full,
      });
    } else {
      t.measure("WORK_DIR disk full", "not run: mounting a small tmpfs is not allowed on this machine");
    }
  } catch (e) {
    aborted = (e as Error).message;
  } finally {
    w.kill("SIGTERM");
    await within(w.exited, 30_000, "the worker to exit").catch(() => w.kill("SIGKILL"));
    if (mounted) {
      try {
        execFileSync("umount", ["-l", mnt], { stdio: "ignore" });
      } catch {
        /* left for the OS */
      }
    }
    await claude.stop();
    await yt.stop();
    await anthropic.close();
  }
  t.exact("worker processes that crashed on a fault", 0, crashes, { examples: crashEx.list });
  t.exact("protocol problems seen by the YouTube and Anthropic fakes", 0, b.youtube.problems.length + anthropic.problems.length, {
    examples: [...b.youtube.problems, ...anthropic.problems],
  });
  t.measure("failure messages", summary.join(" · "));
  t.measure("outage length", `${outageMs} ms (shortened from "a minute"; content.maxAttempts 2, relay backoff 0.2–1 s)`);
  return {
    part: "worker: service outages and a full disk",
    what: `${round} jobs through YouTube 503, quotaExceeded, Anthropic 529${mounted ? " and a full WORK_DIR" : ""}`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(aborted ? { aborted } : {}),
  };
}
