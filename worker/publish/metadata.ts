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
  const ellipsis = "…"; // 3 bytes in UTF-8
  const room = maxBytes - Buffer.byteLength(ellipsis);
  let out = "";
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (used + size > room) break;
    out += ch;
    used += size;
  }
  return out + ellipsis;
}

/**
 * Title, description and tags for the upload. The description is the writer's own (it already
 * places the lesson in its course and cites the sources), made acceptable to YouTube.
 */
export function lessonMetadata(script: VideoScript): LessonMetadata {
  const title = [...clean(script.youtube.title)].slice(0, 100).join("");
  const description = cutBytes(clean(script.youtube.description), 5000);
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

/**
 * Title and description of a lesson's Short: its own title with #Shorts (YouTube files any
 * vertical video up to 3 minutes as a Short; the tag helps search), the hook, and the link to
 * the full lesson. Older scripts without a Short part borrow the lesson's title and hook.
 */
export function shortMetadata(script: VideoScript, lessonUrl: string): LessonMetadata {
  const base = clean(script.short?.title ?? script.youtube.title);
  const title = [...`${[...base].slice(0, 91).join("")} #Shorts`].slice(0, 100).join("");
  const lead = clean(script.short?.hook ?? script.hook);
  const description = cutBytes(`${lead}\n\nFull lesson: ${lessonUrl}\n\n#Shorts`, 5000);
  return { title, description, tags: lessonMetadata(script).tags };
}

/** The line a lesson's description gains once its Short is up. */
export function shortLink(shortUrl: string): string {
  return `Short version: ${shortUrl}`;
}

/** The first course whose modules list the atom, or null. */
export function courseOf(kb: KnowledgeBase | null, atomId: string): Course | null {
  return kb?.courses.find((c) => c.modules.some((m) => m.atoms.includes(atomId))) ?? null;
}
