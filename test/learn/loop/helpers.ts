/** Shared pieces of the learning-loop tests: a temp KB with the fixture tasks, a config, programs, a scripted judge. */
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkerConfig } from "../../../worker/config.ts";

export const fixturesDir = fileURLToPath(new URL("./fixtures", import.meta.url));

/** A fresh copy of the fixture KB (kb/sim/seal-in-test.{json,st}, kb/sim/other-task.json) and a work dir. */
export async function tempKb(): Promise<{ kbDir: string; workDir: string }> {
  const root = await mkdtemp(join(tmpdir(), "learn-test-"));
  await cp(fixturesDir, join(root, "kb"), { recursive: true });
  return { kbDir: join(root, "kb"), workDir: join(root, "work") };
}

/** A worker configuration for `factory learn` (no relay needed). */
export function testConfig(workDir: string, settings: Record<string, unknown> = {}): WorkerConfig {
  return {
    relayUrl: null,
    workerToken: null,
    workerName: "test",
    workDir,
    concurrency: 1,
    githubToken: null,
    waitSeconds: 0,
    drainMs: 0,
    transport: "longpoll",
    repositories: {},
    settings,
    configFile: null,
    warnings: [],
  };
}

/** The seal-in task's program around a body: its declarations, then `body`. */
const sealIn = (body: string) => `PROGRAM SealIn
VAR_INPUT
  Start : BOOL;
  Stop : BOOL;
END_VAR
VAR_OUTPUT
  Conveyor : BOOL;
END_VAR
${body}
END_PROGRAM
`;

/** Three programs: one that does not compile, one without the seal-in, one that passes. */
export const PROGRAMS = {
  compileError: sealIn("IF Start THEN\n  Conveyor := TRUE\nEND_IF;"),
  noSealIn: sealIn("Conveyor := Start AND Stop;"),
  passing: sealIn("Conveyor := (Start OR Conveyor) AND Stop;"),
};

/** A compile error in the engine's format, and a trace excerpt in the judge's, for the prompt tests. */
export const COMPILE_ERROR = "round-1.st:11:1: error: expected ';' but found 'END_IF'";
export const EXCERPT = "   t (ms) | Start | Conveyor | Stop\n>>    700 |     0 |        0 |    1";
