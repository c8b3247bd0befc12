/**
 * The knowledge-base checks, pure: file texts in, a {@link KnowledgeBase} or a list of
 * problems out. `factory kb validate`, the worker's kb-check step and the test suite all run
 * these same checks (worker/kb/load.ts is the thin shell that reads the files).
 *
 * Checks, in order: invalid JSON (with line and column), schema errors (unknown fields too,
 * so a typo like "prerequisite" is not silently dropped), id ≠ file name, duplicate ids,
 * unknown prerequisites, prerequisite cycles, course references to missing atoms, atoms listed
 * twice in a course, and atoms placed before one of their prerequisites in a course.
 */
import type { z } from "zod";
import { Course, PLCAtom } from "../../shared/models.ts";
import type { KnowledgeBase } from "../pipeline/types.ts";
import { findJsonSyntaxError } from "./json-error.ts";

/** One problem: the file (relative to the repository), a JSON path (`$.prerequisites[1]`) and what is wrong. */
export interface KbProblem {
  file: string;
  path: string;
  message: string;
}

/** A file as read from disk: its path relative to the repository and its text. */
export interface KbFile {
  file: string;
  text: string;
}

/** The outcome of validation: `kb` is null whenever there is any problem. */
export interface KbValidation {
  kb: KnowledgeBase | null;
  problems: KbProblem[];
}

// Unknown keys are errors in files people write by hand; the shared models stay lenient for readers.
const StrictAtom = PLCAtom.strict();
const StrictCourse = Course.strict();

/** `["modules", 0, "atoms", 2]` → `$.modules[0].atoms[2]`. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "$";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][\w$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** The id a file must carry: its base name without `.json`. */
export function idFromFileName(file: string): string {
  const base = file.split("/").pop() ?? file;
  return base.endsWith(".json") ? base.slice(0, -".json".length) : base;
}

/** Parses a file's JSON (a leading BOM is skipped); null, with a problem that says where, when it is not JSON. */
export function readJson(f: KbFile, problems: KbProblem[]): { value: unknown } | null {
  const text = f.text.charCodeAt(0) === 0xfeff ? f.text.slice(1) : f.text;
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const at = findJsonSyntaxError(text);
    problems.push({
      file: f.file,
      path: "$",
      message: at
        ? `invalid JSON at line ${at.line}, column ${at.column}: ${at.message}`
        : `invalid JSON: ${(e as Error).message}`,
    });
    return null;
  }
}

/** Checks parsed JSON against a schema: the value, or null with one problem per issue (unknown keys named). */
export function checkSchema<T>(file: string, raw: unknown, schema: z.ZodType<T>, problems: KbProblem[]): T | null {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const keys = issue.code === "unrecognized_keys" ? `: ${issue.keys.join(", ")} (check the spelling)` : "";
    problems.push({ file, path: jsonPath(issue.path), message: issue.message + keys });
  }
  return null;
}

function parseFile<T>(f: KbFile, schema: z.ZodType<T>, problems: KbProblem[]): T | null {
  const json = readJson(f, problems);
  return json && checkSchema(f.file, json.value, schema, problems);
}

function checkIdMatchesFile(f: KbFile, id: string, problems: KbProblem[]): void {
  const expected = idFromFileName(f.file);
  if (expected !== id) {
    problems.push({
      file: f.file,
      path: "$.id",
      message: `id "${id}" does not match the file name: rename the file to ${id}.json or set "id": "${expected}"`,
    });
  }
}

/** Registers ids; the second and later files with the same id get a problem naming the first. */
function checkDuplicates<T extends { id: string }>(
  items: Array<{ file: string; value: T }>,
  what: string,
  problems: KbProblem[],
): Map<string, T> {
  const byId = new Map<string, T>();
  const firstFile = new Map<string, string>();
  for (const { file, value } of items) {
    const first = firstFile.get(value.id);
    if (first !== undefined) {
      problems.push({ file, path: "$.id", message: `duplicate ${what} id "${value.id}" (also in ${first})` });
      continue;
    }
    firstFile.set(value.id, file);
    byId.set(value.id, value);
  }
  return byId;
}

/** Finds every prerequisite cycle once, reported on the atom where the walk closed it. */
function checkCycles(atoms: Map<string, PLCAtom>, fileOf: Map<string, string>, problems: KbProblem[]): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string) => {
    state.set(id, "visiting");
    stack.push(id);
    const atom = atoms.get(id)!;
    atom.prerequisites.forEach((pre, index) => {
      if (!atoms.has(pre)) return; // reported as unknown
      const s = state.get(pre);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(pre)), pre];
        problems.push({
          file: fileOf.get(id)!,
          path: `$.prerequisites[${index}]`,
          message: `prerequisite cycle: ${cycle.join(" → ")}; remove one of these prerequisites`,
        });
      } else if (s === undefined) visit(pre);
    });
    stack.pop();
    state.set(id, "done");
  };
  for (const id of [...atoms.keys()].sort()) if (!state.has(id)) visit(id);
}

function checkCourse(
  course: Course,
  file: string,
  atoms: Map<string, PLCAtom>,
  unreadable: ReadonlySet<string>,
  problems: KbProblem[],
): void {
  const position = new Map<string, number>();
  let n = 0;
  course.modules.forEach((m, mi) =>
    m.atoms.forEach((id, ai) => {
      const path = `$.modules[${mi}].atoms[${ai}]`;
      if (unreadable.has(id)) return; // its file is broken: reported there
      if (!atoms.has(id)) {
        problems.push({ file, path, message: `unknown atom "${id}": there is no kb/atoms/${id}.json` });
      } else if (position.has(id)) {
        problems.push({ file, path, message: `atom "${id}" is listed twice in this course` });
      } else position.set(id, n++);
    }),
  );
  course.modules.forEach((m, mi) =>
    m.atoms.forEach((id, ai) => {
      const atom = atoms.get(id);
      const here = position.get(id);
      if (!atom || here === undefined) return;
      for (const pre of atom.prerequisites) {
        const at = position.get(pre);
        if (at !== undefined && at > here) {
          problems.push({
            file,
            path: `$.modules[${mi}].atoms[${ai}]`,
            message: `"${id}" comes before its prerequisite "${pre}": move "${pre}" earlier in the course`,
          });
        }
      }
    }),
  );
}

/**
 * Validates a knowledge base given as file texts.
 * @param atomFiles kb/atoms/*.json, paths relative to the repository
 * @param courseFiles kb/courses/*.json
 * @returns the parsed knowledge base (atoms and courses sorted by id) when there is no problem;
 *   otherwise `kb: null` and every problem found (the checks go on past the first one).
 */
export function validateKnowledgeBase(atomFiles: KbFile[], courseFiles: KbFile[]): KbValidation {
  const problems: KbProblem[] = [];
  const byFile = (a: KbFile, b: KbFile) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

  const parsedAtoms: Array<{ file: string; value: PLCAtom }> = [];
  // Atoms whose file is broken: they exist, so a reference to one is not "unknown". Their own
  // problem is already reported, once; anything that follows from it would only hide it.
  const unreadable = new Set<string>();
  for (const f of [...atomFiles].sort(byFile)) {
    const atom = parseFile(f, StrictAtom, problems);
    if (!atom) {
      unreadable.add(idFromFileName(f.file));
      continue;
    }
    checkIdMatchesFile(f, atom.id, problems);
    parsedAtoms.push({ file: f.file, value: atom });
  }
  const atoms = checkDuplicates(parsedAtoms, "atom", problems);
  const fileOf = new Map(parsedAtoms.map((p) => [p.value.id, p.file] as const));

  for (const [id, atom] of atoms) {
    atom.prerequisites.forEach((pre, i) => {
      const file = fileOf.get(id)!;
      if (pre === id) problems.push({ file, path: `$.prerequisites[${i}]`, message: `an atom cannot be its own prerequisite` });
      else if (!atoms.has(pre) && !unreadable.has(pre)) {
        problems.push({ file, path: `$.prerequisites[${i}]`, message: `unknown prerequisite "${pre}": there is no kb/atoms/${pre}.json` });
      }
    });
  }
  const withoutSelf = new Map(
    [...atoms].map(([id, a]) => [id, { ...a, prerequisites: a.prerequisites.filter((p) => p !== id) }] as const),
  );
  checkCycles(withoutSelf, fileOf, problems);

  const parsedCourses: Array<{ file: string; value: Course }> = [];
  for (const f of [...courseFiles].sort(byFile)) {
    const course = parseFile(f, StrictCourse, problems);
    if (!course) continue;
    checkIdMatchesFile(f, course.id, problems);
    parsedCourses.push({ file: f.file, value: course });
  }
  const courses = checkDuplicates(parsedCourses, "course", problems);
  for (const { file, value } of parsedCourses) if (courses.get(value.id) === value) checkCourse(value, file, atoms, unreadable, problems);

  if (problems.length) return { kb: null, problems };
  const sortById = <T extends { id: string }>(xs: T[]) => xs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { kb: { atoms: sortById([...atoms.values()]), courses: sortById([...courses.values()]) }, problems };
}

/** Problems as text, one per line: `file path: message`, then a count. Empty string when none. */
export function formatProblems(problems: KbProblem[]): string {
  if (problems.length === 0) return "";
  const lines = problems.map((p) => `${p.file} ${p.path}: ${p.message}`);
  const n = problems.length;
  lines.push(`${n} problem${n === 1 ? "" : "s"} in the knowledge base: fix ${n === 1 ? "it" : "them"} and push again.`);
  return lines.join("\n");
}
