/**
 * Part "push storm": real-shaped pushes (GitHub's payload, re-aimed at many repositories) in
 * bursts of up to `maxBurst` at once, with a share of duplicate deliveries (GitHub redelivering
 * the same delivery id and body). Between phases a fake worker drains the queue, so each phase
 * must leave exactly one coalesced job per repository it touched.
 *
 * Checked against the relay's own job listing (GET /v1/jobs), not against its answers alone:
 * every acknowledged delivery is in exactly one job, of the right repository and phase; every
 * duplicate got the original's job back; the number of jobs is exactly the coalesced set.
 */
import { randomUUID } from "node:crypto";
import { Budget, BudgetExhausted, Examples, Tally, type PartResult } from "../counts.ts";
import { afterOf, pushBody } from "../push-bodies.ts";
import { drainQueue, listAllJobs, rng, sendWebhook, type RelayProcess } from "../relay-kit.ts";

export interface PushStormOptions {
  /** Total webhooks sent, duplicates included (10,000 in the full run). */
  pushes: number;
  /** Share of sends that redeliver an earlier delivery id (0.1). */
  duplicateShare: number;
  repositories: number;
  phases: number;
  maxBurst: number;
  deadlineMs: number;
  seed?: number;
}

interface Sent {
  delivery: string;
  body: string;
  repository: string;
  phase: number;
  seq: number;
  jobId: string | null;
}

/** Runs the part against a running relay (its queue should hold no sync job of these repositories). */
export async function pushStorm(relay: RelayProcess, o: PushStormOptions): Promise<PartResult> {
  const started = Date.now();
  const t = new Tally();
  const r = rng(o.seed ?? 7);
  const budget = new Budget(o.pushes + 10, started + o.deadlineMs);
  const ns = `chaos-storm-${randomUUID().slice(0, 6)}`;
  const originals: Sent[] = [];
  const ackedSoFar: Sent[] = [];
  const perPhase = Math.ceil(o.pushes / o.phases);
  let seq = 0;
  let sentN = 0;
  let dupSent = 0;
  let fivexx = 0;
  let other = 0;
  let dupWrong = 0;
  let bursts = 0;
  let biggestBurst = 0;
  const otherEx = new Examples();
  const dupEx = new Examples();
  const touched: Set<string>[] = [];
  let aborted: string | undefined;

  try {
    for (let phase = 0; phase < o.phases; phase++) {
      touched[phase] = new Set();
      let left = Math.min(perPhase, o.pushes - sentN);
      while (left > 0) {
        const size = Math.min(left, 1 + Math.floor(r() * o.maxBurst));
        left -= size;
        bursts++;
        biggestBurst = Math.max(biggestBurst, size);
        const burst: { s: Sent; dup: Sent | null }[] = [];
        for (let k = 0; k < size; k++) {
          if (ackedSoFar.length > 0 && r() < o.duplicateShare) {
            const of = ackedSoFar[Math.floor(r() * ackedSoFar.length)]!;
            burst.push({ s: of, dup: of });
            continue;
          }
          const repository = `${ns}/repo-${Math.floor(r() * o.repositories)}`;
          const n = seq++;
          const body = pushBody({ repository, seq: n, modified: [`kb/atoms/atom-${n % 50}.json`], added: [`notes/n-${n}.md`] });
          const s: Sent = { delivery: randomUUID(), body, repository, phase, seq: n, jobId: null };
          originals.push(s);
          burst.push({ s, dup: null });
        }
        budget.spend(size);
        await Promise.all(
          burst.map(async ({ s, dup }) => {
            sentN++;
            const a = await sendWebhook(relay, "push", s.body, s.delivery);
            if (a.status >= 500) fivexx++;
            if (a.status !== 202 || typeof a.json?.jobId !== "string") {
              other++;
              otherEx.add(`${a.status} ${a.error ?? a.text.slice(0, 120)}`);
              return;
            }
            if (dup) {
              dupSent++;
              if (a.json.jobId !== dup.jobId || a.json.deduplicated !== true) {
                dupWrong++;
                dupEx.add(`${s.delivery}: first ${dup.jobId}, again ${a.text.slice(0, 100)}`);
              }
              return;
            }
            s.jobId = a.json.jobId;
            ackedSoFar.push(s);
            touched[phase]!.add(s.repository);
          }),
        );
      }
      await drainQueue(relay, "chaos-storm");
    }
  } catch (e) {
    if (!(e instanceof BudgetExhausted)) throw e;
    aborted = e.message;
  }

  // What the relay holds, from its listing.
  const jobs = (await listAllJobs(relay)).filter((j) => String(j.payload.repository ?? "").startsWith(`${ns}/`));
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const holders = new Map<string, string[]>();
  for (const j of jobs) for (const d of (j.payload.deliveryIds as string[] | undefined) ?? []) holders.set(d, [...(holders.get(d) ?? []), j.id]);
  const acked = originals.filter((s) => s.jobId);
  const lost = new Examples();
  const doubled = new Examples();
  const misfiled = new Examples();
  let lostN = 0;
  let doubledN = 0;
  let misfiledN = 0;
  let notRecorded = 0;
  const jobPhase = new Map<string, number>();
  for (const s of acked) {
    const job = byId.get(s.jobId!);
    if (!job) {
      lostN++;
      lost.add(`delivery ${s.delivery} → job ${s.jobId} not in the listing`);
      continue;
    }
    const held = holders.get(s.delivery) ?? [];
    if (held.length > 1) {
      doubledN++;
      doubled.add(`${s.delivery} in ${held.join(", ")}`);
    }
    if (!held.includes(job.id) && job.payload.truncated !== true) notRecorded++;
    const seenPhase = jobPhase.get(job.id);
    if (job.payload.repository !== s.repository || (seenPhase !== undefined && seenPhase !== s.phase)) {
      misfiledN++;
      misfiled.add(`${s.delivery} (${s.repository}, phase ${s.phase}) in ${job.id} (${String(job.payload.repository)}, phase ${seenPhase})`);
    }
    jobPhase.set(job.id, s.phase);
  }
  // The newest push folded into a job must be the job's `after` (its sha is what gets synced).
  let staleAfter = 0;
  for (const j of jobs) {
    const seqs = acked.filter((s) => s.jobId === j.id).map((s) => s.seq);
    if (seqs.length && !seqs.map(afterOf).includes(String(j.payload.after))) staleAfter++;
  }
  const expectedJobs = touched.reduce((n, set) => n + set.size, 0);
  const unique = acked.length;

  t.atLeast("webhooks sent", o.pushes, sentN);
  t.exact("answers other than 202 with a job id", 0, other, { examples: otherEx.list });
  t.exact("answers 5xx", 0, fivexx);
  t.exact("acknowledged deliveries whose job is missing (lost)", 0, lostN, { examples: lost.list });
  t.exact("deliveries folded into two jobs (doubled)", 0, doubledN, { examples: doubled.list });
  t.exact("duplicates not answered with the original job, deduplicated", 0, dupWrong, { examples: dupEx.list });
  t.exact("deliveries filed under the wrong repository or phase", 0, misfiledN, { examples: misfiled.list });
  t.exact("acknowledged deliveries missing from their job's deliveryIds", 0, notRecorded);
  t.exact("jobs whose `after` is none of their pushes' shas", 0, staleAfter);
  t.exact("jobs in the relay (one per repository and phase)", expectedJobs, jobs.length);
  t.measure("unique deliveries / duplicates sent / bursts (largest)", `${unique} / ${dupSent} / ${bursts} (${biggestBurst})`);
  t.measure("pushes per second (whole part, drains included)", ((sentN / (Date.now() - started)) * 1000).toFixed(0));
  return {
    part: "relay: push storm",
    what: `${sentN} real-shaped pushes to ${o.repositories} repositories in ${o.phases} phases, ${Math.round(o.duplicateShare * 100)} % duplicate deliveries, bursts up to ${o.maxBurst} at once`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(aborted ? { aborted } : {}),
  };
}
