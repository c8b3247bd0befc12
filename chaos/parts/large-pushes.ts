/**
 * Part "large pushes": legal pushes with huge changed-path lists (GitHub allows bodies up to
 * 25 MiB), alone and several coalescing into one job, must be accepted and kept; one byte over
 * the cap must be refused with 413, never a 5xx. Checked by reading the job back.
 */
import { randomUUID } from "node:crypto";
import { Examples, Tally, type PartResult } from "../counts.ts";
import { largePushBody } from "../push-bodies.ts";
import { api, drainQueue, sendWebhook, type RelayProcess } from "../relay-kit.ts";

export interface LargePushOptions {
  /** Sizes in bytes of single large pushes (each to its own repository). */
  single: number[];
  /** Pushes of `coalesceBytes` each to one branch, coalescing into one job. */
  coalesceCount: number;
  coalesceBytes: number;
  /** Also send a push one byte over 25 MiB (must be 413). */
  overCap: boolean;
  deadlineMs: number;
}

const MIB = 1024 * 1024;
const CAP = 25 * MIB;

/** Runs the part against a running relay. */
export async function largePushes(relay: RelayProcess, o: LargePushOptions): Promise<PartResult> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const t = new Tally();
  const ns = `chaos-large-${randomUUID().slice(0, 6)}`;
  await drainQueue(relay, "chaos-large-pre");
  let accepted = 0;
  let fivexx = 0;
  let lost = 0;
  let sent = 0;
  const refusedEx = new Examples();
  const lostEx = new Examples();
  const sizes: string[] = [];
  let seq = 0;

  const check = async (jobId: string, delivery: string): Promise<boolean> => {
    const got = await api(relay, `/v1/jobs/${jobId}`, { timeoutMs: 60_000 });
    const ids = (got.json?.payload as { deliveryIds?: string[] } | undefined)?.deliveryIds ?? [];
    return got.status === 200 && (ids.includes(delivery) || (got.json?.payload as { truncated?: boolean }).truncated === true);
  };

  for (const bytes of o.single) {
    if (Date.now() > deadline) break;
    const { body, paths } = largePushBody(`${ns}/single-${seq}`, 5_000_000 + seq++, Math.min(bytes, CAP - 1));
    const delivery = randomUUID();
    sent++;
    sizes.push(`${(body.length / MIB).toFixed(1)} MiB (${paths} paths)`);
    const a = await sendWebhook(relay, "push", body, delivery);
    if (a.status >= 500) fivexx++;
    if (a.status === 202 && typeof a.json?.jobId === "string") {
      accepted++;
      if (!(await check(a.json.jobId, delivery))) {
        lost++;
        lostEx.add(`${(body.length / MIB).toFixed(1)} MiB push: job ${a.json.jobId} not readable with its delivery`);
      }
    } else {
      lost++;
      refusedEx.add(`${(body.length / MIB).toFixed(1)} MiB: ${a.status} ${a.error ?? a.text.slice(0, 160)}`);
    }
  }

  // Several large pushes to one branch while none is leased: they must fold into one job.
  const jobIds = new Set<string>();
  const coalesced: { delivery: string; jobId: string }[] = [];
  for (let k = 0; k < o.coalesceCount && Date.now() < deadline; k++) {
    const { body } = largePushBody(`${ns}/coalesce`, 6_000_000 + k, o.coalesceBytes);
    const delivery = randomUUID();
    sent++;
    const a = await sendWebhook(relay, "push", body, delivery);
    if (a.status >= 500) fivexx++;
    if (a.status === 202 && typeof a.json?.jobId === "string") {
      accepted++;
      jobIds.add(a.json.jobId);
      coalesced.push({ delivery, jobId: a.json.jobId });
    } else {
      lost++;
      refusedEx.add(`coalescing push ${k + 1} of ${(body.length / MIB).toFixed(1)} MiB: ${a.status} ${a.error ?? a.text.slice(0, 160)}`);
    }
  }
  for (const c of coalesced) {
    if (!(await check(c.jobId, c.delivery))) {
      lost++;
      lostEx.add(`coalesced delivery ${c.delivery} not in job ${c.jobId}`);
    }
  }
  // The job must still be leasable and completable (a stored job that cannot be served is lost too).
  let unservable = 0;
  const leased = await api(relay, "/v1/jobs/next?wait=0&worker=chaos-large", { timeoutMs: 60_000 });
  if (coalesced.length && leased.status !== 200) unservable++;
  if (leased.status === 200) {
    const l = leased.json as { job: { id: string }; lease: { token: string } };
    const done = await api(relay, `/v1/jobs/${l.job.id}/complete`, { method: "POST", body: JSON.stringify({ leaseToken: l.lease.token }), timeoutMs: 60_000 });
    if (done.status !== 200) unservable++;
    await drainQueue(relay, "chaos-large").catch(() => unservable++);
  }

  let overCapStatus: number | null = null;
  if (o.overCap) {
    const { body } = largePushBody(`${ns}/over`, 7_000_000, CAP);
    // Exactly CAP + 1 bytes (the body is ASCII, so characters are bytes).
    const padded = body.replace('"ref":', `"pad":"${"p".repeat(Math.max(0, CAP + 1 - body.length - '"pad":"",'.length))}","ref":`);
    const a = await sendWebhook(relay, "push", padded, randomUUID());
    overCapStatus = a.status;
    if (a.status >= 500) fivexx++;
  }

  const legal = o.single.length + o.coalesceCount;
  t.exact("legal large pushes accepted (202)", legal, accepted, { defect: "defect 2", examples: refusedEx.list });
  t.exact("legal large pushes lost (refused, or job unreadable)", 0, lost, { defect: "defect 2", examples: [...refusedEx.list, ...lostEx.list] });
  t.exact("answers 5xx", 0, fivexx, { defect: "defect 2" });
  t.exact(`jobs made by ${o.coalesceCount} coalescing large pushes`, o.coalesceCount > 0 ? 1 : 0, jobIds.size);
  t.exact("stored large jobs that cannot be leased and completed", 0, unservable, { defect: "defect 2" });
  if (o.overCap) t.exact("push 1 byte over 25 MiB answered 413", 1, overCapStatus === 413 ? 1 : 0, { examples: [`status ${overCapStatus}`] });
  t.measure("single pushes", sizes.join(", "));
  t.measure("coalescing pushes", `${o.coalesceCount} × ${(o.coalesceBytes / MIB).toFixed(1)} MiB`);
  return {
    part: "relay: large pushes",
    what: `${sent} legal pushes of ${(Math.min(...o.single, o.coalesceBytes) / MIB).toFixed(1)}–${(Math.max(...o.single, o.coalesceBytes) / MIB).toFixed(1)} MiB${o.overCap ? ", 1 over the 25 MiB cap" : ""}`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(Date.now() > deadline ? { aborted: "deadline passed" } : {}),
  };
}
