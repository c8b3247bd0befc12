/**
 * What a release's notes (its Markdown body) ask of the factory, pure:
 *
 * - which courses: a line `Courses: plc-basics, Analog signals` (also `Course:`), or a list under
 *   a `Courses` heading (`## Courses`, or a line `Courses:` on its own) — course ids or titles;
 * - how: a line `Publish: schedule` (or just `schedule`) puts the lessons into the publishing
 *   calendar's slots, `Publish: now` makes them public at once (overriding the setting).
 *
 * Fenced code blocks are skipped, so a snippet in the notes is never read as an instruction.
 * Names are matched against the knowledge base's courses case-insensitively by
 * {@link selectCourses}; names that match nothing are returned so the job can report them.
 */
import type { Course } from "../../shared/models.ts";

/** What the notes ask for. `courses` empty = none named (all courses). */
export interface ReleaseNotes {
  courses: string[];
  publish: "now" | "schedule" | null;
}

/** Longest name kept from one list entry (a course title is a line, not a paragraph). */
const MAX_NAME = 200;
/** Most names read from one body: a release note is not a catalogue. */
const MAX_NAMES = 200;

const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const COURSES_LABEL = /^\s*(?:[-*+]\s+)?\**\s*courses?\s*\**\s*:?\s*\**\s*$/i;
const COURSES_INLINE = /^\s*(?:[-*+]\s+)?\**\s*courses?\s*\**\s*:\s*\**\s*(.+)$/i;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$/;
const PUBLISH = /^\s*(?:[-*+]\s+)?\**\s*publish(?:ing)?\s*\**\s*:\s*\**\s*(now|schedule|scheduled|calendar)\b\W*$/i;
const BARE_SCHEDULE = /^\s*\**\s*(?:schedule|scheduled)\s*\**\s*[.!]?\s*$/i;

/** Reads the courses and the publish directive from a release body (null = empty). */
export function parseReleaseNotes(body: string | null): ReleaseNotes {
  const courses: string[] = [];
  let publish: ReleaseNotes["publish"] = null;
  let inFence = false;
  let inCoursesSection = false;
  for (const line of (body ?? "").split(/\r?\n/)) {
    if (/^\s{0,3}(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;

    const directive = PUBLISH.exec(line);
    if (directive) {
      publish = directive[1]!.toLowerCase() === "now" ? "now" : "schedule";
      continue;
    }
    if (BARE_SCHEDULE.test(line)) {
      publish = "schedule";
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      inCoursesSection = /^courses?\s*:?$/i.test(heading[1]!.replace(/[*_`]/g, "").trim());
      continue;
    }
    if (COURSES_LABEL.test(line)) {
      inCoursesSection = true;
      continue;
    }
    const inline = COURSES_INLINE.exec(line);
    if (inline) {
      courses.push(...inline[1]!.split(/[,;]/).map(cleanName));
      inCoursesSection = false;
      continue;
    }
    if (inCoursesSection) {
      const item = LIST_ITEM.exec(line);
      if (item) courses.push(cleanName(item[1]!));
      else if (line.trim() !== "") inCoursesSection = false; // prose after the list ends it
    }
  }
  const unique: string[] = [];
  for (const name of courses) if (name && !unique.some((u) => norm(u) === norm(name))) unique.push(name);
  return { courses: unique.slice(0, MAX_NAMES), publish };
}

/** A name as written, without Markdown decoration: links keep their text, code its content. */
function cleanName(raw: string): string {
  return raw
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*_]/g, "")
    .replace(/^["'“‘]+|["'”’.]+$/g, "")
    .trim()
    .slice(0, MAX_NAME);
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

/**
 * The courses the notes name, in the order named (all courses by id when none are named), and
 * the names that match no course. A name matches a course's id or title, ignoring case; an
 * entry like "plc-basics — the first steps" also matches by the part before the dash or bracket.
 */
export function selectCourses(courses: readonly Course[], names: readonly string[]): { selected: Course[]; unknown: string[] } {
  if (names.length === 0) return { selected: [...courses].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), unknown: [] };
  const selected: Course[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const candidates = [name, name.split(/\s+[—–-]\s+|\s*\(|:\s+/)[0] ?? name].map(norm).filter(Boolean);
    const hit = candidates
      .map((c) => courses.find((course) => norm(course.id) === c || norm(course.title) === c))
      .find((c) => c !== undefined);
    if (!hit) unknown.push(name);
    else if (!selected.includes(hit)) selected.push(hit);
  }
  return { selected, unknown };
}

/** The atoms of `courses`, in course order (course, module, atom), each once, with its course. */
export function atomsInCourseOrder(courses: readonly Course[]): { atomId: string; courseId: string }[] {
  const out: { atomId: string; courseId: string }[] = [];
  const seen = new Set<string>();
  for (const course of courses) {
    for (const atomId of course.modules.flatMap((m) => m.atoms)) {
      if (seen.has(atomId)) continue;
      seen.add(atomId);
      out.push({ atomId, courseId: course.id });
    }
  }
  return out;
}
