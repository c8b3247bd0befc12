/**
 * Checks of the simulation tasks in kb/sim/, pure like worker/kb/validate.ts (file texts in,
 * tasks or problems out), plus the thin shell that reads the directory.
 *
 * kb/sim/ holds `<id>.json` + `<id>.st` pairs (the task and its hand-written reference
 * solution), optionally `<id>.solution.st` (a program the learning agent found) and an
 * index.json. Per task: valid JSON, the SimTask schema (identifiers, tags named by criteria and
 * scenario), id = file name, a known scene, tags the scene has with the scene's direction and
 * type, scenario parts the scene knows, and its .st beside it.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SimTask } from "../../shared/sim.ts";
import { BUILTIN_SCENES } from "../learn/plants/index.ts";
import type { SceneInfo } from "../learn/plants/types.ts";
import { findJsonSyntaxError } from "./json-error.ts";
import { type KbFile, type KbProblem, checkSchema, readJson } from "./validate.ts";

export const SIM_DIR = "kb/sim";
/** A task file is a few kilobytes; a reference solution a few hundred lines. */
const MAX_SIM_FILE_BYTES = 128 * 1024;
/** Deeper JSON than this is refused before the schema sees it (conditions nest a few levels). */
const MAX_JSON_DEPTH = 40;

export interface SimValidation {
  /** The valid tasks, by id order. Tasks with problems are left out. */
  tasks: SimTask[];
  problems: KbProblem[];
}

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const x of Object.values(v as object)) stack.push([x, d + 1]);
  }
  return max;
}

const base = (file: string): string => file.split("/").pop() ?? file;
const list = (names: string[]): string => names.map((n) => `"${n}"`).join(", ");

/** Parses one task file: JSON, its depth, then the schema. Returns the task or null with problems added. */
function parseSimTask(f: KbFile, problems: KbProblem[]): SimTask | null {
  const json = readJson(f, problems);
  if (!json) return null;
  if (depthOf(json.value) > MAX_JSON_DEPTH) {
    problems.push({ file: f.file, path: "$", message: `nested more than ${MAX_JSON_DEPTH} levels deep: conditions need only a few` });
    return null;
  }
  return checkSchema(f.file, json.value, SimTask, problems);
}

/** The checks that need the scene: tag names, directions and types, part types. */
export function checkTaskAgainstScene(task: SimTask, file: string, scenes: readonly SceneInfo[], problems: KbProblem[]): void {
  const scene = scenes.find((s) => s.id === task.scene);
  if (!scene) {
    problems.push({ file, path: "$.scene", message: `unknown scene "${task.scene}"; scenes: ${scenes.map((s) => s.id).join(", ")}` });
    return;
  }
  task.tags.forEach((tag, i) => {
    const real = scene.tags.find((t) => t.name === tag.name);
    if (!real) {
      const near = scene.tags.find((t) => t.name.toLowerCase() === tag.name.toLowerCase());
      problems.push({
        file,
        path: `$.tags[${i}].name`,
        message: `scene ${scene.id} has no tag "${tag.name}"${near ? ` (did you mean "${near.name}"? names are exact)` : ""}; its tags: ${list(scene.tags.map((t) => t.name))}`,
      });
      return;
    }
    if (real.direction !== tag.direction) {
      problems.push({ file, path: `$.tags[${i}].direction`, message: `"${tag.name}" is an ${real.direction} of scene ${scene.id}, not an ${tag.direction}` });
    }
    if (real.type !== tag.type) {
      problems.push({ file, path: `$.tags[${i}].type`, message: `"${tag.name}" is ${real.type} in scene ${scene.id}, not ${tag.type}` });
    }
  });
  task.scenario.forEach((ev, i) => {
    if (ev.kind === "part" && !scene.partTypes.includes(ev.part)) {
      problems.push({
        file,
        path: `$.scenario[${i}].part`,
        message: scene.partTypes.length ? `scene ${scene.id} has no part type "${ev.part}"; part types: ${list(scene.partTypes)}` : `scene ${scene.id} has no parts`,
      });
    }
  });
}

/**
 * Validates every file of kb/sim/.
 * @param files every file under kb/sim/ (paths relative to the repository); .st texts are not read here
 * @param scenes the scenes tasks may use (the built-in ones by default)
 */
export function validateSimFiles(files: KbFile[], scenes: readonly SceneInfo[] = BUILTIN_SCENES): SimValidation {
  const problems: KbProblem[] = [];
  const names = new Set(files.map((f) => base(f.file)));
  const taskIds = new Set([...names].filter((n) => n.endsWith(".json") && n !== "index.json").map((n) => n.slice(0, -5)));
  const tasks: SimTask[] = [];
  for (const f of [...files].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    const name = base(f.file);
    if (name === "index.json") continue;
    if (name.endsWith(".json")) {
      const id = name.slice(0, -5);
      const task = parseSimTask(f, problems);
      if (!names.has(`${id}.st`)) {
        problems.push({ file: f.file, path: "$", message: `no reference solution: add ${SIM_DIR}/${id}.st, a program that passes this task` });
      }
      if (!task) continue;
      if (task.id !== id) {
        problems.push({ file: f.file, path: "$.id", message: `id "${task.id}" does not match the file name: rename the file to ${task.id}.json or set "id": "${id}"` });
        continue;
      }
      const before = problems.length;
      checkTaskAgainstScene(task, f.file, scenes, problems);
      if (problems.length === before) tasks.push(task);
      continue;
    }
    const m = /^(.+?)(\.solution)?\.st$/.exec(name);
    if (m && taskIds.has(m[1]!)) continue;
    problems.push({
      file: f.file,
      path: "$",
      message: m
        ? `no task ${SIM_DIR}/${m[1]}.json for this program`
        : `${SIM_DIR}/ holds only <id>.json tasks, their <id>.st reference solutions, <id>.solution.st and index.json`,
    });
  }
  const index = files.find((f) => base(f.file) === "index.json");
  if (index) checkIndex(index, taskIds, problems);
  tasks.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { tasks, problems };
}

/** index.json is optional: an array of { id, ... } naming existing tasks. */
function checkIndex(f: KbFile, taskIds: Set<string>, problems: KbProblem[]): void {
  let raw: unknown;
  try {
    raw = JSON.parse(f.text);
  } catch {
    const at = findJsonSyntaxError(f.text);
    problems.push({ file: f.file, path: "$", message: at ? `invalid JSON at line ${at.line}, column ${at.column}: ${at.message}` : "invalid JSON" });
    return;
  }
  if (!Array.isArray(raw)) {
    problems.push({ file: f.file, path: "$", message: "index.json must be an array of { \"id\": ..., ... } entries" });
    return;
  }
  raw.forEach((e, i) => {
    const id = e && typeof e === "object" ? (e as { id?: unknown }).id : undefined;
    if (typeof id !== "string" || !taskIds.has(id)) {
      problems.push({ file: f.file, path: `$[${i}].id`, message: `unknown task ${JSON.stringify(id)}; tasks: ${[...taskIds].sort().join(", ")}` });
    }
  });
}

/**
 * Reads kb/sim/ of a checkout (absent: no files). Symbolic links, sub-directories and oversized
 * files are problems, not read.
 */
async function readSimFiles(repoDir: string, problems: KbProblem[]): Promise<KbFile[]> {
  let names: string[];
  try {
    names = await readdir(join(repoDir, SIM_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const files: KbFile[] = [];
  for (const name of names.sort()) {
    const file = `${SIM_DIR}/${name}`;
    const st = await lstat(join(repoDir, SIM_DIR, name));
    if (st.isSymbolicLink()) {
      problems.push({ file, path: "$", message: "symbolic links are not allowed in the knowledge base: commit the file itself" });
    } else if (st.isDirectory()) {
      problems.push({ file, path: "$", message: `${SIM_DIR}/ has no sub-directories: put tasks and programs directly in it` });
    } else if (st.size > MAX_SIM_FILE_BYTES) {
      problems.push({ file, path: "$", message: `file is ${st.size} bytes; the limit is ${MAX_SIM_FILE_BYTES}` });
    } else if (st.isFile()) {
      files.push({ file, text: name.endsWith(".json") ? await readFile(join(repoDir, SIM_DIR, name), "utf8") : "" });
    }
  }
  return files;
}

/** Reads and validates kb/sim/ of a checkout. */
export async function loadSimTasks(repoDir: string, scenes: readonly SceneInfo[] = BUILTIN_SCENES): Promise<SimValidation> {
  const problems: KbProblem[] = [];
  const files = await readSimFiles(repoDir, problems);
  const result = validateSimFiles(files, scenes);
  return { tasks: result.tasks, problems: [...problems, ...result.problems] };
}

/**
 * Checks each atom's `simTask` names a valid task of kb/sim/; a problem names the atom's file and
 * lists the tasks there are.
 * @param atoms the atoms that validated (their file is kb/atoms/<id>.json)
 * @param tasks the valid tasks of kb/sim/ ({@link validateSimFiles})
 */
export function checkSimTaskLinks(atoms: ReadonlyArray<{ id: string; simTask?: string | undefined }>, tasks: readonly SimTask[], problems: KbProblem[]): void {
  const ids = new Set(tasks.map((t) => t.id));
  for (const atom of atoms) {
    if (atom.simTask === undefined || ids.has(atom.simTask)) continue;
    problems.push({
      file: `kb/atoms/${atom.id}.json`,
      path: "$.simTask",
      message: `unknown simulation task "${atom.simTask}": there is no valid ${SIM_DIR}/${atom.simTask}.json; tasks: ${[...ids].sort().join(", ") || `none (${SIM_DIR}/ holds no tasks)`}`,
    });
  }
}
