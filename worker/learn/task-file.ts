/**
 * Reads one simulation task for the learning agent: kb/sim/<id>.json (validated with the
 * shared/sim.ts schema) and its reference solution kb/sim/<id>.st when there is one. Every
 * problem is a TaskFileError whose message names the file and says what to do.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Slug } from "../../shared/models.ts";
import { SimTask } from "../../shared/sim.ts";
import { jsonErrorWhere } from "../kb/json-error.ts";

/** A task file that cannot be used (missing, not JSON, not a valid task). */
export class TaskFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskFileError";
  }
}

/** A task and its reference solution. */
export interface LoadedTask {
  task: SimTask;
  /** The reference solution's source, or null when kb/sim/<id>.st does not exist. */
  reference: string | null;
  /** Paths as given (kbDir joined), for messages. */
  taskFile: string;
  referenceFile: string;
}

/** The task ids under a kb/sim folder (files `<id>.json`), sorted. */
export async function listTaskIds(simDir: string): Promise<string[]> {
  const names = await readdir(simDir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".json") && n !== "index.json").map((n) => n.slice(0, -5)).sort();
}

/**
 * Loads task `id` from `<kbDir>/sim/`.
 * @throws TaskFileError with a message that says what is wrong and where
 */
export async function loadSimTask(kbDir: string, id: string): Promise<LoadedTask> {
  const simDir = join(kbDir, "sim");
  if (!Slug.safeParse(id).success) {
    throw new TaskFileError(`"${id}" is not a task id: ids are lower-case letters and digits joined by hyphens (the file name kb/sim/<id>.json without .json).`);
  }
  const taskFile = join(simDir, `${id}.json`);
  const referenceFile = join(simDir, `${id}.st`);
  let text: string;
  try {
    text = await readFile(taskFile, "utf8");
  } catch {
    const known = await listTaskIds(simDir);
    throw new TaskFileError(
      `no task "${id}": ${taskFile} does not exist. ${known.length ? `Tasks in ${simDir}: ${known.join(", ")}.` : `${simDir} holds no tasks; give the knowledge-base folder with --kb <dir>.`}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TaskFileError(`${taskFile} is not valid JSON: ${jsonErrorWhere(text)}`);
  }
  const parsed = SimTask.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 8).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new TaskFileError(`${taskFile} is not a valid simulation task:\n  ${issues.join("\n  ")}\nFix it (docs/learning.md describes every field); \`factory kb validate\` checks it.`);
  }
  if (parsed.data.id !== id) throw new TaskFileError(`${taskFile} says its id is "${parsed.data.id}": the id must be the file name, "${id}".`);
  const reference = await readFile(referenceFile, "utf8").catch(() => null);
  return { task: parsed.data, reference, taskFile, referenceFile };
}
