/**
 * The worker's relay client against the real relay (wrangler dev): every call parses with the
 * shared zod contract, and each failure comes back as its typed error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS, type JobResult } from "../../shared/jobs.ts";
import {
  boundedResult,
  LeaseLostError,
  RelayClient,
  RelayHttpError,
  RelayUnreachableError,
  UnauthorizedError,
} from "../../worker/relay-client.ts";
import { freePort, startRelay, type RelayProcess } from "../helpers/relay-process.ts";

let relay: RelayProcess;
let client: RelayClient;

beforeAll(async () => {
  relay = await startRelay();
  client = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "client-test" });
});
afterAll(async () => {
  await relay?.stop();
});

describe("RelayClient against the real relay", () => {
  it("enqueue → next → heartbeat → release → next → complete, and a late ack is a LeaseLostError", async () => {
    const { jobId } = await client.enqueue({ type: "factory.client-test", payload: { n: 1 } });
    const first = await client.next(5);
    expect(first?.job).toMatchObject({ id: jobId, type: "factory.client-test", state: "leased", payload: { n: 1 } });
    const hb = await client.heartbeat(jobId, first!.lease.token, { step: "echo:a", fraction: 0.5 });
    expect(hb.expiresAt).toBeGreaterThanOrEqual(first!.lease.expiresAt);
    await client.release(jobId, first!.lease.token);
    const second = await client.next(5);
    expect(second?.job.id).toBe(jobId);
    await expect(client.complete(jobId, first!.lease.token)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(client.heartbeat(jobId, first!.lease.token)).rejects.toBeInstanceOf(LeaseLostError);
    await client.complete(jobId, second!.lease.token, { sha: null, steps: [], ran: 0, skipped: 0, produced: [], summary: "ok" });
    expect(await client.get(jobId)).toMatchObject({ state: "done", result: { summary: "ok" } });
    expect(await client.next(0)).toBeNull();
  });

  it("fail (not retryable) → dead; list by state; retry → queued; stats", async () => {
    const { jobId } = await client.enqueue({ type: "factory.client-dead", payload: {} });
    const l = await client.next(5);
    expect(l?.job.id).toBe(jobId);
    const r = await client.fail(jobId, { leaseToken: l!.lease.token, error: "broken input", retryable: false });
    expect(r).toMatchObject({ state: "dead", runAt: null });
    expect((await client.list({ state: "dead" })).jobs.map((j) => j.id)).toContain(jobId);
    await client.retry(jobId);
    expect((await client.get(jobId)).state).toBe("queued");
    const stats = await client.stats();
    expect(stats.counts.queued).toBeGreaterThanOrEqual(1);
    expect(stats.workers.map((w) => w.name)).toContain("client-test");
  });

  it("a wrong token is an UnauthorizedError whose message says where to set it and never holds the token", async () => {
    const bad = new RelayClient({ baseUrl: relay.url, token: "wrong-token-abcdef", workerName: "x" });
    const err = await bad.next(0).catch((e) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.message).toContain("WORKER_TOKEN");
    expect(err.message).not.toContain("wrong-token-abcdef");
  });

  it("a bad request is a RelayHttpError with the relay's own message", async () => {
    const err = await client.enqueue({ type: "Not A Type" } as never).catch((e) => e);
    expect(err).toBeInstanceOf(RelayHttpError);
    expect(err.status).toBe(400);
  });

  it("nothing listening is a RelayUnreachableError naming the URL; an abort is not", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const down = new RelayClient({ baseUrl: url, token: "t", workerName: "x" });
    const err = await down.stats().catch((e) => e);
    expect(err).toBeInstanceOf(RelayUnreachableError);
    expect(err.message).toContain(url);
    const ac = new AbortController();
    const polling = client.next(30, ac.signal).catch((e) => e);
    ac.abort(new Error("shutting down"));
    const aborted = await polling;
    expect(aborted).not.toBeInstanceOf(RelayUnreachableError);
    expect(aborted.message).toBe("shutting down");
  });

  it("complete sends a result cut to the relay's limit: a huge report still completes the job, saying it was trimmed", async () => {
    const { jobId } = await client.enqueue({ type: "factory.client-big", payload: {} });
    const l = await client.next(5);
    expect(l?.job.id).toBe(jobId);
    const steps = Array.from({ length: 2000 }, (_, i) => ({
      key: `render:${i}`,
      kind: "render",
      status: "ran" as const,
      ms: 1,
      produced: [`out/lessons/${i}/lesson-with-a-long-name.mp4`],
      note: "n".repeat(100),
    }));
    await client.complete(jobId, l!.lease.token, { sha: null, steps, ran: 2000, skipped: 0, produced: [], summary: "2000 renders" });
    const job = await client.get(jobId);
    expect(job.state).toBe("done");
    expect(job.result).toMatchObject({ ran: 2000, summary: expect.stringMatching(/^2000 renders \(result trimmed: full report kept on the worker/) });
    expect(Buffer.byteLength(JSON.stringify(job.result))).toBeLessThanOrEqual(LIMITS.resultBytes);
  });

  it("withdraw answers this process's parked poll at once (204), and only its own", async () => {
    const mine = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "client-withdraw" });
    const started = Date.now();
    const parked = mine.next(30);
    const deadline = AbortSignal.timeout(20_000);
    while (!(await client.stats(deadline)).workers.some((w) => w.name === "client-withdraw" && w.lastSeenAt >= started - 1000)) {
      /* the poll has not reached the relay yet */
    }
    const sibling = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "client-withdraw", instance: "sibling-process" });
    expect(await sibling.withdraw()).toBe(0);
    expect(await mine.withdraw()).toBe(1);
    expect(await parked).toBeNull();
  });
});

describe("boundedResult", () => {
  const result = (steps: number): JobResult => ({
    sha: null,
    steps: Array.from({ length: steps }, (_, i) => ({ key: `s${i}`, kind: "k", status: "ran" as const, ms: 1, produced: ["x".repeat(100)] })),
    ran: steps,
    skipped: 0,
    produced: ["a.mp4"],
    summary: "done",
  });

  it("leaves a result within the limit as it is", () => {
    const small = result(3);
    expect(boundedResult(small)).toBe(small);
  });

  it("drops produced lists, then the oldest steps, until it fits, keeping the counts and saying so", () => {
    const cut = boundedResult(result(5000), 20_000);
    expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(20_000);
    expect(cut).toMatchObject({ ran: 5000, produced: [], summary: expect.stringContaining("result trimmed") });
    expect(cut.steps.at(-1)?.key).toBe("s4999");
  });

  it("with a limit of 0 keeps only the counts and the summary", () => {
    expect(boundedResult(result(10), 0)).toMatchObject({ steps: [], ran: 10, produced: [] });
  });
});
