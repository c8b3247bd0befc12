/**
 * Short chaos run: a running worker meets YouTube 503s, YouTube's quotaExceeded, Anthropic 529s
 * (a few seconds, not a minute: short outage, settings.content.maxAttempts 2) and a full
 * WORK_DIR (a small tmpfs, when mounting is allowed). Each must be a retryable failure with a
 * message naming the cause, then success without a double upload.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerFaults } from "../../chaos/parts/worker-faults.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { sigkillRelay, startChaosRelay, type RelayProcess } from "../../chaos/relay-kit.ts";
import { workerBench, type WorkerBench } from "../../chaos/worker-kit.ts";
import { wrongCounts } from "./helpers.ts";

let relay: RelayProcess;
let bench: WorkerBench;

beforeAll(async () => {
  relay = await startChaosRelay({ MAX_ATTEMPTS: "20" });
  bench = await workerBench(SHORT.atoms);
});
afterAll(async () => {
  await bench?.stop();
  await relay?.stop();
  if (relay) sigkillRelay(relay); // anything of it still alive
  if (bench) rmSync(bench.root, { recursive: true, force: true });
  if (relay) rmSync(relay.persistDir, { recursive: true, force: true });
});

describe("a worker meeting service outages and a full disk (short chaos run)", () => {
  it("fails retryably with a message naming the cause, then succeeds once the fault clears, uploading once", async () => {
    expect(wrongCounts(await workerFaults(relay, bench, SHORT.workerFaults))).toEqual([]);
  }, 180_000); // real processes on a shared machine: generous, not a speed claim
});
