/**
 * Runs the program a lesson shows against its simulation task's built-in plant, with the
 * learning agent's own runner (worker/learn/run-task.ts), so the lesson's timing chart is the
 * record of a real run, never a drawing. Built-in plants are deterministic (no clock, no
 * randomness): the same program and task give the same trace. A 40 s task runs in milliseconds.
 */
import type { SimTask } from "../../shared/sim.ts";
import type { Trace, Verdict } from "../learn/judge/index.ts";
import { builtinScene, createBuiltinPlant } from "../learn/plants/index.ts";
import { runTask } from "../learn/run-task.ts";
import { StCompileError, compileProgram } from "../learn/st/index.ts";
import type { LinkedSimTask } from "../pipeline/types.ts";

/** A passing run of the lesson's program: what the lesson's sections are built from. */
export interface LessonRun {
  task: SimTask;
  /** The scene's title ("From A to B"). */
  sceneTitle: string;
  programFile: string;
  program: string;
  trace: Trace;
  verdict: Verdict;
}

/** The program does not pass its task (or does not compile): the lesson must not claim it does. */
export class LessonRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LessonRunError";
  }
}

/**
 * Compiles `linked.program`, runs it against a fresh built-in plant of the task's scene and
 * judges the run.
 * @throws LessonRunError when it does not compile, does not fit the task's tags, fails at run
 *   time or fails a criterion; the message names the file and what to do
 */
export async function runLessonProgram(linked: LinkedSimTask, signal?: AbortSignal): Promise<LessonRun> {
  const { task, programFile, program } = linked;
  const fix = `fix ${programFile} (\`factory sim run ${programFile} --task ${task.id}\` runs it) or remove the atom's simTask`;
  const scene = builtinScene(task.scene);
  if (!scene) throw new LessonRunError(`task ${task.id} uses scene "${task.scene}", which has no built-in plant to run the lesson's program on`);
  let compiled;
  try {
    compiled = compileProgram(program, programFile);
  } catch (e) {
    if (e instanceof StCompileError) throw new LessonRunError(`${e.message}\n${fix}`);
    throw e;
  }
  const r = await runTask({ program: compiled, task, plant: createBuiltinPlant(task.scene), ...(signal ? { signal } : {}) });
  switch (r.status) {
    case "passed":
      return { task, sceneTitle: scene.title, programFile, program, trace: r.trace, verdict: r.verdict };
    case "interface-error":
      throw new LessonRunError(`${r.message}\n${fix}`);
    case "runtime-error":
      throw new LessonRunError(`${programFile}:${r.line}:${r.col}: runtime error at ${r.atMs} ms: ${r.message}\n${fix}`);
    case "failed": {
      const failed = r.verdict.criteria.filter((c) => !c.pass).map((c) => c.id);
      throw new LessonRunError(`${programFile} does not pass task ${task.id} on the built-in plant (failed: ${failed.join(", ")}), so the lesson cannot show it as tested: ${fix}`);
    }
  }
}
