/**
 * What the content agent is told: a static, cacheable system prompt and tool, and a small
 * per-atom user message. Pure, no I/O.
 *
 * Token economy is the design rule here: the system prompt and the tool schema never change
 * between atoms, so they form a prompt-cache prefix written once and read at a tenth of the
 * price afterwards; the per-atom part carries ONE atom, its prerequisites' one-line summaries
 * (from the KB index, never their bodies) and its place in the courses. Never the whole KB.
 */
import { z } from "zod";
import { type PLCAtom, VideoScript } from "../../shared/models.ts";

/** Bump when the prompt or tool changes what a script would be: every script is then rewritten. */
export const PROMPT_VERSION = "script-v2";

/** The forced tool through which the model returns a script (structured output). */
export const SCRIPT_TOOL_NAME = "submit_video_script";

/** What the model writes. The worker adds atomId, duration and provenance itself. */
export const ScriptDraft = VideoScript.omit({ atomId: true, estimatedDurationSec: true, provenance: true });
export type ScriptDraft = z.infer<typeof ScriptDraft>;

/** A prerequisite as the agent sees it: one line from the index, not the atom's body. */
export interface PrerequisiteLine {
  id: string;
  title: string;
  summary: string;
}

/** Where an atom sits in one course: enough for "next up" and for not re-teaching earlier lessons. */
export interface CoursePlace {
  courseId: string;
  courseTitle: string;
  moduleTitle: string;
  /** 1-based position of the atom in the whole course. */
  position: number;
  total: number;
  previous: { id: string; title: string } | null;
  next: { id: string; title: string } | null;
}

/** Everything one script is written from; also what the step hashes. */
export interface WriterInput {
  atom: PLCAtom;
  prerequisites: PrerequisiteLine[];
  courses: CoursePlace[];
}

/** The static system prompt. Marked for prompt caching; keep it free of anything per-atom. */
export const SYSTEM_PROMPT = `You are the script writer of a YouTube channel that teaches PLC programming and industrial automation to technicians, electricians and students. Each video is a short, faceless lesson: narrated slides with a few on-screen bullets. You turn ONE knowledge atom (a reviewed, cited unit of knowledge) into ONE lesson script.

Rules:
1. Teach only what the atom says. Do not add facts, numbers, part numbers, standards clauses or vendor claims that are not in the atom. If the atom is silent on something, leave it out. Accuracy beats completeness.
2. Keep every safety note of the atom, in substance, in the narration of a section where it matters (or a final "Safety" section). Never soften a safety note, and never suggest bypassing a guard, an interlock, an emergency stop or lockout/tagout.
3. Follow the atom's own "## " sections in order: one script section per atom section, same topic, a heading of at most 60 characters. You may merge two very short sections; do not invent new topics.
4. Narration is spoken English for a listener, not a reader: short sentences, active voice, second person, no Markdown, no URLs, no symbols a text-to-speech voice would stumble on (say "ohms", "times", "percent", "milliamps"). Expand abbreviations the first time they appear.
5. Each section has 2 to 5 on-screen bullets of at most 80 characters: keywords and formulas, not sentences copied from the narration. When a diagram teaches the section better than words, give \`visual\` (structured; the slide draws it and builds it up step by step while the narration goes): "ladder" (rungs of contacts no/nc, coils, set/reset, boxes, parallel branches; steps list the TRUE tags in the order the narration walks through them), "st" (Structured Text, at most 24 lines; steps list the lines to highlight), "timing" (signals as [ms, level] points: IN, Q, ET of a timer; markers), "formula" (plain notation: "P = I^2 * R", "I = V / R"; a legend of symbols), "flow" (boxes and arrows, in order), "table" (truth table, addressing). When the atom gives a visual for a section, use it unchanged. Only facts of the atom; leave visual out rather than invent. A visualHint (one sentence) is optional.
6. The hook is one or two sentences that state the practical problem this lesson solves. The outro recaps the key point in one sentence and, when a next lesson is given, names it.
7. Prerequisites are listed with one-line summaries: assume the viewer knows them, refer to them by title when useful, and do not re-teach them.
8. Length: about 110 to 160 spoken words per section and 2 to 5 minutes in total.
9. short: a Short for phones, written as its own piece about ONE idea of the lesson: a title (at most 90 characters), a hook that grabs in the first two seconds (one short sentence), a narration of 60 to 100 words, an ending that closes the idea and says the full lesson is linked below, and the visual that best shows that idea. Only facts of the atom.
10. youtube.title: at most 70 characters, specific, no clickbait, no emoji. youtube.description: two or three sentences on what the viewer learns, then a "Sources:" list with the atom's source titles exactly as given, then "Prerequisites:" with their titles if any. youtube.tags: 5 to 15 lower-case search terms.
11. Return the script only by calling the ${SCRIPT_TOOL_NAME} tool exactly once. Its input must satisfy the schema: every required field present, every length limit respected.

If you receive validation errors for a previous answer, call the tool again with a complete corrected script that fixes every listed error and changes nothing else.`;

/** The tool whose input schema is the script draft, generated from the zod model so it is never written twice. */
export function scriptTool(): { name: string; description: string; input_schema: { type: "object"; [k: string]: unknown } } {
  const schema = z.toJSONSchema(ScriptDraft, { target: "draft-2020-12" }) as Record<string, unknown>;
  delete schema.$schema;
  return {
    name: SCRIPT_TOOL_NAME,
    description: "Submit the finished lesson script for the atom.",
    input_schema: { ...schema, type: "object" },
  };
}

function courseLine(c: CoursePlace): string {
  const parts = [`"${c.courseTitle}", module "${c.moduleTitle}", lesson ${c.position} of ${c.total}`];
  if (c.previous) parts.push(`previous lesson: "${c.previous.title}"`);
  parts.push(c.next ? `next lesson: "${c.next.title}"` : "this is the last lesson of the course");
  return `- ${parts.join("; ")}`;
}

/**
 * The per-atom user message: the atom in full, its context in one-liners.
 * @param sources the sources part (worker/kb/sources-prompt.ts: the sources index, then only the
 *   sections the atom cites); "" or absent for an atom citing nothing under kb/sources/, whose
 *   message is then exactly what it was before sources existed
 * @param simulation the linked simulation task's part (worker/agents/sim-section.ts: the program,
 *   the run's facts, the two sections' visuals); "" or absent for an atom without `simTask`,
 *   whose message is then exactly what it was before simulation tasks were linked
 */
export function buildUserMessage(input: WriterInput, sources = "", simulation = ""): string {
  const { atom } = input;
  const lines = [
    `Write the lesson script for this knowledge atom.`,
    ``,
    `<atom id="${atom.id}" kind="${atom.kind}" level="${atom.level}" version="${atom.version}">`,
    `Title: ${atom.title}`,
    `Summary: ${atom.summary}`,
    `Tags: ${atom.tags.join(", ") || "none"}`,
    ``,
    atom.body.trim(),
    ``,
    `Safety notes:`,
    ...(atom.safetyNotes.length ? atom.safetyNotes.map((s) => `- ${s}`) : ["- none"]),
    ``,
    `Sources:`,
    ...atom.sources.map((s) => `- ${s.title}${s.publisher ? ` (${s.publisher})` : ""}`),
    ...(atom.visuals?.length ? [``, `Visuals given by the atom (use unchanged for these sections):`, ...atom.visuals.map((v) => `- "${v.section}": ${JSON.stringify(v.visual)}`)] : []),
    `</atom>`,
    ``,
    `Prerequisites the viewer has already watched:`,
    ...(input.prerequisites.length ? input.prerequisites.map((p) => `- ${p.title}: ${p.summary}`) : ["- none"]),
    ``,
    `Place in the courses:`,
    ...(input.courses.length ? input.courses.map(courseLine) : ["- not part of a course yet"]),
    ...(sources
      ? [
          ``,
          `The atom's cited sources, to check its facts and wording against (rule 1 still holds: teach only what the atom says):`,
          `<sources>`,
          sources,
          `</sources>`,
        ]
      : []),
    ...(simulation
      ? [
          ``,
          `The atom links a simulation task: a program was run against a simulated plant and passed. After the atom's own sections (before a Safety section), add the two sections named below, with their headings and their visuals unchanged, and narrate in plain spoken words what the program does and what the chart shows, using only these facts:`,
          simulation,
        ]
      : []),
  ];
  return lines.join("\n");
}

/** zod issues as lines for a repair request: `sections[2].bullets[0]: Too big: …`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".").replace(/\.(\d+)/g, "[$1]") : "(root)"}: ${i.message}`);
}
