/**
 * The WebSocket wake-up channel against the real relay: it wakes on enqueue, notices the relay
 * going away, comes back by itself, and a worker process idles on it and still takes pushes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../worker/log.ts";
import { RelayClient } from "../../worker/relay-client.ts";
import { WakeChannel } from "../../worker/wake.ts";
import { createTestRepo } from "../helpers/git.ts";
import { startRelay, type RelayProcess } from "../helpers/relay-process.ts";
import { kbFiles } from "../worker/test-stages.ts";
import { pushPayload, startTestWorker } from "./harness.ts";

let relay: RelayProcess;
let client: RelayClient;

beforeAll(async () => {
  relay = await startRelay();
  client = new RelayClient({ baseUrl: relay.url, token: relay.token, workerName: "wake-test" });
});
afterAll(async () => {
  await relay?.stop();
});

/** Waits (on the channel's own events, never on a timer) until `pred` holds. */
async function until(wake: WakeChannel, pred: () => boolean): Promise<void> {
  const deadline = AbortSignal.timeout(60_000);
  while (!pred()) {
    if (deadline.aborted) throw new Error("gave up waiting for the wake-up channel");
    await wake.wait(wake.seq, 60_000, deadline);
  }
}

describe("wake-up channel", () => {
  it("opens, wakes on enqueue, notices the relay going away and reconnects by itself", async () => {
    const lines: string[] = [];
    const wake = new WakeChannel({
      baseUrl: relay.url,
      token: relay.token,
      workerName: "wake-test",
      log: createLogger({ json: true, write: (l) => lines.push(l) }),
    });
    const stop = new AbortController();
    const running = wake.run(stop.signal);
    await until(wake, () => wake.connected);

    const before = wake.seq;
    const { jobId } = await client.enqueue({ type: "factory.wake-test", payload: {} });
    await until(wake, () => wake.seq > before);
    expect(wake.connected).toBe(true);
    const lease = await client.next(0);
    expect(lease?.job.id).toBe(jobId);
    await client.complete(jobId, lease!.lease.token);

    await relay.stop();
    await until(wake, () => !wake.connected);
    await relay.restart();
    await until(wake, () => wake.connected);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      "wake-up channel open: the worker idles without holding a poll open",
      "wake-up channel closed; long-polling until it reconnects",
      "wake-up channel open again",
    ]);
    stop.abort();
    await running;
    expect(wake.connected).toBe(false);
  });

  it("a worker idling on the channel takes a push at once", async () => {
    const repo = createTestRepo();
    const w = startTestWorker({ relayUrl: relay.url, token: relay.token, workDir: mkdtempSync(join(tmpdir(), "factory-wake-")) });
    try {
      await w.waitFor((l) => l.msg.startsWith("wake-up channel open"), "the channel to open");
      const before = repo.head();
      const sha = repo.commitAndPush(kbFiles());
      const res = await relay.sendWebhook("push", pushPayload(repo, "e2e/wake", before, sha));
      const { jobId } = (await res.json()) as { jobId: string };
      await w.waitFor((l) => l.jobId === jobId && l.msg.startsWith("completed"), "the job to complete");
      expect((await client.get(jobId)).result).toMatchObject({ sha, ran: 4 });
    } finally {
      w.kill("SIGTERM");
      expect((await w.exited).code).toBe(0);
    }
  });
});
