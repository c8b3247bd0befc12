/**
 * Drafting an atom from a KB request issue, offline and pure: the issue form's answers (read back
 * from the Markdown body GitHub renders them into) become a complete, schema-valid atom, with
 * TODO markers wherever a person must still write (the lesson body above all). What is missing
 * is listed so the pull request can say so. Prerequisites are checked against kb/index.json and
 * kb/sources citations against kb/sources/index.json; unknown ones are dropped and reported.
 *
 * With an Anthropic API key, a model writes the atom from the request and the cited source
 * sections instead: that path plugs in as an {@link AtomWriter} (./kb-request-writer.ts), with
 * this offline draft as its starting point and its fallback.
 */
import { type AtomIndexEntry, AtomKind, Level, PLCAtom, Slug } from "../../shared/models.ts";
import type { SourcesIndex } from "../../shared/sources.ts";
import type { KbRequestPayload } from "../../shared/jobs.ts";
import type { TokenUsage } from "../agents/usage.ts";

/** The issue form's fields: label (as GitHub renders it) → id. Must match kb-request-form.yml. */
export const FORM_FIELDS: Record<string, string> = {
  Topic: "topic",
  "Atom id": "atom-id",
  Kind: "kind",
  Level: "level",
  "One-line summary": "summary",
  "Key points": "key-points",
  Prerequisites: "prerequisites",
  Sources: "sources",
  "Safety notes": "safety",
};

/** The marker a person replaces; `factory kb validate` does not reject it, review does. */
export const TODO = "TODO(person)";

/**
 * The answers of an issue form, by field id, from the body GitHub renders (`### Label`, blank
 * line, answer; `_No response_` when left empty). Unknown headings are kept under their label.
 */
export function parseIssueForm(body: string | null): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!body) return fields;
  const parts = body.replace(/\r\n/g, "\n").split(/^###[ \t]+(.+?)[ \t]*$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const label = parts[i]!.trim();
    const value = parts[i + 1]!.trim();
    fields[FORM_FIELDS[label] ?? label] = value === "_No response_" ? "" : value;
  }
  return fields;
}

/** A topic as an atom id: "TON on-delay timer" → "ton-on-delay-timer". */
function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

export interface DraftInput {
  request: KbRequestPayload;
  /** Ids of the atoms in the knowledge base (kb/index.json). */
  knownAtoms: ReadonlySet<string>;
  sources: SourcesIndex | null;
}

export interface AtomDraft {
  atom: PLCAtom;
  /** What a person must still write or check, one line each (the PR lists them). */
  todos: string[];
  /** What the factory changed or dropped from the request, one line each. */
  notes: string[];
  /** Who wrote it (the pull request says so); absent = the offline draft. */
  drafter?: Drafter;
}

/** Who wrote a draft: a model (with what it cost) or the offline form draft. */
export interface Drafter {
  by: "claude" | "offline";
  /** The model asked, also when its answer was not used (`by` is then "offline"). */
  model: string | null;
  usage?: TokenUsage;
  requests?: number;
}

/** Refused requests (no usable topic or id); the message is what the issue comment says. */
export class DraftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DraftError";
  }
}

const lines = (s: string | undefined) =>
  (s ?? "")
    .split("\n")
    .map((l) => l.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, "").trim())
    .filter(Boolean);

/** Drafts the atom; throws {@link DraftError} when the request names no usable topic. */
export function draftAtomFromRequest(input: DraftInput): AtomDraft {
  const f = { ...parseIssueForm(input.request.issue.body), ...(input.request.fields ?? {}) };
  const todos: string[] = [];
  const notes: string[] = [];
  const topic = (f.topic || input.request.issue.title.replace(/^\s*\[KB\]\s*/i, "")).trim().slice(0, 120);
  if (topic.length < 3) throw new DraftError("The request has no topic: fill in the form's \"Topic\" (at least 3 characters) and the draft will be made.");
  const wanted = (f["atom-id"] ?? "").trim();
  const id = wanted && Slug.safeParse(wanted).success ? wanted : slugify(topic);
  if (wanted && wanted !== id) notes.push(`"${wanted}" is not a valid atom id (lower-case words joined by hyphens); used "${id}".`);
  if (!Slug.safeParse(id).success) throw new DraftError(`No atom id can be made from the topic "${topic}": give one in the form's "Atom id" (e.g. ton-timer).`);
  if (input.knownAtoms.has(id)) {
    throw new DraftError(`An atom "${id}" exists already (kb/atoms/${id}.json). To change it, edit that file; to add a new one, give another "Atom id".`);
  }
  const kind = AtomKind.safeParse(f.kind).success ? AtomKind.parse(f.kind) : "concept";
  if (!AtomKind.safeParse(f.kind).success) todos.push(`Check the kind: the request gave none, so the draft says "concept".`);
  const level = Level.safeParse(f.level).success ? Level.parse(f.level) : "beginner";
  if (!Level.safeParse(f.level).success) todos.push(`Check the level: the request gave none, so the draft says "beginner".`);

  let summary = (f.summary ?? "").replace(/\s+/g, " ").trim();
  if (summary.length < 10 || summary.length > 240) {
    if (summary) notes.push(`The one-line summary must be 10-240 characters; it was ${summary.length}.`);
    summary = `${TODO}: one line saying what the learner gets from "${topic}".`.slice(0, 240);
    todos.push("Write the one-line summary.");
  }

  const prerequisites: string[] = [];
  for (const p of (f.prerequisites ?? "").split(/[,\s]+/).map((x) => x.trim()).filter(Boolean)) {
    if (input.knownAtoms.has(p)) prerequisites.push(p);
    else notes.push(`Prerequisite "${p}" is not an atom in kb/index.json; left out.`);
  }

  const sources: PLCAtom["sources"] = [];
  for (const line of lines(f.sources)) {
    const ref = /^(kb\/sources\/\S+?)(?:#(\d+))?$/.exec(line);
    if (ref) {
      const summary = input.sources?.sources.find((s) => s.path === ref[1]);
      if (!summary) {
        notes.push(`Source ${ref[1]} is not in kb/sources/index.json; left out (add the file and run \`factory kb summarize\`).`);
        continue;
      }
      const section = ref[2] ? Number(ref[2]) : undefined;
      const sec = section !== undefined ? summary.sections.find((s) => s.n === section) : undefined;
      if (section !== undefined && !sec) {
        notes.push(`${ref[1]} has no section ${section}; cited without a section.`);
      }
      sources.push({ title: sec ? `${ref[1]}: ${sec.title}` : ref[1]!, path: ref[1]!, ...(sec ? { section: sec.n } : {}) });
    } else if (/^https?:\/\/\S+$/.test(line)) {
      sources.push({ title: new URL(line).hostname, url: line });
      todos.push(`Give the source ${line} a proper title.`);
    } else {
      sources.push({ title: line.slice(0, 200) });
    }
  }
  if (!sources.length) {
    sources.push({ title: `${TODO}: cite at least one source`, note: "added by the factory: replace it with a real source" });
    todos.push("Cite at least one real source.");
  }

  const points = lines(f["key-points"]);
  const body = [
    `## What it is`,
    "",
    `${TODO}: explain ${topic} in a few plain sentences.`,
    "",
    ...(points.length ? ["## Key points", "", ...points.map((p) => `- ${p}`), ""] : []),
    `## Example`,
    "",
    `${TODO}: a worked example from a real machine or program.`,
    "",
  ].join("\n");
  todos.unshift("Write the lesson body: every `TODO(person)` line in it (the draft keeps the requested key points).");

  const atom = PLCAtom.parse({
    id,
    title: topic.length >= 3 ? topic : `${topic}...`,
    kind,
    summary,
    body,
    prerequisites,
    tags: [],
    level,
    sources,
    safetyNotes: lines(f.safety),
    version: 1,
  });
  return { atom, todos, notes };
}

/** What a model-backed writer is given besides the request: its starting point and where to look. */
export interface AtomWriterInput extends DraftInput {
  /** The offline draft: the starting point, and the answer when the model's is unusable. */
  offline: AtomDraft;
  /** The knowledge base's index lines (kb/index.json of the base branch): never whole atoms. */
  index: readonly AtomIndexEntry[];
  /** The checkout, for opening cited source sections one at a time. */
  repoDir: string;
}

/** Where a model-written draft plugs in (ANTHROPIC_API_KEY set); the offline draft is the fallback. */
export type AtomWriter = (input: AtomWriterInput) => Promise<AtomDraft>;
