/**
 * A real worker process for the end-to-end tests: the product's `startWorker` (config from the
 * environment, real relay client, real sync, real ledger) with the test stages instead of the
 * product's, so a step can block until the test says so.
 *
 * E2E_BEHAVIOUR: JSON of EchoBehaviour minus `ran`; E2E_RAN_LOG: file that gets one line per
 * step that ran (across processes); E2E_DROP_FIRST_ACK=1: the first `complete` of each job is
 * lost on the way (as if the network dropped it).
 */
import { appendFileSync } from "node:fs";
import { loadConfig, requireRelay } from "../../worker/config.ts";
import { startWorker } from "../../worker/commands/worker.ts";
import { RelayClient, RelayUnreachableError } from "../../worker/relay-client.ts";
import type { JobResult } from "../../shared/jobs.ts";
import { echoStage, type EchoBehaviour } from "../worker/test-stages.ts";

const behaviour = JSON.parse(process.env.E2E_BEHAVIOUR ?? "{}") as EchoBehaviour;
const ranLog = process.env.E2E_RAN_LOG;
if (ranLog) behaviour.ran = { push: (key: string) => appendFileSync(ranLog, `${key}\n`) };

/** Loses the first ack of every job, like a connection that drops mid-request. */
class LossyAckClient extends RelayClient {
  private readonly dropped = new Set<string>();
  override async complete(jobId: string, leaseToken: string, result?: JobResult, signal?: AbortSignal) {
    if (!this.dropped.has(jobId)) {
      this.dropped.add(jobId);
      this.dropAll.add(leaseToken);
    }
    if (this.dropAll.has(leaseToken)) throw new RelayUnreachableError("complete: connection reset (dropped by the test)", null);
    return super.complete(jobId, leaseToken, result, signal);
  }
  private readonly dropAll = new Set<string>();
}

const config = loadConfig();
const relay = requireRelay(config);
const relayClient =
  process.env.E2E_DROP_FIRST_ACK === "1"
    ? new LossyAckClient({ baseUrl: relay.relayUrl, token: relay.workerToken, workerName: config.workerName })
    : undefined;

process.exitCode = await startWorker(config, {
  stages: [echoStage(behaviour)],
  once: process.argv.includes("--once"),
  ...(relayClient ? { relayClient } : {}),
});
