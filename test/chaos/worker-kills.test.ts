/**
 * Short chaos run against real worker processes: SIGKILL mid-upload and after the upload but
 * before the ledger records it. Counts come from the relay's job state, the worker's ledger file
 * and the loopback YouTube fake's videos.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerKills } from "../../chaos/parts/worker-kills.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { sigkillRelay, startChaosRelay, type RelayProcess } from "../../chaos/relay-kit.ts";
import { workerBench, type WorkerBench } from "../../chaos/worker-kit.ts";
import { wrongCounts } from "./helpers.ts";

let relay: RelayProcess;
let bench: WorkerBench;

beforeAll(async () => {
  relay = await startChaosRelay();
  bench = await workerBench(SHORT.atoms);
});
afterAll(async () => {
  await bench?.stop();
  await relay?.stop();
  if (relay) sigkillRelay(relay); // anything of it still alive
  if (bench) rmSync(bench.root, { recursive: true, force: true });
  if (relay) rmSync(relay.persistDir, { recursive: true, force: true });
});

describe("the worker killed mid-job (short chaos run)", () => {
  it("completes the job after SIGKILLs mid-upload and after the upload, repeating no finished step and uploading once", async () => {
    expect(wrongCounts(await workerKills(relay, bench, SHORT.workerKills))).toEqual([]);
  }, 180_000); // real processes on a shared machine: generous, not a speed claim
});
