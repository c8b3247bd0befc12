/**
 * What a lesson looks like on YouTube, from its VideoScript and course. Pure.
 *
 * YouTube refuses titles over 100 characters, `<` and `>` in titles and descriptions,
 * descriptions over 5000 bytes and tag lists over 500 characters (a tag with a space counts
 * its quotes); these are trimmed here rather than failing an upload at the last moment.
 */
import type { Course, VideoScript } from "../../shared/models.ts";
import type { KnowledgeBase } from "../pipeline/types.ts";

export interface LessonMetadata {
  title: string;
  description: string;
  tags: string[];
}

/** Replaces the angle brackets YouTube rejects with look-alikes, and trims. */
function clean(text: string): string {
  return text.replace(/</g, "‹").replace(/>/g, "›").trim();
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = "";
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > maxBytes - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** Title, description and tags for the upload. `course` adds a line naming the course. */
export function lessonMetadata(script: VideoScript, course: Pick<Course, "title"> | null): LessonMetadata {
  const title = [...clean(script.youtube.title)].slice(0, 100).join("");
  const courseLine = course ? `\n\nPart of the course "${clean(course.title)}".` : "";
  const description = cutBytes(clean(script.youtube.description) + courseLine, 5000);
  const tags: string[] = [];
  let used = 0;
  for (const raw of script.youtube.tags) {
    const tag = clean(raw).replace(/,/g, " ");
    if (!tag || tags.includes(tag)) continue;
    const cost = tag.length + (tag.includes(" ") ? 2 : 0) + (tags.length ? 1 : 0);
    if (used + cost > 500) break;
    tags.push(tag);
    used += cost;
  }
  return { title, description, tags };
}

/** The first course whose modules list the atom, or null. */
export function courseOf(kb: KnowledgeBase | null, atomId: string): Course | null {
  return kb?.courses.find((c) => c.modules.some((m) => m.atoms.includes(atomId))) ?? null;
}
