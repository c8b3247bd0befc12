/**
 * Part "worker restart": an idle worker is stopped (SIGTERM, as systemd does) or killed
 * (SIGKILL) and started again under the same name, as a service restart does; then a push
 * arrives. The next job must be picked up within seconds, about as fast as by a freshly started
 * worker, not after the dead process's lease or parked poll runs out.
 *
 * Runs on a relay with the product's default lease (120 s), so a job stuck with a dead process
 * shows as minutes, not as the chaos relay's short lease. Delays are measured from the push's
 * 202 to the restarted process's "leased" log line (both observed by the harness).
 */
import { Tally, type PartResult } from "../counts.ts";
import { api, type RelayProcess } from "../relay-kit.ts";
import { progress, pushEdit, startChaosWorker, within, type WorkerBench, type WorkerProcess } from "../worker-kit.ts";

export interface WorkerRestartOptions {
  /** Restart cycles per kind of stop and transport. */
  cycles: number;
  transports: ("websocket" | "longpoll")[];
  /** A job not picked up within this is reported as "over the bound" (and counted wrong). */
  boundMs: number;
  /** A pick-up slower than this is counted wrong ("within seconds"). */
  allowedMs: number;
  deadlineMs: number;
}

/** Waits until the worker is idle and listening for jobs. */
async function idle(w: WorkerProcess): Promise<void> {
  await within(w.waitFor((l) => l.msg.startsWith("wake-up channel open") || l.msg.startsWith("worker ") || l.msg.includes("polling"), "the worker to start"), 30_000, "the worker to start");
  // Let it reach its first poll or socket (both are made right after the start line).
  await new Promise((r) => setTimeout(r, 1500));
}

/** Push, then time until `w` logs that it leased the job; null when over the bound. */
async function pickup(relay: RelayProcess, b: WorkerBench, w: WorkerProcess, marker: string, boundMs: number): Promise<{ ms: number | null; jobId: string }> {
  const { jobId } = await pushEdit(relay, b, marker);
  const t0 = Date.now();
  try {
    await within(w.waitFor((l) => l.jobId === jobId && l.msg.startsWith("leased"), "the job leased"), boundMs, "the job");
    const ms = Date.now() - t0;
    await within(w.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job completed"), 90_000, "the job to complete");
    return { ms, jobId };
  } catch {
    return { ms: null, jobId };
  }
}

/** Runs the part; `relay` should use the default lease length. */
export async function workerRestarts(relay: RelayProcess, b: WorkerBench, o: WorkerRestartOptions): Promise<PartResult> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const t = new Tally();
  const results: string[] = [];
  let slow = 0;
  let cycles = 0;
  const slowEx: string[] = [];
  let live: WorkerProcess | null = null;
  let n = 0;
  try {
    for (const transport of o.transports) {
      const name = `chaos-restart-${transport}`;
      const env = { WORKER_TRANSPORT: transport };
      live = startChaosWorker(relay, b, { name, env });
      await idle(live);
      const fresh = await pickup(relay, b, live, `fresh-${transport}-${n++}`, o.boundMs);
      results.push(`${transport} fresh start: ${fresh.ms ?? `> ${o.boundMs}`} ms`);
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        for (let c = 0; c < o.cycles && Date.now() < deadline; c++) {
          live.kill(signal);
          await within(live.exited, 40_000, `the worker to exit on ${signal}`);
          live = startChaosWorker(relay, b, { name, env });
          await idle(live);
          const got = await pickup(relay, b, live, `${signal}-${transport}-${n++}`, o.boundMs);
          cycles++;
          results.push(`${transport} after ${signal}: ${got.ms === null ? `> ${o.boundMs}` : got.ms} ms`);
          progress(`worker restarts: ${transport} after ${signal}: ${got.ms ?? `> ${o.boundMs}`} ms`);
          if (got.ms === null || got.ms > o.allowedMs) {
            slow++;
            const job = await api(relay, `/v1/jobs/${got.jobId}`);
            slowEx.push(`${transport} after ${signal}: job ${got.jobId} ${String(job.json?.state)} leased by ${String(job.json?.leasedBy)}`);
            // Give the stuck job a moment; a later cycle pushes a new job either way (a leased job does not coalesce).
            await within(live.waitFor((l) => l.jobId === got.jobId && l.msg.startsWith("completed"), "the stuck job"), 10_000, "the stuck job").catch(() => undefined);
          }
        }
      }
      live.kill("SIGTERM");
      await within(live.exited, 40_000, "the worker to exit").catch(() => live?.kill("SIGKILL"));
      live = null;
    }
  } finally {
    if (live) {
      live.kill("SIGKILL");
      await live.exited;
    }
  }
  t.atLeast("restart cycles (SIGTERM and SIGKILL, each transport)", o.cycles * 2 * o.transports.length, cycles);
  t.exact(`restarts after which the next push waited over ${o.allowedMs / 1000} s`, 0, slow, { defect: "defect 1", examples: slowEx });
  t.measure("push → leased by the (re)started worker", results.join("; "));
  return {
    part: "worker: SIGTERM / SIGKILL and restart",
    what: `${cycles} restarts of an idle worker under the same name (${o.transports.join(", ")}), then a push; relay lease 120 s`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(Date.now() > deadline ? { aborted: "deadline passed" } : {}),
  };
}
