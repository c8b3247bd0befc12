/**
 * A small real pipeline for the runner, loop and end-to-end tests: one "echo" step per
 * knowledge atom (writes a file under artifacts/) and one "combine" step that reads their
 * outputs. A step can be made to block until a file appears (so a test can SIGKILL a worker
 * mid-step without sleeping) or to fail.
 */
import { existsSync, readFileSync, watch } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PlannedStep, Stage, StepContext, StepOutput } from "../../worker/pipeline/types.ts";
import { StepError } from "../../worker/pipeline/types.ts";

const KB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../kb/atoms");

/** Atoms of the starter knowledge base that have no prerequisites (valid on their own). */
export const SELF_CONTAINED_ATOMS = ["ohms-law", "lockout-tagout", "what-is-a-plc"] as const;

/** Repository files of a valid knowledge base holding the given starter atoms. */
export function kbFiles(ids: readonly string[] = SELF_CONTAINED_ATOMS): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [`kb/atoms/${id}.json`, readFileSync(join(KB_ROOT, `${id}.json`), "utf8")]));
}

/** The same atom with its body changed (a real content edit). */
export function editedAtom(id: string, extra: string): Record<string, string> {
  const atom = JSON.parse(readFileSync(join(KB_ROOT, `${id}.json`), "utf8"));
  atom.body += `\n\n${extra}`;
  return { [`kb/atoms/${id}.json`]: JSON.stringify(atom, null, 2) };
}

/** What the test stage does while running, as it happens (shared with the test). */
export interface EchoBehaviour {
  /** Keys of steps that ran (not skipped), in order. */
  ran?: { push(key: string): unknown };
  /** Before running this step, wait until this file exists (or the signal aborts). */
  blockOn?: { key: string; file: string; started?: string };
  /** Fail this step with a StepError. */
  failKey?: { key: string; retryable: boolean };
  /** Record a value, then fail once (to test recorded values across attempts). */
  recordThenFail?: { key: string; name: string; value: string };
}

/** The echo + combine test stage. */
export function echoStage(b: EchoBehaviour = {}): Stage {
  return {
    name: "echo",
    plan({ kb }): PlannedStep[] {
      const atoms = kb?.atoms ?? [];
      const echoes: PlannedStep[] = atoms.map((atom) => ({
        key: `echo:${atom.id}`,
        kind: "echo",
        version: 1,
        dependsOn: [],
        inputs: () => ({ id: atom.id, title: atom.title, body: atom.body }),
        run: async (ctx) => {
          await behave(b, `echo:${atom.id}`, ctx);
          const rel = `echo/${atom.id}.txt`;
          await mkdir(join(ctx.artifactsDir, "echo"), { recursive: true });
          await writeFile(join(ctx.artifactsDir, rel), `${atom.title}\n${atom.body.length}\n`);
          return { files: { echo: rel }, data: { title: atom.title, chars: atom.body.length }, note: `echoed ${atom.id}` };
        },
      }));
      const combine: PlannedStep = {
        key: "combine",
        kind: "combine",
        version: 1,
        dependsOn: echoes.map((s) => s.key),
        inputs: (deps) => Object.keys(deps).sort().map((k) => deps[k]!.data),
        run: async (ctx) => {
          await behave(b, "combine", ctx);
          const titles = Object.keys(ctx.deps).sort().map((k) => (ctx.deps[k]!.data as { title: string }).title);
          await mkdir(ctx.artifactsDir, { recursive: true });
          await writeFile(join(ctx.artifactsDir, "combined.txt"), titles.join("\n") + "\n");
          return { files: { combined: "combined.txt" }, external: { fakeId: `combined-${titles.length}` } } satisfies StepOutput;
        },
      };
      return [...echoes, combine];
    },
  };
}

async function behave(b: EchoBehaviour, key: string, ctx: StepContext): Promise<void> {
  b.ran?.push(key);
  if (b.blockOn?.key === key) {
    if (b.blockOn.started) await writeFile(b.blockOn.started, String(process.pid));
    await waitForFile(b.blockOn.file, ctx.signal);
  }
  if (b.recordThenFail?.key === key && !ctx.recorded[b.recordThenFail.name]) {
    ctx.record(b.recordThenFail.name, b.recordThenFail.value);
    throw new StepError("failed after recording its side effect", true);
  }
  if (b.failKey?.key === key) throw new StepError(`${key} was told to fail`, b.failKey.retryable);
}

/** Resolves when `file` exists; rejects with the signal's reason when it aborts. */
export function waitForFile(file: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (existsSync(file)) return resolvePromise();
    const watcher = watch(dirname(file), () => {
      if (existsSync(file)) finish();
    });
    const onAbort = () => {
      watcher.close();
      reject(signal.reason ?? new Error("aborted"));
    };
    const finish = () => {
      watcher.close();
      signal.removeEventListener("abort", onAbort);
      resolvePromise();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    if (existsSync(file)) finish(); // created between the first check and the watch
  });
}
