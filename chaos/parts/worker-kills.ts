/**
 * Part "worker SIGKILL": one push per round, and in each round the worker process is SIGKILLed
 * at chosen points (every step × before it starts / while it runs / after its work but before
 * it is recorded), then started again under the same name, until the job completes.
 *
 * Counted from the outside: the relay's job state (every job done, none lost), the ledger file
 * and the ran-log (no step that the ledger had recorded as finished at the moment of a kill ever
 * starts again), and the YouTube fake's videos (exactly one upload per atom and round).
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Examples, Tally, type PartResult } from "../counts.ts";
import { api, rng, type RelayProcess } from "../relay-kit.ts";
import type { KillPoint } from "../worker-entry.ts";
import { ledgerDone, progress, pushEdit, ranLines, startChaosWorker, until, within, type WorkerBench, type WorkerProcess } from "../worker-kit.ts";

export interface WorkerKillOptions {
  /** Kill points as [key, when]; "all" = every step × before/during/after. */
  points: [string, KillPoint["when"]][] | "all";
  /** Kill points per round (job); the rest of the round runs to the end. */
  killsPerRound: number;
  /** Extra rounds with no kill (the worker must still skip nothing and repeat nothing). */
  cleanRounds: number;
  deadlineMs: number;
  seed?: number;
}

/** Step keys in the order the pipeline runs them. */
export function stepOrder(unsorted: readonly string[]): string[] {
  const atoms = [...unsorted].sort(); // the knowledge base lists atoms by id
  return [
    ...atoms.map((a) => `echo:${a}`),
    "combine",
    ...atoms.flatMap((a) => [`script:${a}`, `render:${a}`]),
    ...atoms.map((a) => `publish:${a}`),
  ];
}

interface KillRecord {
  round: number;
  key: string;
  when: string;
  /** ran-log length at the kill. */
  lines: number;
  /** Steps of this round the ledger held as finished at the kill. */
  done: Set<string>;
  killedAt: number;
}

/** Runs the part with a relay and a bench of its own. */
export async function workerKills(relay: RelayProcess, b: WorkerBench, o: WorkerKillOptions): Promise<PartResult> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const t = new Tally();
  const r = rng(o.seed ?? 11);
  const order = stepOrder(b.atoms);
  const all: [string, KillPoint["when"]][] =
    o.points === "all" ? order.flatMap((k) => (["before", "during", "after"] as const).map((w) => [k, w] as [string, KillPoint["when"]])) : o.points;
  const pending = [...all];
  const name = "chaos-worker-kills";
  const kills: KillRecord[] = [];
  const roundStart = new Map<number, number>();
  const tries = new Map<string, number>();
  const jobs: { round: number; jobId: string }[] = [];
  const notReached = new Examples();
  const errors = new Examples();
  const resumeDelays: number[] = [];
  let notReachedN = 0;
  let round = 0;
  let live: WorkerProcess | null = null;
  let aborted: string | undefined;

  try {
    while ((pending.length > 0 || round < Math.ceil(all.length / o.killsPerRound) + o.cleanRounds) && Date.now() < deadline) {
      round++;
      const clean = pending.length === 0;
      // This round's points, in the order the pipeline reaches them.
      const mine = pending.splice(0, clean ? 0 : o.killsPerRound).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
      const before = new Set(ledgerDone(b.workDir).map((d) => `${d.key}|${d.inputHash}`));
      roundStart.set(round, ranLines(b.ranLog).length);
      const { jobId } = await pushEdit(relay, b, String(round));
      jobs.push({ round, jobId });
      for (const [key, when] of mine) {
        if (Date.now() > deadline) break;
        const ready = join(b.root, `ready-${round}-${key.replace(/:/g, "_")}-${when}`);
        const w = startChaosWorker(relay, b, { name, kill: { key, when, ready } });
        const exited = () => w.exited.then(() => false);
        const reached = await Promise.race([
          until(() => existsSync(ready), 60_000, `kill point ${when} ${key}`).then(() => true),
          exited(),
          within(w.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "completion"), 60_000, "completion").then(() => false),
        ]).catch((e: Error) => {
          errors.add(e.message.slice(0, 200));
          return false;
        });
        if (!reached) {
          // The job got past the point (its step ran before, in this round): try it in the next round.
          const id = `${when} ${key}`;
          tries.set(id, (tries.get(id) ?? 0) + 1);
          if (tries.get(id)! < 3) pending.push([key, when]);
          else {
            notReachedN++;
            notReached.add(`round ${round}: ${id}`);
          }
          w.kill("SIGKILL");
          await w.exited;
          // The rest of this round's points go to the next round too.
          for (const rest of mine.slice(mine.findIndex(([k, wh]) => k === key && wh === when) + 1)) pending.push(rest);
          break;
        }
        // "during": let the real step run a random moment first (up to 300 ms: mid-upload for publish).
        if (when === "during") await new Promise((res) => setTimeout(res, Math.floor(r() * 300)));
        const done = new Set(
          ledgerDone(b.workDir)
            .filter((d) => !before.has(`${d.key}|${d.inputHash}`))
            .map((d) => d.key),
        );
        const lines = ranLines(b.ranLog).length;
        w.kill("SIGKILL");
        const killedAt = Date.now();
        await w.exited;
        kills.push({ round, key, when, lines, done, killedAt });
        progress(`worker kills: round ${round}, SIGKILL ${when} ${key} (${done.size} steps recorded)`);
      }
      // The rest of the round: a worker without a kill point takes the job to its end.
      live = startChaosWorker(relay, b, { name });
      const lastKill = kills.at(-1);
      try {
        await within(live.waitFor((l) => l.jobId === jobId && l.msg.startsWith("leased"), "the job leased again"), 60_000, `round ${round}: job ${jobId} leased again`);
        if (lastKill?.round === round) resumeDelays.push(Date.now() - lastKill.killedAt);
        await within(live.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job to end"), 90_000, `round ${round}: job ${jobId} to complete`);
      } catch (e) {
        errors.add((e as Error).message.slice(0, 300));
      }
      live.kill("SIGTERM");
      await within(live.exited, 30_000, "the worker to exit on SIGTERM").catch(() => live?.kill("SIGKILL"));
      live = null;
    }
  } catch (e) {
    aborted = (e as Error).message;
  } finally {
    if (live) {
      live.kill("SIGKILL");
      await live.exited;
    }
  }
  if (pending.length && !aborted) aborted = `deadline passed with ${pending.length} kill points left`;

  // Relay: every job done.
  let notDone = 0;
  const notDoneEx = new Examples();
  for (const j of jobs) {
    const got = await api(relay, `/v1/jobs/${j.jobId}`);
    if (got.json?.state !== "done") {
      notDone++;
      notDoneEx.add(`round ${j.round} job ${j.jobId}: ${String(got.json?.state ?? got.status)} ${String(got.json?.lastError ?? "").slice(0, 150)}`);
    }
  }
  // Ledger + ran-log: a step recorded as finished at a kill never starts again afterwards.
  const lines = ranLines(b.ranLog);
  let repeated = 0;
  const repeatedEx = new Examples();
  for (const k of kills) {
    // Only this round's lines count: the next round's steps have new inputs.
    const end = roundStart.get(k.round + 1) ?? lines.length;
    for (const key of lines.slice(k.lines, end).map((l) => l.replace(/^start /, ""))) {
      if (k.done.has(key)) {
        repeated++;
        repeatedEx.add(`round ${k.round}: ${key} was finished at the kill (${k.when} ${k.key}) and ran again`);
      }
    }
  }
  // YouTube fake: one video per atom and round, never two.
  const videos = b.youtube.uploadedVideos();
  const byTitle = new Map<string, number>();
  for (const v of videos) byTitle.set(v.snippet.title, (byTitle.get(v.snippet.title) ?? 0) + 1);
  const doubles = [...byTitle.values()].reduce((n, c) => n + (c - 1), 0);
  const finished = jobs.length - notDone;

  t.atLeast("SIGKILLs delivered at chosen points", all.length, kills.length);
  t.exact("jobs not completed (lost)", 0, notDone, { defect: "defect 1 (lease held by a dead process)", examples: [...notDoneEx.list, ...errors.list] });
  t.exact("finished steps that ran again after a kill", 0, repeated, { examples: repeatedEx.list });
  t.exact("double uploads (YouTube fake: videos with the same title)", 0, doubles);
  t.exact("videos uploaded (one per atom per completed round)", finished * b.atoms.length, byTitle.size);
  t.exact("protocol problems seen by the YouTube fake", 0, b.youtube.problems.length, { examples: b.youtube.problems });
  t.exact("kill points the job ended before reaching", 0, notReachedN, { examples: notReached.list });
  const sorted = [...resumeDelays].sort((x, y) => x - y);
  t.measure("SIGKILL → job leased again by the restarted worker, ms (median / max)", sorted.length ? `${sorted[Math.floor(sorted.length / 2)]} / ${sorted.at(-1)}` : "n/a");
  t.measure("kill points", `${kills.length} over ${jobs.length} jobs: ${[...new Set(kills.map((k) => k.when))].join(", ")} × ${new Set(kills.map((k) => k.key)).size} steps`);
  t.measure("step starts in the ran-log / uploads sessions opened", `${lines.length} / ${b.youtube.sessions.size}`);
  rmSync(b.ranLog, { force: true });
  return {
    part: "worker: SIGKILL at step boundaries and mid-step",
    what: `${jobs.length} jobs of ${b.atoms.length} atoms (${order.length} steps each: echo, combine, script, render, publish to the YouTube fake), ${kills.length} SIGKILLs`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(aborted ? { aborted } : {}),
  };
}
