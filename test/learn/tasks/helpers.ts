/** Loading kb/sim tasks and their reference programs for the task tests, and running them. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SimTask } from "../../../shared/sim.ts";
import { createBuiltinPlant } from "../../../worker/learn/plants/index.ts";
import { runTask, type RunTaskResult } from "../../../worker/learn/run-task.ts";
import { compileProgram } from "../../../worker/learn/st/index.ts";

export const SIM_DIR = join(import.meta.dirname, "../../../kb/sim");

export function loadTask(id: string): SimTask {
  return SimTask.parse(JSON.parse(readFileSync(join(SIM_DIR, `${id}.json`), "utf8")));
}

export function reference(id: string): string {
  return readFileSync(join(SIM_DIR, `${id}.st`), "utf8");
}

/** The reference program with some text replaced; every `from` must occur, so a stale test fails loudly. */
export function variant(id: string, replacements: Array<[string, string]>): string {
  let src = reference(id);
  for (const [from, to] of replacements) {
    if (!src.includes(from)) throw new Error(`${id}.st has no "${from}"`);
    src = src.split(from).join(to);
  }
  return src;
}

export async function runSource(id: string, source: string, file = `${id}.st`): Promise<RunTaskResult> {
  const task = loadTask(id);
  return runTask({ program: compileProgram(source, file), task, plant: createBuiltinPlant(task.scene) });
}

/** The id of the first violated criterion, or "passed" / the status when the run did not get judged. */
export async function outcome(id: string, source: string): Promise<string> {
  const r = await runSource(id, source);
  if (r.status === "failed") return r.verdict.firstFailure!.id;
  return r.status;
}

/** A valid task as plain JSON, with overrides. */
export function taskJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "t",
    scene: "from-a-to-b",
    title: "A task",
    behaviour: "Start runs the conveyor, with a seal-in.",
    level: "easy",
    tags: [
      { name: "Start", direction: "input", type: "BOOL", identifier: "Start" },
      { name: "Conveyor", direction: "output", type: "BOOL", identifier: "Conveyor" },
    ],
    scenario: [{ kind: "press", at: 100, tag: "Start", holdMs: 100 }],
    durationMs: 1000,
    criteria: [{ kind: "response", id: "starts", text: "Start starts it.", trigger: { tag: "Start" }, response: { tag: "Conveyor" }, withinMs: 100 }],
    ...over,
  };
}
