/**
 * Relay benchmark under real `wrangler dev` (local workerd), with a bare Hono route in the same
 * workerd as the baseline (BENCH_ROUTES=1):
 *  1. webhook ack latency p50/p99 for a 25 KB and a 5 MB signed push, vs the bare route with the same body;
 *  2. enqueue → lease hand-off latency with pollers already waiting, one at a time and in bursts of 20;
 *  3. jobs/s through the one queue object with 4 concurrent workers (lease + complete), vs bare req/s.
 * Run alone: `node --import tsx bench/relay.bench.ts` (or `npm run bench -- relay`).
 */
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { type RelayProcess, signWebhook, startRelay } from "../test/helpers/relay-process.ts";

const FIXTURE = new URL("../test/fixtures/github-webhooks/push/with-new-branch.payload.json", import.meta.url);
const QUICK = process.env.BENCH_QUICK === "1";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summary(samples: number[]): { p50: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** A real push body padded with extra commits until it is about `bytes` long. */
function pushOfSize(bytes: number, repo: string): string {
  const body = JSON.parse(readFileSync(FIXTURE, "utf8"));
  body.repository.full_name = repo;
  const commit = body.commits[0];
  const commits = [];
  let i = 0;
  let size = JSON.stringify(body).length;
  while (size < bytes) {
    const c = { ...commit, id: i.toString(16).padStart(40, "0"), added: [`kb/atoms/atom-${i}.md`], modified: [], removed: [] };
    commits.push(c);
    size += JSON.stringify(c).length + 1;
    i++;
  }
  body.commits = [commit, ...commits];
  return JSON.stringify(body);
}

async function timeRequest(url: string, init: RequestInit): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  const ms = performance.now() - t;
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}`);
  return ms;
}

async function ackLatency(relay: RelayProcess, bytes: number, n: number) {
  const relayMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    // A new repository each time, so every ack stores a new job (no coalescing shortcut).
    const body = pushOfSize(bytes, `bench/repo-${bytes}-${i}`);
    const headers = {
      "Content-Type": "application/json",
      "X-GitHub-Event": "push",
      "X-GitHub-Delivery": randomUUID(),
      "X-Hub-Signature-256": signWebhook(relay.secret, body),
    };
    // Interleave relay and baseline so drift on a shared machine hits both alike.
    const a = await timeRequest(`${relay.url}/github/webhook`, { method: "POST", headers, body });
    const b = await timeRequest(`${relay.url}/_bench/bare`, { method: "POST", headers, body });
    if (i >= 3) {
      relayMs.push(a);
      bareMs.push(b);
    }
  }
  return { relay: summary(relayMs), bare: summary(bareMs) };
}

function auth(relay: RelayProcess): Record<string, string> {
  return { Authorization: `Bearer ${relay.token}`, "Content-Type": "application/json" };
}

async function drain(relay: RelayProcess): Promise<void> {
  for (;;) {
    const res = await fetch(`${relay.url}/v1/jobs/next?wait=0&worker=drain`, { headers: auth(relay) });
    if (res.status !== 200) return void (await res.arrayBuffer());
    const { job, lease } = (await res.json()) as any;
    await (
      await fetch(`${relay.url}/v1/jobs/${job.id}/complete`, {
        method: "POST",
        headers: auth(relay),
        body: JSON.stringify({ leaseToken: lease.token }),
      })
    ).arrayBuffer();
  }
}

/**
 * Enqueue → lease latency: `burst` pollers wait, then `burst` jobs are enqueued at once. Each
 * round also fires `burst` concurrent requests at the bare route: the baseline, interleaved so
 * both see the same machine load.
 */
async function handOff(relay: RelayProcess, burst: number, rounds: number): Promise<{ relay: number[]; bare: number[] }> {
  const samples: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const bareRound = await Promise.all(
      Array.from({ length: burst }, async () => {
        const t = performance.now();
        const res = await fetch(`${relay.url}/_bench/bare`, { method: "POST", body: "{}" });
        await res.arrayBuffer();
        return performance.now() - t;
      }),
    );
    if (r >= 2) bare.push(...bareRound);
    const sentAt = new Map<number, number>();
    const polls = Array.from({ length: burst }, (_, i) =>
      fetch(`${relay.url}/v1/jobs/next?wait=30&worker=poller-${i}`, { headers: auth(relay) }).then(async (res) => {
        const got = performance.now();
        if (res.status !== 200) throw new Error(`poll answered ${res.status}`);
        const { job, lease } = (await res.json()) as any;
        // Completed after the measurement: a lease left open would come back to the queue when
        // its claim window passes (10 s unconfirmed) and be counted by the throughput run.
        const ack = await fetch(`${relay.url}/v1/jobs/${job.id}/complete`, { method: "POST", headers: auth(relay), body: JSON.stringify({ leaseToken: lease.token }) });
        await ack.arrayBuffer();
        return { i: job.payload.i as number, got };
      }),
    );
    // Let the polls reach the queue object (a benchmark may wait; tests never do).
    await new Promise((r) => setTimeout(r, 30));
    await Promise.all(
      Array.from({ length: burst }, async (_, i) => {
        sentAt.set(i, performance.now());
        const res = await fetch(`${relay.url}/v1/jobs`, {
          method: "POST",
          headers: auth(relay),
          body: JSON.stringify({ type: "bench.handoff", payload: { i } }),
        });
        await res.arrayBuffer();
      }),
    );
    const results = await Promise.all(polls);
    if (r >= 2) for (const { i, got } of results) samples.push(got - sentAt.get(i)!);
  }
  await drain(relay);
  return { relay: samples, bare };
}

/**
 * Jobs/s with `workers` concurrent workers draining `jobs` pre-enqueued jobs. `combined` uses
 * `complete?next=1` (ack + next lease in one request); otherwise lease and complete separately.
 */
async function throughput(relay: RelayProcess, jobs: number, workers: number, combined: boolean): Promise<number> {
  for (let i = 0; i < jobs; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, jobs - i) }, async (_, k) => {
        const res = await fetch(`${relay.url}/v1/jobs`, {
          method: "POST",
          headers: auth(relay),
          body: JSON.stringify({ type: "bench.throughput", payload: { i: i + k } }),
        });
        await res.arrayBuffer();
      }),
    );
  }
  let done = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const worker = `bench-${w}`;
      let held: any = null;
      for (;;) {
        if (!held) {
          const res = await fetch(`${relay.url}/v1/jobs/next?wait=0&worker=${worker}`, { headers: auth(relay) });
          if (res.status === 204) return;
          held = await res.json();
        }
        const query = combined ? `?next=1&worker=${worker}` : "";
        const ack = await fetch(`${relay.url}/v1/jobs/${held.job.id}/complete${query}`, {
          method: "POST",
          headers: auth(relay),
          body: JSON.stringify({ leaseToken: held.lease.token }),
        });
        if (ack.status !== 200) throw new Error(`complete answered ${ack.status}`);
        const body = (await ack.json()) as any;
        done++;
        held = combined ? body.next : null;
        if (combined && !held) return;
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  if (done !== jobs) throw new Error(`expected ${jobs} jobs, completed ${done}`);
  return jobs / seconds;
}

async function bareRate(relay: RelayProcess, requests: number, clients: number): Promise<number> {
  let left = requests;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left-- > 0) {
        const res = await fetch(`${relay.url}/_bench/bare`, { method: "POST", body: "{}" });
        await res.arrayBuffer();
      }
    }),
  );
  return requests / ((performance.now() - t) / 1000);
}

async function main(): Promise<void> {
  const relay = await startRelay({ vars: { BENCH_ROUTES: "1", DONE_RETENTION_DAYS: "1" } });
  try {
    console.log(`relay under wrangler dev at ${relay.url}${QUICK ? " (quick)" : ""}`);

    const small = await ackLatency(relay, 25 * 1024, QUICK ? 30 : 200);
    console.log(
      `ack 25 KB push : p50 ${fmt(small.relay.p50)} p99 ${fmt(small.relay.p99)} | bare p50 ${fmt(small.bare.p50)} p99 ${fmt(small.bare.p99)} | ratio p50 ${ratio(small.relay.p50, small.bare.p50)} p99 ${ratio(small.relay.p99, small.bare.p99)} (goal p99 ≤ 50 ms)`,
    );
    const large = await ackLatency(relay, 5 * 1024 * 1024, QUICK ? 5 : 30);
    console.log(
      `ack 5 MB push  : p50 ${fmt(large.relay.p50)} p99 ${fmt(large.relay.p99)} | bare p50 ${fmt(large.bare.p50)} p99 ${fmt(large.bare.p99)} | ratio p50 ${ratio(large.relay.p50, large.bare.p50)} p99 ${ratio(large.relay.p99, large.bare.p99)}`,
    );
    await drain(relay);

    const single = await handOff(relay, 1, QUICK ? 30 : 150);
    const one = summary(single.relay);
    const oneBare = summary(single.bare);
    console.log(
      `hand-off 1 at a time : p50 ${fmt(one.p50)} p99 ${fmt(one.p99)} (n=${one.n}) | bare request p50 ${fmt(oneBare.p50)} p99 ${fmt(oneBare.p99)} | ratio p50 ${ratio(one.p50, oneBare.p50)} p99 ${ratio(one.p99, oneBare.p99)} (goal p50 ≤ 5 ms, p99 ≤ 20 ms)`,
    );
    const bursts = await handOff(relay, 20, QUICK ? 5 : 25);
    const many = summary(bursts.relay);
    const manyBare = summary(bursts.bare);
    console.log(
      `hand-off bursts of 20: p50 ${fmt(many.p50)} p99 ${fmt(many.p99)} (n=${many.n}) | 20 concurrent bare requests p50 ${fmt(manyBare.p50)} p99 ${fmt(manyBare.p99)} | ratio p50 ${ratio(many.p50, manyBare.p50)} p99 ${ratio(many.p99, manyBare.p99)} (goal p99 ≤ 50 ms)`,
    );

    const jobs = QUICK ? 400 : 1000;
    const separate = await throughput(relay, jobs, 4, false);
    const combined = await throughput(relay, jobs, 4, true);
    const bare = await bareRate(relay, jobs * 2, 4);
    console.log(
      `throughput, 4 workers: ${combined.toFixed(0)} jobs/s with complete?next=1 (1 request per job), ${separate.toFixed(0)} jobs/s with lease + complete (2 requests) | bare route ${bare.toFixed(0)} req/s | ratio jobs/s to bare req/s ${ratio(combined, bare)} (goal ≥ 500 jobs/s)`,
    );
  } finally {
    await relay.stop();
    rmSync(relay.persistDir, { recursive: true, force: true });
  }
}

await main();
