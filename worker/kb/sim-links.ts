/**
 * Loads the simulation tasks atoms link to (`simTask`), before planning, so the content stage's
 * plan() stays pure: each linked task's JSON text and the program its lesson shows (the learning
 * agent's kb/sim/<id>.solution.st when there is one, else the reference kb/sim/<id>.st), with
 * their sha256, which go into the script step's inputs. Only linked tasks are read.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { PLCAtom } from "../../shared/models.ts";
import type { SimTask } from "../../shared/sim.ts";
import { readTextIfExists } from "../durable-json.ts";
import type { LinkedSimTask } from "../pipeline/types.ts";
import { SIM_DIR } from "./validate-sim.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The program a lesson shows for task `id`: its file (relative to the repository) and text. */
async function lessonProgram(repoDir: string, id: string): Promise<{ file: string; text: string } | null> {
  for (const file of [`${SIM_DIR}/${id}.solution.st`, `${SIM_DIR}/${id}.st`]) {
    const text = await readTextIfExists(join(repoDir, file));
    if (text !== null) return { file, text };
  }
  return null;
}

/**
 * Reads every task some atom links to.
 * @param tasks the valid tasks of kb/sim/ (worker/kb/validate-sim.ts); links were checked against them
 * @returns the linked tasks by id; undefined when no atom links one (so a KB without links is
 *   what it was before links existed)
 */
export async function loadLinkedSimTasks(
  repoDir: string,
  atoms: readonly Pick<PLCAtom, "simTask">[],
  tasks: readonly SimTask[],
): Promise<Record<string, LinkedSimTask> | undefined> {
  const ids = [...new Set(atoms.flatMap((a) => (a.simTask ? [a.simTask] : [])))].sort();
  if (ids.length === 0) return undefined;
  const out: Record<string, LinkedSimTask> = {};
  for (const id of ids) {
    const task = tasks.find((t) => t.id === id);
    const taskText = await readTextIfExists(join(repoDir, SIM_DIR, `${id}.json`));
    const program = await lessonProgram(repoDir, id);
    // validate-sim.ts already reported a missing or invalid task or reference solution.
    if (!task || taskText === null || !program) continue;
    out[id] = { task, taskSha256: sha256(taskText), programFile: program.file, program: program.text, programSha256: sha256(program.text) };
  }
  return out;
}
