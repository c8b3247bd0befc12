/**
 * The short chaos run inside `npm test`: the same parts as `npm run chaos` (chaos/parts/*.ts)
 * with the "short" sizes (chaos/profiles.ts). A test passes when every count of its part is
 * right; the failure message lists the wrong counts with examples.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { countOk, type PartResult } from "../../chaos/counts.ts";
import { SHORT } from "../../chaos/profiles.ts";
import { sigkillRelay, startChaosRelay, type RelayProcess } from "../../chaos/relay-kit.ts";
import { workerBench, type WorkerBench } from "../../chaos/worker-kit.ts";

process.env.CHAOS_QUIET = "1";

/** The wrong counts of a part, one line each (empty when the part is right). */
export function wrongCounts(r: PartResult): string[] {
  const out = r.counts
    .filter((c) => !countOk(c))
    .map((c) => `${c.name}: ${c.observed}, must be ${c.bound === "atMost" ? "≤ " : c.bound === "atLeast" ? "≥ " : ""}${c.expected}${c.defect ? ` (${c.defect})` : ""}${c.examples?.length ? `; e.g. ${c.examples.slice(0, 2).join(" | ")}` : ""}`);
  if (r.aborted) out.push(`stopped early: ${r.aborted}`);
  return out;
}

/**
 * A real relay and a worker bench for one test file, started before its tests and stopped (and
 * their folders removed) after them. `vars` are the relay's settings for this part.
 */
export function relayAndBench(vars: Record<string, string> = {}): { readonly relay: RelayProcess; readonly bench: WorkerBench } {
  const held = {} as { relay: RelayProcess; bench: WorkerBench };
  beforeAll(async () => {
    held.relay = await startChaosRelay(vars);
    held.bench = await workerBench(SHORT.atoms);
  });
  afterAll(async () => {
    await held.bench?.stop();
    await held.relay?.stop();
    if (held.relay) sigkillRelay(held.relay); // anything of it still alive
    if (held.bench) rmSync(held.bench.root, { recursive: true, force: true });
    if (held.relay) rmSync(held.relay.persistDir, { recursive: true, force: true });
  });
  return held;
}
