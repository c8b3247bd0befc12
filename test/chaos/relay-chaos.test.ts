/**
 * Short chaos run against the real relay (wrangler dev / local workerd on loopback): forged
 * webhooks, a push storm with duplicates, large pushes, malformed requests to every route, and
 * SIGKILLs mid-stream. Counts come from the relay's answers and its job listing.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { badInputs } from "../../chaos/parts/bad-inputs.ts";
import { forgedWebhooks } from "../../chaos/parts/forged-webhooks.ts";
import { largePushes } from "../../chaos/parts/large-pushes.ts";
import { pushStorm } from "../../chaos/parts/push-storm.ts";
import { relayRestarts } from "../../chaos/parts/relay-restarts.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { sigkillRelay, startChaosRelay, type RelayProcess } from "../../chaos/relay-kit.ts";
import { wrongCounts } from "./helpers.ts";

let relay: RelayProcess;

beforeAll(async () => {
  // The default-length lease, so a lease held across the SIGKILL test is still valid after it.
  relay = await startChaosRelay({ LEASE_SECONDS: "120" });
});
afterAll(async () => {
  await relay?.stop();
  if (relay) sigkillRelay(relay); // anything of it still alive
  if (relay) rmSync(relay.persistDir, { recursive: true, force: true });
});

describe("the relay under attack (short chaos run)", () => {
  it("accepts none of 150 forged or garbled webhooks and answers none with a 5xx", async () => {
    expect(wrongCounts(await forgedWebhooks(relay, SHORT.forged))).toEqual([]);
  });

  it("turns 300 pushes with 10 % duplicate deliveries into exactly one job per repository and phase, losing none", async () => {
    expect(wrongCounts(await pushStorm(relay, SHORT.storm))).toEqual([]);
  });

  it("keeps legal multi-megabyte pushes, alone and coalesced, and refuses one byte over 25 MiB with 413", async () => {
    expect(wrongCounts(await largePushes(relay, SHORT.large))).toEqual([]);
  });

  it("answers malformed requests to every route with a 4xx and a message, and writes nothing", async () => {
    expect(wrongCounts(await badInputs(relay, SHORT.badInputs))).toEqual([]);
  });

  it("loses no acknowledged delivery when the relay is SIGKILLed mid-stream and started again", async () => {
    expect(wrongCounts(await relayRestarts(relay, SHORT.relayRestarts))).toEqual([]);
  });
});
