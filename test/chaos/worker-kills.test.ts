/**
 * Short chaos run against real worker processes: SIGKILL mid-upload and after the upload but
 * before the ledger records it. Counts come from the relay's job state, the worker's ledger file
 * and the loopback YouTube fake's videos.
 */
import { describe, expect, it } from "vitest";
import { workerKills } from "../../chaos/parts/worker-kills.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { relayAndBench, wrongCounts } from "./helpers.ts";

const parts = relayAndBench();

describe("the worker killed mid-job (short chaos run)", () => {
  it("completes the job after SIGKILLs mid-upload and after the upload, repeating no finished step and uploading once", async () => {
    expect(wrongCounts(await workerKills(parts.relay, parts.bench, SHORT.workerKills))).toEqual([]);
  }, 180_000); // real processes on a shared machine: generous, not a speed claim
});
