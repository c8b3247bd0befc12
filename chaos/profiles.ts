/**
 * The sizes of each part: "full" for `npm run chaos` (the figures of issue 13, 4–5 minutes
 * on 2 cores) and "short" for the version inside `npm test` (a few hundred requests, a couple of
 * restarts, under a minute). Every part has its own deadline and request cap.
 */
import type { BadInputOptions } from "./parts/bad-inputs.ts";
import type { ForgedOptions } from "./parts/forged-webhooks.ts";
import type { LargePushOptions } from "./parts/large-pushes.ts";
import type { PushStormOptions } from "./parts/push-storm.ts";
import type { RelayRestartOptions } from "./parts/relay-restarts.ts";
import type { WorkerFaultOptions } from "./parts/worker-faults.ts";
import type { WorkerKillOptions } from "./parts/worker-kills.ts";
import type { WorkerRestartOptions } from "./parts/worker-restarts.ts";

export interface Profile {
  forged: ForgedOptions;
  storm: PushStormOptions;
  large: LargePushOptions;
  relayRestarts: RelayRestartOptions;
  badInputs: BadInputOptions;
  /** Atoms in the worker parts' knowledge base (each adds 4 steps per job). */
  atoms: string[];
  workerKills: WorkerKillOptions;
  workerRestarts: WorkerRestartOptions;
  workerFaults: WorkerFaultOptions;
}

const MIB = 1024 * 1024;

export const FULL: Profile = {
  forged: { count: 1200, concurrency: 16, deadlineMs: 120_000 },
  storm: { pushes: 10_000, duplicateShare: 0.1, repositories: 50, phases: 10, maxBurst: 200, deadlineMs: 300_000 },
  // 2.7 MB is the body of 30,000 short paths from the issue; 25 MiB less 1 KiB is the largest legal body.
  large: { single: [2.7e6, 10 * MIB, 25 * MIB - 1024], coalesceCount: 8, coalesceBytes: 3 * MIB, overCap: true, deadlineMs: 180_000 },
  relayRestarts: { sigterms: 2, sigkills: 3, pushesPerRound: 300, concurrency: 8, deadlineMs: 240_000 },
  badInputs: { rounds: 3, deadlineMs: 180_000 },
  atoms: ["ohms-law", "lockout-tagout"],
  workerKills: { points: "all", killsPerRound: 3, cleanRounds: 1, deadlineMs: 420_000 },
  workerRestarts: { cycles: 2, transports: ["longpoll", "websocket"], boundMs: 30_000, allowedMs: 10_000, deadlineMs: 300_000 },
  workerFaults: { deadlineMs: 240_000 },
};

export const SHORT: Profile = {
  forged: { count: 150, concurrency: 16, deadlineMs: 30_000 },
  storm: { pushes: 300, duplicateShare: 0.1, repositories: 10, phases: 2, maxBurst: 50, deadlineMs: 30_000 },
  large: { single: [2.7e6], coalesceCount: 2, coalesceBytes: 1.5 * MIB, overCap: true, deadlineMs: 30_000 },
  relayRestarts: { sigterms: 0, sigkills: 1, pushesPerRound: 60, concurrency: 6, deadlineMs: 40_000 },
  badInputs: { rounds: 1, deadlineMs: 30_000 },
  atoms: ["ohms-law"],
  workerKills: { points: [["publish:ohms-law", "during"], ["publish:ohms-law", "after"]], killsPerRound: 2, cleanRounds: 0, deadlineMs: 50_000 },
  // The bound is far below the relay's 120 s lease: it tells "taken at once" from "waited for the dead process's lease".
  workerRestarts: { cycles: 1, transports: ["longpoll"], boundMs: 30_000, allowedMs: 30_000, deadlineMs: 100_000 },
  workerFaults: { deadlineMs: 50_000 },
};
