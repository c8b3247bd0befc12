/**
 * The offline writer: builds a real lesson script from the atom's own fields, with no model
 * and no network. Used when ANTHROPIC_API_KEY is unset (and by the demo), and marked
 * `writer: "offline"` in the provenance. Deterministic: the same input gives byte-identical output.
 *
 * Mapping: each `## ` section of the body becomes a script section; its paragraphs become the
 * narration, its list items the on-screen bullets, a `> Visual: …` line the visual hint, and the
 * atom's `visuals` entry (or a table or the formulas in the section) its structured diagram.
 * Safety notes get their own section; the summary is the hook. An atom that links a simulation
 * task (`simTask`) gains the sections of worker/agents/sim-section.ts (the program that passed it
 * and the chart of its run), given by the caller, which runs the program; they go before Safety.
 */
import type { PLCAtom, ScriptSection, VideoScript } from "../../shared/models.ts";
import { Visual } from "../../shared/visual.ts";
import { finishScript } from "./finish.ts";
import { PROMPT_VERSION, type ScriptDraft, type WriterInput } from "./prompt.ts";

const MAX_SECTIONS = 12;
const MAX_BULLETS = 6;
const MAX_BULLET_CHARS = 120;
const DERIVED_BULLET_CHARS = 80;

/** Markdown inline syntax a narrator should not read out. */
export function plainText(md: string): string {
  return md
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** Shortens at a word boundary, with an ellipsis, so bullets fit the slide limit. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, "")}…`;
}

/**
 * A sentence as slide bullets that need no ellipsis: whole when it fits, else one bullet per
 * clause (split at ":" and ";", then at commas), each starting with a capital; only a clause too
 * long even alone is clipped. "… the PLC itself: switch off and verify every source before
 * touching field wiring." becomes two bullets a viewer can read to the end.
 */
export function bulletPoints(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const tidy = (c: string) => c.trim().replace(/[.;:,]+$/, "").replace(/^\p{Ll}/u, (ch) => ch.toUpperCase());
  const out: string[] = [];
  for (const clause of text.split(/[:;]\s+/).map(tidy).filter(Boolean)) {
    if (clause.length <= max) {
      out.push(clause);
      continue;
    }
    let cur = "";
    for (const part of clause.split(/,\s+/)) {
      const next = cur ? `${cur}, ${part}` : part;
      if (next.length > max && cur) {
        out.push(tidy(cur));
        cur = part;
      } else cur = next;
    }
    if (cur) out.push(clip(tidy(cur), max));
  }
  return out;
}

interface RawSection {
  heading: string;
  paragraphs: string[];
  bullets: string[];
  visual?: string;
  /** Rows of a Markdown table in the section, cells trimmed (separator rows dropped). */
  table?: string[][];
}

/** Splits a Markdown body into `## ` sections (text before the first heading becomes "Introduction"). */
export function parseBody(body: string, fallbackHeading: string): RawSection[] {
  const sections: RawSection[] = [];
  let current: RawSection = { heading: "Introduction", paragraphs: [], bullets: [] };
  let para: string[] = [];
  const flush = () => {
    if (para.length) current.paragraphs.push(plainText(para.join(" ")));
    para = [];
  };
  const close = () => {
    flush();
    if (current.paragraphs.length || current.bullets.length) sections.push(current);
  };
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    const heading = /^##\s+(.+)$/.exec(line);
    const bullet = /^(?:[-*+]|\d+[.)])\s+(.+)$/.exec(line);
    const visual = /^>\s*visual:\s*(.+)$/i.exec(line);
    const tableRow = /^\|(.+)\|$/.exec(line);
    if (tableRow) {
      flush();
      const cells = tableRow[1]!.split("|").map((c) => plainText(c));
      if (!cells.every((c) => /^:?-{2,}:?$/.test(c))) (current.table ??= []).push(cells);
    } else if (heading) {
      close();
      current = { heading: plainText(heading[1]!), paragraphs: [], bullets: [] };
    } else if (visual) {
      flush();
      current.visual = plainText(visual[1]!);
    } else if (bullet) {
      flush();
      current.bullets.push(plainText(bullet[1]!));
    } else if (line === "") flush();
    else para.push(line.replace(/^>\s*|^#+\s*/, ""));
  }
  close();
  if (sections.length === 1 && sections[0]!.heading === "Introduction") sections[0]!.heading = fallbackHeading;
  return sections;
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+/).filter(Boolean);
}

/** A formula as typed in a bullet ("V = I x R: voltage equals ..."): the part before the colon. */
const FORMULA = /^[A-Za-z0-9_ .^*/+×()-]+=[A-Za-z0-9_ .^*/+×()-]+$/;

/**
 * The diagram of a section without a model: the atom's own `visuals` entry for this heading,
 * else a table written in the section, else the formulas of its bullets. Nothing is invented.
 */
export function deriveVisual(raw: RawSection, atom: Pick<PLCAtom, "visuals">): Visual | undefined {
  const given = atom.visuals?.find((v) => v.section.trim().toLowerCase() === raw.heading.trim().toLowerCase());
  if (given) return given.visual;
  if (raw.table && raw.table.length >= 2) {
    const t = Visual.safeParse({ kind: "table", header: raw.table[0], rows: raw.table.slice(1, 9) });
    if (t.success) return t.data;
  }
  const lines = raw.bullets
    .flatMap((b) => b.split(":")[0]!.split(/\s+and\s+/))
    .map((f) => f.trim())
    .filter((f) => FORMULA.test(f) && /[=]/.test(f) && f.length <= 80);
  if (lines.length) {
    const f = Visual.safeParse({ kind: "formula", lines: [...new Set(lines)].slice(0, 4) });
    if (f.success) return f.data;
  }
  return undefined;
}

function toSection(raw: RawSection, atom: Pick<PLCAtom, "visuals">): ScriptSection {
  const withStop = (s: string) => (/[.!?…]$/.test(s) ? s : `${s}.`);
  const narration = raw.paragraphs.length ? raw.paragraphs.join(" ") : raw.bullets.map(withStop).join(" ");
  // Without list items, the first sentences stand in, shorter, so the slide stays readable.
  const bullets = raw.bullets.length
    ? raw.bullets.flatMap((b) => bulletPoints(b, MAX_BULLET_CHARS)).slice(0, MAX_BULLETS)
    : sentences(narration).slice(0, 3).map((b) => clip(b, DERIVED_BULLET_CHARS));
  const section: ScriptSection = { heading: clip(raw.heading, 100), narration, bullets };
  if (raw.visual) section.visualHint = clip(raw.visual, 300);
  const visual = deriveVisual(raw, atom);
  if (visual) section.visual = visual;
  return section;
}

function description(input: WriterInput, sections: ScriptSection[]): string {
  const { atom } = input;
  const parts = [atom.summary, "", "In this lesson:", ...sections.map((s) => `- ${s.heading}`)];
  if (input.prerequisites.length) parts.push("", "Watch first:", ...input.prerequisites.map((p) => `- ${p.title}`));
  for (const c of input.courses) parts.push("", `Lesson ${c.position} of ${c.total} in the course "${c.courseTitle}".`);
  parts.push(
    "",
    "Sources:",
    ...atom.sources.map((s) => `- ${s.title}${s.publisher ? `, ${s.publisher}` : ""}${s.url ? ` ${s.url}` : ""}`),
  );
  if (atom.safetyNotes.length) parts.push("", "Safety:", ...atom.safetyNotes.map((n) => `- ${n}`));
  return clip(parts.join("\n"), 5000);
}

function tags(input: WriterInput): string[] {
  const all = [...input.atom.tags, "plc", "industrial automation", input.atom.kind].map((t) => t.toLowerCase().trim());
  return [...new Set(all)].filter(Boolean).slice(0, 30);
}

/** Words a Short's body may hold: with the hook and ending, about 45-55 s of speech. */
const SHORT_BODY_WORDS = 95;

/**
 * The Short, as its own piece: the lesson's title, the atom's summary as the hook (said in the
 * first seconds), the first section's opening sentences up to ~95 words, its diagram, and an
 * ending that points to the full lesson. Only the atom's own words.
 */
function offlineShort(atom: PLCAtom, first: ScriptSection | undefined): ScriptDraft["short"] {
  if (!first) return undefined;
  const body: string[] = [];
  let words = 0;
  for (const s of sentences(first.narration)) {
    const n = s.split(/\s+/).length;
    if (body.length > 0 && words + n > SHORT_BODY_WORDS) break;
    body.push(s);
    words += n;
  }
  return {
    title: clip(atom.title, 90),
    hook: clip(sentences(plainText(atom.summary))[0] ?? atom.summary, 160),
    narration: clip(body.join(" "), 700),
    ending: clip(`That is the core of ${atom.title}. The full lesson is linked below.`, 200),
    ...(first.visual ? { visual: first.visual } : {}),
  };
}

/**
 * The script draft the offline writer makes; exported for tests and the benchmark.
 * @param simSections the sections of the atom's simulation task (worker/agents/sim-section.ts), if it links one
 */
export function offlineDraft(input: WriterInput, simSections: ScriptSection[] = []): ScriptDraft {
  const { atom } = input;
  const sections = [...parseBody(atom.body, atom.title).map((raw) => toSection(raw, atom)), ...simSections];
  if (atom.safetyNotes.length) {
    sections.push({
      heading: "Safety",
      narration: atom.safetyNotes.map(plainText).join(" "),
      bullets: atom.safetyNotes.flatMap((n) => bulletPoints(plainText(n), MAX_BULLET_CHARS)).slice(0, MAX_BULLETS),
    });
  }
  const kept = sections.length > MAX_SECTIONS ? [...sections.slice(0, MAX_SECTIONS - 1), sections.at(-1)!] : sections;
  const next = input.courses.find((c) => c.next)?.next;
  const outro = [
    `That was ${atom.title}: ${atom.summary}`,
    next ? `Next lesson: ${next.title}.` : "",
    "The sources for this lesson are listed in the description.",
  ]
    .filter(Boolean)
    .join(" ");
  // The Short tells the idea that has a picture, when one does: a phone screen wants a diagram.
  const short = offlineShort(atom, kept.find((s) => s.visual) ?? kept[0]);
  return {
    title: clip(atom.title, 120),
    hook: atom.summary,
    sections: kept,
    outro,
    ...(short ? { short } : {}),
    youtube: { title: clip(atom.title, 100), description: description(input, kept), tags: tags(input) },
  };
}

/**
 * Writes a script without a model.
 * @param sourceHash the step's hash of `input` (recorded in the provenance)
 * @param simSections the sections of the atom's simulation task, if it links one
 */
export function writeOffline(input: WriterInput, sourceHash: string, simSections: ScriptSection[] = []): VideoScript {
  return finishScript(offlineDraft(input, simSections), input.atom, {
    sourceHash,
    writer: "offline",
    model: null,
    promptVersion: PROMPT_VERSION,
  });
}
