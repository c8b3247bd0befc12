/**
 * Short chaos run: a running worker meets YouTube 503s, YouTube's quotaExceeded, Anthropic 529s
 * (a few seconds, not a minute: short outage, settings.content.maxAttempts 2) and a full
 * WORK_DIR (a small tmpfs, when mounting is allowed). Each must be a retryable failure with a
 * message naming the cause, then success without a double upload.
 */
import { describe, expect, it } from "vitest";
import { workerFaults } from "../../chaos/parts/worker-faults.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { relayAndBench, wrongCounts } from "./helpers.ts";

const parts = relayAndBench({ MAX_ATTEMPTS: "20" });

describe("a worker meeting service outages and a full disk (short chaos run)", () => {
  it("fails retryably with a message naming the cause, then succeeds once the fault clears, uploading once", async () => {
    expect(wrongCounts(await workerFaults(parts.relay, parts.bench, SHORT.workerFaults))).toEqual([]);
  }, 180_000); // real processes on a shared machine: generous, not a speed claim
});
