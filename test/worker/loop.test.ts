import { describe, expect, it } from "vitest";
import type { FailRequest, Job, JobResult, LeaseResponse, Progress } from "../../shared/jobs.ts";
import { createLogger } from "../../worker/log.ts";
import { runLoop, SAFETY_POLL_MS, type JobControl, type LoopClient, type WakeSource } from "../../worker/loop.ts";
import type { PipelineOutcome } from "../../worker/pipeline/runner.ts";
import { LeaseLostError, RelayHttpError, RelayUnreachableError, UnauthorizedError } from "../../worker/relay-client.ts";
import { ManualClock, settle } from "./manual-clock.ts";

const T0 = 1_700_000_000_000;
const LEASE_MS = 30_000;

function lease(id: string, now = T0): LeaseResponse {
  const job: Job = {
    id,
    type: "sync_and_generate_content",
    state: "leased",
    payload: {},
    dedupeKey: null,
    attempts: 1,
    maxAttempts: 5,
    runAt: now,
    createdAt: now,
    updatedAt: now,
    lastError: null,
    leasedBy: "w",
    leaseExpiresAt: now + LEASE_MS,
  };
  return { job, lease: { token: `token-${id}-0123456789`, expiresAt: now + LEASE_MS } };
}

type NextItem = LeaseResponse | null | Error;

/** A scripted relay: hands out the queued answers, then blocks like an idle long poll. */
class ScriptedRelay implements LoopClient {
  readonly calls: string[] = [];
  readonly heartbeats: (Progress | undefined)[] = [];
  readonly completed: { id: string; result?: JobResult }[] = [];
  readonly failed: { id: string; req: FailRequest }[] = [];
  readonly released: string[] = [];
  heartbeatAnswer: () => number | Error;

  constructor(
    private readonly script: NextItem[],
    private readonly clock: ManualClock,
  ) {
    this.heartbeatAnswer = () => this.clock.now() + LEASE_MS;
  }

  async next(_wait: number, signal?: AbortSignal): Promise<LeaseResponse | null> {
    this.calls.push("next");
    const item = this.script.shift();
    if (item === undefined) {
      return new Promise((_, reject) => {
        const fail = () => reject(signal?.reason ?? new Error("aborted"));
        if (signal?.aborted) fail();
        else signal?.addEventListener("abort", fail, { once: true });
      });
    }
    if (item instanceof Error) throw item;
    return item;
  }
  async heartbeat(_id: string, _token: string, progress?: Progress) {
    this.calls.push("heartbeat");
    this.heartbeats.push(progress);
    const a = this.heartbeatAnswer();
    if (a instanceof Error) throw a;
    return { expiresAt: a };
  }
  async complete(id: string, _token: string, result?: JobResult) {
    this.calls.push("complete");
    this.completed.push({ id, result });
  }
  async fail(id: string, req: FailRequest) {
    this.calls.push("fail");
    this.failed.push({ id, req });
    return { state: "queued" as const, runAt: 0, attempts: 1 };
  }
  async release(id: string) {
    this.calls.push("release");
    this.released.push(id);
  }
}

const done = (summary = "ok"): PipelineOutcome => ({ kind: "completed", result: { steps: [], ran: 1, skipped: 0, produced: [], summary } });

/** A job handler the test finishes by hand. */
function controlledHandler() {
  const running: { id: string; control: JobControl; finish: (o: PipelineOutcome) => void }[] = [];
  const handle = (l: LeaseResponse, control: JobControl) =>
    new Promise<PipelineOutcome>((finish) => running.push({ id: l.job.id, control, finish }));
  return { running, handle };
}

function harness(script: NextItem[], opts: { concurrency?: number; once?: boolean; drainMs?: number } = {}) {
  const clock = new ManualClock(T0);
  const relay = new ScriptedRelay(script, clock);
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger({ json: true, write: (l) => lines.push(JSON.parse(l)), now: () => clock.now() });
  const h = controlledHandler();
  const stop = new AbortController();
  const kill = new AbortController();
  const loop = runLoop(
    { client: relay, handle: h.handle, log, clock, random: () => 0.5 },
    { concurrency: opts.concurrency ?? 1, waitSeconds: 45, drainMs: opts.drainMs ?? 20_000, once: opts.once, abortGraceMs: 5_000 },
    { stop: stop.signal, kill: kill.signal },
  );
  return { clock, relay, lines, loop, stop, kill, ...h };
}

describe("runLoop", () => {
  it("runs a leased job, heartbeats every third of the lease with its progress, and completes it", async () => {
    const t = harness([lease("j1")]);
    await settle();
    expect(t.running).toHaveLength(1);
    t.running[0]!.control.progress({ step: "echo:a", fraction: 0.5 });
    await t.clock.advance(LEASE_MS / 3 - 1);
    expect(t.relay.heartbeats).toHaveLength(0);
    await t.clock.advance(1);
    expect(t.relay.heartbeats).toEqual([{ step: "echo:a", fraction: 0.5 }]);
    await t.clock.advance(LEASE_MS / 3);
    expect(t.relay.heartbeats).toHaveLength(2);
    t.running[0]!.finish(done("1 ran"));
    await settle();
    expect(t.relay.completed).toEqual([{ id: "j1", result: expect.objectContaining({ summary: "1 ran" }) }]);
    t.stop.abort();
    await expect(t.loop).resolves.toMatchObject({ jobs: 1, outcomes: [{ jobId: "j1", outcome: "completed" }] });
  });

  it("confirms a lease the relay marks confirmBy with a heartbeat at once, then heartbeats every third of the lease", async () => {
    const unconfirmed = lease("j1");
    unconfirmed.lease = { ...unconfirmed.lease, expiresAt: T0 + 10_000, confirmBy: T0 + 10_000 };
    const t = harness([unconfirmed]);
    await settle();
    expect(t.running).toHaveLength(1);
    expect(t.relay.calls).toEqual(["next", "heartbeat"]);
    await t.clock.advance(LEASE_MS / 3);
    expect(t.relay.heartbeats).toHaveLength(2);
    t.running[0]!.finish(done());
    await settle();
    t.stop.abort();
    await t.loop;
  });

  it("withdraws its parked polls from the relay when stopped", async () => {
    const clock = new ManualClock(T0);
    const relay = Object.assign(new ScriptedRelay([], clock), { withdrawn: 0 });
    const client = Object.assign(relay, { withdraw: async () => ((relay.withdrawn += 1), 1) });
    const stop = new AbortController();
    const loop = runLoop(
      { client, handle: async () => done(), log: createLogger({ write: () => {} }), clock },
      { concurrency: 2, waitSeconds: 45, drainMs: 1000 },
      { stop: stop.signal },
    );
    await settle();
    expect(relay.withdrawn).toBe(0);
    stop.abort(new Error("SIGTERM"));
    await loop;
    expect(relay.withdrawn).toBe(1);
  });

  it("on a 409 heartbeat stops the job at its next step boundary and neither acks nor fails it", async () => {
    const t = harness([lease("j1")]);
    await settle();
    t.relay.heartbeatAnswer = () => new LeaseLostError("heartbeat: lease not held", 409);
    await t.clock.advance(LEASE_MS / 3);
    const { control, finish } = t.running[0]!;
    expect(control.stopAtBoundary.aborted).toBe(true);
    expect(control.signal.aborted).toBe(false);
    finish({ kind: "stopped", reason: "the lease was lost", result: { steps: [], ran: 1, skipped: 0, produced: [] } });
    await settle();
    expect(t.relay.calls.filter((c) => ["complete", "fail", "release"].includes(c))).toEqual([]);
    t.stop.abort();
    await expect(t.loop).resolves.toMatchObject({ outcomes: [{ jobId: "j1", outcome: "lease-lost" }] });
  });

  it("reports a failed job with its retryable flag and retry time", async () => {
    const t = harness([lease("j1")]);
    await settle();
    t.running[0]!.finish({ kind: "failed", error: "quota", retryable: true, retryAt: T0 + 9e6, result: { steps: [], ran: 0, skipped: 0, produced: [] } });
    await settle();
    expect(t.relay.failed).toEqual([{ id: "j1", req: { leaseToken: "token-j1-0123456789", error: "quota", retryable: true, retryAt: T0 + 9e6 } }]);
    t.stop.abort();
    await t.loop;
  });

  it("turns a handler's exception into a retryable failure", async () => {
    const clock = new ManualClock(T0);
    const relay = new ScriptedRelay([lease("j1")], clock);
    const stop = new AbortController();
    const loop = runLoop(
      { client: relay, handle: async () => { throw new Error("disk full"); }, log: createLogger({ write: () => {} }), clock },
      { concurrency: 1, waitSeconds: 1, drainMs: 1, once: true },
      { stop: stop.signal },
    );
    await expect(loop).resolves.toMatchObject({ jobs: 1 });
    expect(relay.failed[0]!.req).toMatchObject({ retryable: true, error: "unexpected error: disk full" });
  });

  it("reconnects with growing, capped backoff and logs one line per outage", async () => {
    const down = () => new RelayUnreachableError("relay http://x unreachable: ECONNREFUSED", null);
    const t = harness([down(), down(), down(), down(), down(), down(), down(), down(), down(), lease("j1")]);
    for (let i = 0; i < 12; i++) await t.clock.advance(60_000);
    expect(t.running.map((r) => r.id)).toEqual(["j1"]);
    const backoffs = t.clock.sleeps.slice(0, 9);
    expect(backoffs).toEqual([375, 750, 1500, 3000, 6000, 12000, 24000, 45000, 45000]);
    const outageLines = t.lines.filter((l) => /relay unreachable|reachable again/.test(l.msg));
    expect(outageLines.map((l) => l.level)).toEqual(["warn", "info"]);
    expect(outageLines[1]!.msg).toMatch(/reachable again after \d+ s \(9 failed tries\)/);
    t.running[0]!.finish(done());
    await settle();
    t.stop.abort();
    await t.loop;
  });

  it("ends with UnauthorizedError on a 401 instead of retrying", async () => {
    const t = harness([new UnauthorizedError("the relay rejected the worker token (401)", 401)]);
    await expect(t.loop).rejects.toBeInstanceOf(UnauthorizedError);
    expect(t.relay.calls).toEqual(["next"]);
  });

  it("on stop takes no new job, lets the running step finish, then releases the lease", async () => {
    const t = harness([lease("j1"), lease("j2")]);
    await settle();
    t.stop.abort(new Error("SIGTERM"));
    await settle();
    const { control, finish } = t.running[0]!;
    expect(control.stopAtBoundary.aborted).toBe(true);
    expect(control.signal.aborted).toBe(false);
    finish({ kind: "stopped", reason: "the worker is shutting down", result: { steps: [], ran: 1, skipped: 0, produced: [] } });
    await expect(t.loop).resolves.toMatchObject({ jobs: 1 });
    expect(t.relay.released).toEqual(["j1"]);
    expect(t.running).toHaveLength(1); // j2 never taken
  });

  it("aborts the running step at the drain deadline and still releases the lease", async () => {
    const t = harness([lease("j1")], { drainMs: 20_000 });
    await settle();
    t.stop.abort();
    const { control, finish } = t.running[0]!;
    await t.clock.advance(19_999);
    expect(control.signal.aborted).toBe(false);
    await t.clock.advance(1);
    expect(control.signal.aborted).toBe(true);
    finish({ kind: "stopped", reason: "interrupted", result: { steps: [], ran: 0, skipped: 0, produced: [] } });
    await t.loop;
    expect(t.relay.released).toEqual(["j1"]);
  });

  it("gives the lease back even when a step ignores its aborted signal", async () => {
    const t = harness([lease("j1")], { drainMs: 1_000 });
    await settle();
    t.stop.abort();
    await t.clock.advance(1_000 + 5_000);
    await expect(t.loop).resolves.toMatchObject({ outcomes: [{ jobId: "j1", outcome: "stopped" }] });
    expect(t.relay.released).toEqual(["j1"]);
  });

  it("kill aborts the running step at once", async () => {
    const t = harness([lease("j1")]);
    await settle();
    t.stop.abort();
    t.kill.abort();
    await settle();
    expect(t.running[0]!.control.signal.aborted).toBe(true);
    t.running[0]!.finish({ kind: "stopped", reason: "killed", result: { steps: [], ran: 0, skipped: 0, produced: [] } });
    await t.loop;
  });

  it("runs as many jobs at once as its concurrency", async () => {
    const t = harness([lease("j1"), lease("j2"), lease("j3")], { concurrency: 2 });
    await settle();
    expect(t.running.map((r) => r.id)).toEqual(["j1", "j2"]);
    t.running[0]!.finish(done());
    await settle();
    expect(t.running.map((r) => r.id)).toEqual(["j1", "j2", "j3"]);
    t.running[1]!.finish(done());
    t.running[2]!.finish(done());
    await settle();
    t.stop.abort();
    await expect(t.loop).resolves.toMatchObject({ jobs: 3 });
    expect(t.relay.completed.map((c) => c.id).sort()).toEqual(["j1", "j2", "j3"]);
  });

  it("with once, returns after one job, or at once when the poll comes back empty", async () => {
    const empty = harness([null], { once: true });
    await expect(empty.loop).resolves.toMatchObject({ jobs: 0 });
    const one = harness([lease("j1"), lease("j2")], { once: true });
    await settle();
    one.running[0]!.finish(done());
    await expect(one.loop).resolves.toMatchObject({ jobs: 1 });
    expect(one.running).toHaveLength(1);
  });
});

describe("runLoop acks", () => {
  it("gives up an ack the relay refuses outright (4xx) instead of retrying it", async () => {
    const clock = new ManualClock(T0);
    const relay = new ScriptedRelay([lease("j1")], clock);
    let calls = 0;
    relay.complete = async () => {
      calls++;
      throw new RelayHttpError("complete: the relay answered 404: no job j1", 404, "not_found");
    };
    const lines: string[] = [];
    const exit = await runLoop(
      { client: relay, handle: async () => done(), log: createLogger({ json: true, write: (l) => lines.push(l) }), clock },
      { concurrency: 1, waitSeconds: 1, drainMs: 1, once: true },
      { stop: new AbortController().signal },
    );
    expect(exit.jobs).toBe(1);
    expect(calls).toBe(1);
    expect(lines.some((l) => l.includes("complete refused by the relay"))).toBe(true);
  });

  it("retries an ack lost on the network until it gets through", async () => {
    const clock = new ManualClock(T0);
    const relay = new ScriptedRelay([lease("j1")], clock);
    let calls = 0;
    const real = relay.complete.bind(relay);
    relay.complete = async (id, token, result) => {
      if (++calls < 3) throw new RelayUnreachableError("complete: ECONNRESET", null);
      return real(id, token, result);
    };
    const loop = runLoop(
      { client: relay, handle: async () => done(), log: createLogger({ write: () => {} }), clock, random: () => 0 },
      { concurrency: 1, waitSeconds: 1, drainMs: 1, once: true },
      { stop: new AbortController().signal },
    );
    await clock.advance(5_000);
    await loop;
    expect(calls).toBe(3);
    expect(relay.completed.map((c) => c.id)).toEqual(["j1"]);
  });
});

/** A wake-up channel the test drives. */
class FakeWake implements WakeSource {
  connected = true;
  seq = 0;
  constructor(private readonly clock: ManualClock) {}
  private waiters = new Set<() => void>();
  wake(): void {
    this.seq++;
    for (const w of [...this.waiters]) w();
  }
  async wait(after: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.seq > after) return;
    const woken = new AbortController();
    const w = () => woken.abort();
    this.waiters.add(w);
    await this.clock.sleep(ms, AbortSignal.any([signal, woken.signal]));
    this.waiters.delete(w);
  }
}

describe("runLoop with a wake-up channel", () => {
  function wakeHarness(script: NextItem[]) {
    const clock = new ManualClock(T0);
    const relay = new ScriptedRelay(script, clock);
    const waits: number[] = [];
    const next = relay.next.bind(relay);
    relay.next = (wait, signal) => (waits.push(wait), next(wait, signal));
    const wake = new FakeWake(clock);
    const stop = new AbortController();
    const h = controlledHandler();
    const loop = runLoop(
      { client: relay, handle: h.handle, log: createLogger({ write: () => {} }), clock, wake },
      { concurrency: 1, waitSeconds: 45, drainMs: 1000 },
      { stop: stop.signal },
    );
    return { clock, relay, waits, wake, stop, loop, ...h };
  }

  it("polls with wait=0 while connected and polls again only when woken", async () => {
    const t = wakeHarness([null, null, lease("j1")]);
    await settle();
    expect(t.waits).toEqual([0]);
    t.wake.wake();
    await settle();
    expect(t.waits).toEqual([0, 0]);
    t.wake.wake();
    await settle();
    expect(t.running.map((r) => r.id)).toEqual(["j1"]);
    t.running[0]!.finish(done());
    await settle();
    t.stop.abort();
    await t.loop;
  });

  it("polls every few minutes anyway, in case a wake-up was missed", async () => {
    const t = wakeHarness([null, lease("j1")]);
    await settle();
    await t.clock.advance(SAFETY_POLL_MS - 1);
    expect(t.waits).toEqual([0]);
    await t.clock.advance(1);
    expect(t.running.map((r) => r.id)).toEqual(["j1"]);
    t.running[0]!.finish(done());
    await settle();
    t.stop.abort();
    await t.loop;
  });

  it("long-polls while the channel is down", async () => {
    const t = wakeHarness([null]);
    await settle();
    expect(t.waits).toEqual([0]);
    t.wake.connected = false;
    t.wake.wake(); // a connection change wakes waiting slots
    await settle();
    expect(t.waits).toEqual([0, 45]);
    t.stop.abort();
    await t.loop;
  });
});
