/**
 * What every command shares: the exit codes, loading the configuration (or saying what is wrong
 * with it), and a relay client built from it. Its own module so the commands import it without
 * importing each other (publish ↔ worker was an import cycle).
 */
import { ConfigError, loadConfig, requireRelay, type WorkerConfig } from "../config.ts";
import { createProcessLogger } from "../log.ts";
import type { Logger } from "../pipeline/types.ts";
import { RelayClient } from "../relay-client.ts";

/** Exit codes of the worker commands. */
export const EXIT = { ok: 0, failed: 1, config: 2, unauthorized: 3, interrupted: 130 } as const;

export { createProcessLogger };

/** `approvedBy` of an approve job made by `factory publish approve`: the worker completes it without approving again. */
export const CLI_APPROVAL_MARK = "cli";

/** A relay client from the configuration (throws ConfigError when RELAY_URL/WORKER_TOKEN are missing). */
export function relayClientFor(config: WorkerConfig): RelayClient {
  const relay = requireRelay(config);
  return new RelayClient({ baseUrl: relay.relayUrl, token: relay.workerToken, workerName: config.workerName });
}

/** Loads the configuration or logs what is wrong with it and returns null. */
export function configOrExit(log: Logger = createProcessLogger(null)): WorkerConfig | null {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      return null;
    }
    throw e;
  }
}
