/**
 * The knowledge-base index: one line per atom (id, title, summary, path). It is the agent's
 * external memory: the writer reads a prerequisite's line here, never its whole file. Also the
 * course positions of an atom. Pure.
 */
import type { AtomIndexEntry } from "../../shared/models.ts";
import type { CoursePlace } from "../agents/prompt.ts";
import type { KnowledgeBase } from "../pipeline/types.ts";
import { ATOMS_DIR } from "./load.ts";

/** kb/index.json: a generated file, committed so people and agents can read it without tools. */
export const INDEX_FILE = "kb/index.json";

export interface KbIndex {
  /** Says it is generated and how to regenerate it. */
  generatedBy: string;
  atoms: AtomIndexEntry[];
}

/** The index of a validated knowledge base, atoms sorted by id. */
export function buildIndex(kb: KnowledgeBase): KbIndex {
  return {
    generatedBy: "factory kb index (do not edit by hand)",
    atoms: [...kb.atoms]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((a) => ({ id: a.id, title: a.title, summary: a.summary, path: `${ATOMS_DIR}/${a.id}.json` })),
  };
}

/** The index as the file text: stable formatting, trailing newline. */
export function indexText(kb: KnowledgeBase): string {
  return `${JSON.stringify(buildIndex(kb), null, 2)}\n`;
}

/** Every place the atom takes in a course, in course-id order. */
export function coursePlaces(kb: KnowledgeBase, atomId: string): CoursePlace[] {
  const places: CoursePlace[] = [];
  const titles = new Map(kb.atoms.map((a) => [a.id, a.title] as const));
  const ref = (id: string | undefined) => (id === undefined ? null : { id, title: titles.get(id) ?? id });
  for (const course of [...kb.courses].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const flat = course.modules.flatMap((m) => m.atoms.map((id) => ({ id, module: m.title })));
    const i = flat.findIndex((x) => x.id === atomId);
    if (i < 0) continue;
    places.push({
      courseId: course.id,
      courseTitle: course.title,
      moduleTitle: flat[i]!.module,
      position: i + 1,
      total: flat.length,
      previous: ref(flat[i - 1]?.id),
      next: ref(flat[i + 1]?.id),
    });
  }
  return places;
}
