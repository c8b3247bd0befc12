/**
 * Part "relay restarts": pushes stream in while the relay process is stopped (SIGTERM) and
 * killed (SIGKILL of wrangler and workerd, no chance to flush) mid-stream, then started again on
 * the same persisted state. A delivery that got no answer is redelivered with the same id, as
 * GitHub does. Every delivery the relay acknowledged (202 with a job id) must have its job
 * afterwards, with the delivery in it.
 */
import { randomUUID } from "node:crypto";
import { Examples, Tally, type PartResult } from "../counts.ts";
import { pushBody } from "../push-bodies.ts";
import { api, listAllJobs, sendWebhook, sigkillRelay, type RelayProcess } from "../relay-kit.ts";

export interface RelayRestartOptions {
  /** How many times to stop the relay with SIGTERM and start it again. */
  sigterms: number;
  /** How many times to SIGKILL it and start it again. */
  sigkills: number;
  /** Pushes sent while each outage is provoked. */
  pushesPerRound: number;
  concurrency: number;
  deadlineMs: number;
}

interface Delivery {
  id: string;
  body: string;
  repository: string;
  jobId: string | null;
  tries: number;
}

/** Runs the part; restarts `relay` in place (same port, same persisted state). */
export async function relayRestarts(relay: RelayProcess, o: RelayRestartOptions): Promise<PartResult> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const t = new Tally();
  const ns = `chaos-restart-${randomUUID().slice(0, 6)}`;
  const all: Delivery[] = [];
  let seq = 0;
  let fivexx = 0;
  let unanswered = 0;
  const outages: string[] = [];
  const downtimes: number[] = [];
  // A lease held across the outages must survive too.
  const probe = await sendWebhook(relay, "push", pushBody({ repository: `${ns}/leased`, seq: 9_000_000 }), randomUUID());
  const leased = await api(relay, "/v1/jobs/next?wait=0&worker=chaos-restart-probe");
  const lease = leased.status === 200 ? (leased.json as { job: { id: string }; lease: { token: string } }) : null;
  // Heartbeat it as a worker does (the first one confirms the lease); failures while down are expected.
  const beat = () => (lease ? api(relay, `/v1/jobs/${lease.job.id}/heartbeat`, { method: "POST", body: JSON.stringify({ leaseToken: lease.lease.token }), timeoutMs: 5000 }) : null);
  await beat();
  const beating = setInterval(() => void beat(), 1000);

  const send = async (d: Delivery): Promise<void> => {
    d.tries++;
    const a = await sendWebhook(relay, "push", d.body, d.id);
    if (a.status >= 500) fivexx++;
    if (a.status === 202 && typeof a.json?.jobId === "string") {
      if (d.jobId && d.jobId !== a.json.jobId) d.jobId = `conflict:${d.jobId}/${a.json.jobId}`;
      else d.jobId = a.json.jobId;
    } else if (a.status === 0) unanswered++;
  };

  const rounds = [...Array(o.sigterms).fill("SIGTERM"), ...Array(o.sigkills).fill("SIGKILL")] as ("SIGTERM" | "SIGKILL")[];
  for (const [i, how] of rounds.entries()) {
    if (Date.now() > deadline) break;
    const batch = Array.from({ length: o.pushesPerRound }, () => {
      const n = seq++;
      const repository = `${ns}/repo-${n % 7}`;
      return { id: randomUUID(), body: pushBody({ repository, seq: 8_000_000 + n, modified: [`kb/atoms/a-${n}.json`] }), repository, jobId: null, tries: 0 } satisfies Delivery;
    });
    all.push(...batch);
    // Stream the batch; the outage hits when about a third of it has been sent.
    let next = 0;
    let fired = false;
    let outage: Promise<void> = Promise.resolve();
    const lanes = Array.from({ length: o.concurrency }, async () => {
      while (next < batch.length) {
        const d = batch[next++]!;
        if (!fired && next > batch.length / 3) {
          fired = true;
          outage = (async () => {
            const down = Date.now();
            if (how === "SIGKILL") {
              const killed = sigkillRelay(relay);
              outages.push(`round ${i + 1}: SIGKILL to ${killed} processes`);
            } else {
              outages.push(`round ${i + 1}: SIGTERM`);
              await relay.stop();
            }
            await relay.restart();
            downtimes.push(Date.now() - down);
          })();
        }
        await send(d);
        // While the relay is down, GitHub keeps what failed for redelivery; wait for it to be back.
        if (!d.jobId && fired) await outage;
      }
    });
    await Promise.all(lanes);
    await outage;
    // GitHub redelivers what got no answer (same delivery id, same body).
    for (let pass = 0; pass < 3; pass++) {
      const pending = batch.filter((d) => !d.jobId);
      if (!pending.length) break;
      for (const d of pending) await send(d);
    }
  }

  clearInterval(beating);
  const jobs = await listAllJobs(relay);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const acked = all.filter((d) => d.jobId);
  const lost = new Examples();
  let lostN = 0;
  let askedAgain = 0;
  for (const d of acked) {
    const job = byId.get(d.jobId!);
    const ids = (job?.payload.deliveryIds as string[] | undefined) ?? [];
    if (job && ids.includes(d.id)) continue;
    // A coalesced job lists only its newest delivery ids: ask the relay itself by redelivering
    // (same id, same body). Knowing the delivery means answering with its job, deduplicated.
    let known = false;
    if (job) {
      askedAgain++;
      const again = await sendWebhook(relay, "push", d.body, d.id);
      known = again.status === 202 && again.json?.jobId === d.jobId && again.json?.deduplicated === true;
    }
    if (!known) {
      lostN++;
      lost.add(`${d.id} → ${d.jobId} ${job ? "not in the job, and a redelivery made a new job" : "missing"}`);
    }
  }
  let leaseLost = 0;
  if (lease) {
    const hb = await api(relay, `/v1/jobs/${lease.job.id}/heartbeat`, { method: "POST", body: JSON.stringify({ leaseToken: lease.lease.token }) });
    if (hb.status !== 200) leaseLost = 1;
  }
  t.exact("acknowledged deliveries whose job is gone after the restarts (lost)", 0, lostN, { examples: lost.list });
  t.exact("deliveries never acknowledged, even after 3 redeliveries", 0, all.length - acked.length);
  t.exact("redeliveries answered with a different job than the first answer", 0, acked.filter((d) => d.jobId!.startsWith("conflict:")).length);
  t.exact("answers 5xx", 0, fivexx);
  t.exact("the lease held across the restarts still valid (probe job)", probe.status === 202 && lease ? 1 : 0, lease ? 1 - leaseLost : 0);
  t.measure("deliveries / without an answer during outages (then redelivered)", `${all.length} / ${unanswered}`);
  t.measure("outages", outages.join("; "));
  t.measure("deliveries checked by redelivery (not among their job's newest delivery ids)", String(askedAgain));
  t.measure("downtime per outage (stop → ready again), ms", downtimes.join(", "));
  return {
    part: "relay: restarts and SIGKILL mid-stream",
    what: `${all.length} pushes streamed ${o.concurrency} at a time through ${o.sigterms} SIGTERM and ${o.sigkills} SIGKILL restarts of wrangler dev`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(Date.now() > deadline ? { aborted: "deadline passed" } : {}),
  };
}
