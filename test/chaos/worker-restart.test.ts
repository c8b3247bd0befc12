/**
 * Short chaos run: an idle worker stopped (SIGTERM) or killed (SIGKILL) and started again under
 * the same name must take the next push at once, not after the relay's 120 s lease of the dead
 * process runs out (issue 13, defect 1). The bound (30 s) is a quarter of that lease, so it
 * separates "taken at once" from "waited for the lease" without measuring speed.
 */
import { describe, expect, it } from "vitest";
import { workerRestarts } from "../../chaos/parts/worker-restarts.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { relayAndBench, wrongCounts } from "./helpers.ts";

const parts = relayAndBench({ LEASE_SECONDS: "120" });

describe("a worker restarted under the same name (short chaos run)", () => {
  it("takes the next push after a SIGTERM or a SIGKILL without waiting for the dead process's lease", async () => {
    expect(wrongCounts(await workerRestarts(parts.relay, parts.bench, SHORT.workerRestarts))).toEqual([]);
  }, 180_000); // real processes on a shared machine: generous, not a speed claim
});
