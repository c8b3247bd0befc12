/**
 * The KB maintenance agent: a KB request issue → Claude (the real @anthropic-ai/sdk against the
 * loopback Anthropic fake) drafts the atom from the request, the KB index lines and the ONE cited
 * section of a long source → branch, pull request and issue comment (@octokit/rest against the
 * loopback GitHub fake). An invalid atom gets one repair round, then the offline draft is used
 * with a note; without a key nothing is asked and the offline path is as before.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { KbRequestPayload } from "../../shared/jobs.ts";
import { PLCAtom } from "../../shared/models.ts";
import { createGitHubClient } from "../../worker/github/client.ts";
import { runKbRequestJob } from "../../worker/github/jobs.ts";
import { FORM_FIELDS } from "../../worker/github/kb-request-draft.ts";
import { ATOM_MAX_TOKENS, ATOM_TOOL_NAME, kbRequestWriterFor } from "../../worker/github/kb-request-writer.ts";
import { handleKbRequest, type KbRequestDeps } from "../../worker/github/kb-request.ts";
import { indexText } from "../../worker/kb/index.ts";
import { summarizeSources, sourcesIndexText } from "../../worker/kb/sources.ts";
import { validateKnowledgeBase } from "../../worker/kb/validate.ts";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { FakeGitHub } from "../fakes/github.ts";
import { createTestRepo, git, type TestRepo } from "../helpers/git.ts";
import { atomJson, courseJson } from "../kb/helpers.ts";

const TOKEN = "github_pat_fake_0123456789";
const FACTORY = { name: "Agent Factory", email: "factory@example.com" };
const SOURCE = "kb/sources/plc-handbook.md";
const CHAPTERS = ["Power supply", "Digital inputs", "Digital outputs", "Scan cycle", "On-delay timers", "Counters", "Analog inputs", "Fault codes", "Maintenance", "Disposal"];
/** A sentence only chapter i holds: the test looks for it in the prompt. */
const marker = (i: number) => `Chapter-${i + 1} fact: the ${CHAPTERS[i]!.toLowerCase()} rule number ${1000 + i} applies here.`;
const CITED = 4; // "On-delay timers"

/** A long multi-section handbook: ten chapters of ~40 lines, each with its own marker sentence. */
function handbook(): string {
  const out = ["# PLC Handbook for testing", "", "This handbook was written for the Agent Factory test suite. It has ten chapters of invented facts.", ""];
  CHAPTERS.forEach((title, i) => {
    out.push(`## ${i + 1} ${title}`, "", marker(i), "");
    for (let k = 0; k < 36; k++) out.push(`Line ${k} of chapter ${i + 1} repeats filler text about ${title.toLowerCase()} so the source is long.`);
    out.push("");
  });
  return out.join("\n");
}

function formBody(answers: Record<string, string>): string {
  return Object.entries(FORM_FIELDS)
    .map(([label, id]) => `### ${label}\n\n${answers[id] || "_No response_"}`)
    .join("\n\n");
}

const payload = (body: string) =>
  KbRequestPayload.parse({ repository: "owner/plc-kb", issue: { number: 7, title: "[KB] TON on-delay timer", body, author: "owner", labels: ["kb-request"] } });

/** The offline draft as the prompt carries it. */
function offlineFrom(prompt: string): Record<string, unknown> {
  const m = /<offline-draft>\n([\s\S]*?)\n<\/offline-draft>/.exec(prompt);
  if (!m) throw new Error("no offline draft in the prompt");
  return JSON.parse(m[1]!) as Record<string, unknown>;
}

/** What a good model answers: the offline draft, completed from the cited section. */
function modelAtom(prompt: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...offlineFrom(prompt),
    summary: "How a TON timer delays switching its output on, and how to read IN, Q and ET.",
    body: "## What it is\n\nA TON timer switches Q on once IN has been true for the preset time PT.\n\n## Example\n\nA conveyor starts 5 s after the start button is held.\n",
    prerequisites: ["what-is-a-plc"],
    tags: ["timer", "ton", "plc"],
    ...over,
  };
}

let root: string;
let repo: TestRepo;
let gh: FakeGitHub;
let ai: FakeAnthropic;
let deps: KbRequestDeps;
let env: Record<string, string>;
const noSleep = async () => {};

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "factory-kb-writer-"));
  const atoms = { "what-is-a-plc": atomJson("what-is-a-plc"), "ohms-law": atomJson("ohms-law") };
  const files: Record<string, string> = { [SOURCE]: handbook(), "kb/courses/basics.json": JSON.stringify(courseJson("basics", ["what-is-a-plc", "ohms-law"])) };
  for (const [id, a] of Object.entries(atoms)) files[`kb/atoms/${id}.json`] = `${JSON.stringify(a, null, 2)}\n`;
  files["kb/index.json"] = indexText(validateKnowledgeBase(Object.entries(atoms).map(([id, a]) => ({ file: `kb/atoms/${id}.json`, text: JSON.stringify(a) })), []).kb!);
  repo = createTestRepo(root, { files });
  const sources = await summarizeSources(repo.work);
  const sections = sources.index.sources[0]!.sections;
  expect(sections.map((s) => s.title)).toEqual(expect.arrayContaining(CHAPTERS.map((t, i) => `${i + 1} ${t}`)));
  repo.commitAndPush({ "kb/sources/index.json": sourcesIndexText(sources.index) }, "summaries");
  const checkout = join(root, "worker-checkout");
  execFileSync("git", ["clone", "-q", repo.bare, checkout]);
  gh = new FakeGitHub();
  gh.addRepo("owner/plc-kb", { gitDir: repo.bare, issues: [7] });
  await gh.start();
  ai = await FakeAnthropic.start();
  ai.toolName = ATOM_TOOL_NAME;
  ai.defaultInput = (prompt) => modelAtom(prompt);
  env = { ANTHROPIC_API_KEY: ai.apiKey, ANTHROPIC_BASE_URL: ai.baseURL };
  deps = { client: createGitHubClient({ token: TOKEN, apiUrl: gh.url }), repoDir: checkout, baseBranch: "main", author: FACTORY, now: () => new Date("2026-12-01T12:00:00Z") };
});
afterEach(async () => {
  await gh.stop();
  await ai.close();
  rmSync(root, { recursive: true, force: true });
});

const sectionOf = (title: string) => {
  const index = JSON.parse(git(repo.bare, "show", "main:kb/sources/index.json")) as { sources: { sections: { n: number; title: string }[] }[] };
  return index.sources[0]!.sections.find((s) => s.title === title)!.n;
};
const request = () =>
  formBody({
    topic: "TON on-delay timer",
    "atom-id": "ton-timer",
    kind: "concept",
    level: "beginner",
    "key-points": "- Q goes true after PT",
    prerequisites: "what-is-a-plc",
    sources: `${SOURCE}#${sectionOf(`${CITED + 1} ${CHAPTERS[CITED]}`)}`,
    safety: "Never rely on a timer for a safety function.",
  });
const branchAtom = () => PLCAtom.parse(JSON.parse(git(repo.bare, "show", "refs/heads/factory/kb-request-7:kb/atoms/ton-timer.json")));
const writer = (settings: Record<string, unknown> = {}) => kbRequestWriterFor(settings, env, { sleep: noSleep });

describe("with ANTHROPIC_API_KEY, Claude drafts the requested atom", () => {
  test("issue → model-written atom on the branch, a pull request naming the model, and a comment; the job result records the tokens", async () => {
    ai.model = "claude-haiku-4-5";
    ai.expectInPrompt = marker(CITED);
    ai.forbidden = ["ohms-law explained in a sentence."]; // another atom's body: the index line is enough
    const job = { id: "j1", type: "factory.kb.request", payload: payload(request()) };
    const { summary, result } = await runKbRequestJob(job, { githubToken: TOKEN }, { dir: deps.repoDir, branch: "main" }, { now: deps.now, author: FACTORY, client: deps.client, writer: writer({ content: { model: "claude-haiku-4-5" } }) });
    expect(ai.problems).toEqual([]);
    expect(gh.problems).toEqual([]);
    expect(result).toMatchObject({ outcome: "drafted", atomId: "ton-timer", todos: [], drafter: { by: "claude", model: "claude-haiku-4-5", requests: 1 } });
    if (result.outcome !== "drafted") return;
    expect(result.notes).toContain("Written by claude-haiku-4-5, review before merging: check every statement against the cited sources, and the prerequisites, kind and level.");
    expect(result.drafter.usage!.outputTokens).toBeGreaterThan(0);
    expect(summary).toMatch(/^KB request #7: ton-timer drafted by claude-haiku-4-5 \(\d+ in \+ \d+ cache write \+ 0 cached \+ \d+ out tokens\) in https:\/\/github.com\/owner\/plc-kb\/pull\/8$/);

    const atom = branchAtom();
    expect(atom.body).toContain("A TON timer switches Q on once IN has been true");
    expect(atom.body).not.toContain("TODO(person)");
    expect(atom).toMatchObject({ id: "ton-timer", prerequisites: ["what-is-a-plc"], safetyNotes: ["Never rely on a timer for a safety function."], version: 1 });
    expect(atom.sources).toEqual([{ title: `${SOURCE}: 5 On-delay timers`, path: SOURCE, section: sectionOf("5 On-delay timers") }]);
    expect(git(repo.bare, "log", "-1", "--format=%b", "refs/heads/factory/kb-request-7")).toBe("Drafted by Agent Factory (claude-haiku-4-5) from issue #7. A person must still review it.");

    const pull = gh.repo("owner/plc-kb").pulls[0]!;
    expect(pull.body).toContain("Writer: **claude-haiku-4-5** (Claude) wrote the atom from the request, the KB index and the cited source sections.");
    expect(pull.body).toContain("### A person must still check\n- [ ] Every statement of the body against the cited sources");
    expect(pull.body).not.toContain("### A person must still write");
    const comments = gh.repo("owner/plc-kb").comments;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("Drafted the atom `ton-timer` in https://github.com/owner/plc-kb/pull/8 (branch `factory/kb-request-7`) with claude-haiku-4-5.");
    expect(comments[0]!.body).toContain("Review it against the cited sources before merging.");

    // One small, forced, cached request.
    expect(ai.requests).toHaveLength(1);
    const body = ai.requests[0]!.body;
    expect(body.max_tokens).toBe(ATOM_MAX_TOKENS);
    expect(body.tools[0].input_schema.required).toEqual(expect.arrayContaining(["id", "title", "summary", "body", "sources", "version"]));
    expect(body.tools[0].input_schema.additionalProperties).toBe(false);
  });

  test("the prompt holds the request, the index lines and the cited section's text, never the rest of the source", async () => {
    await handleKbRequest(payload(request()), { ...deps, writer: writer()! });
    expect(ai.problems).toEqual([]);
    const prompt: string = ai.requests[0]!.body.messages[0].content;
    expect(prompt).toContain("Issue title: [KB] TON on-delay timer");
    expect(prompt).toContain("key-points:\n- Q goes true after PT");
    expect(prompt).toContain('"id": "ton-timer"'); // the offline draft
    expect(prompt).toContain("- ohms-law: Atom ohms-law — One-line summary of ohms-law.");
    expect(prompt).toContain("- what-is-a-plc: Atom what-is-a-plc — One-line summary of what-is-a-plc.");
    expect(prompt).not.toContain("explained in a sentence"); // no atom's body
    expect(prompt).toContain(`Sources index (kb/sources/index.json; open a section only when needed):\n- ${SOURCE} (markdown,`);
    expect(prompt).toContain(marker(CITED));
    for (const i of CHAPTERS.keys()) if (i !== CITED) expect(prompt).not.toContain(marker(i));
    expect(prompt).not.toContain("filler text about digital inputs");
    expect(prompt.match(/<source-section>/g)).toHaveLength(1);
    const all = JSON.stringify(ai.requests[0]!.body);
    expect(all.length).toBeLessThan(handbook().length); // the source is longer than the whole request
  });

  test("an invalid atom goes back once with its problems, and the corrected one is used", async () => {
    ai.replies.push({ kind: "invalid" }, { kind: "script" });
    const result = await handleKbRequest(payload(request()), { ...deps, writer: writer()! });
    expect(ai.problems).toEqual([]);
    expect(ai.requests.map((r) => r.reply)).toEqual(["invalid", "script"]);
    const repair = ai.requests[1]!.body.messages[2].content;
    expect(repair[0]).toMatchObject({ type: "tool_result", is_error: true });
    expect(repair[0].content).toMatch(/^The atom is not valid:\n- id: Invalid input: expected string, received undefined\n/);
    expect(repair[0].content).toContain('- (root): Unrecognized keys: "hook", "sections", "outro", "youtube"');
    expect(result).toMatchObject({ outcome: "drafted", todos: [], drafter: { by: "claude", requests: 2 } });
    expect(branchAtom().body).toContain("A TON timer switches Q on");
  });

  test("an atom invalid twice (a made-up prerequisite) falls back to the offline draft with a note saying why", async () => {
    ai.defaultInput = (prompt) => modelAtom(prompt, { prerequisites: ["what-is-a-plc", "plc-scan-cycle"] });
    const result = await handleKbRequest(payload(request()), { ...deps, writer: writer()! });
    expect(ai.problems).toEqual([]);
    expect(ai.requests).toHaveLength(2);
    expect(ai.requests[1]!.body.messages[2].content[0].content).toContain('- prerequisites[1]: "plc-scan-cycle" is not an atom in the KB index; use an id from the index or leave it out');
    expect(result.outcome).toBe("drafted");
    if (result.outcome !== "drafted") return;
    expect(result.drafter).toMatchObject({ by: "offline", model: "claude-sonnet-4-6", requests: 2 });
    expect(result.drafter.usage!.outputTokens).toBeGreaterThan(0);
    expect(result.notes).toContain(
      'claude-sonnet-4-6 was asked but its draft was not used: its atom was invalid after one repair request (prerequisites[1]: "plc-scan-cycle" is not an atom in the KB index; use an id from the index or leave it out). This is the offline draft from the form.',
    );
    expect(result.todos[0]).toMatch(/^Write the lesson body/);
    const atom = branchAtom();
    expect(atom.body).toContain("TODO(person)");
    expect(atom.prerequisites).toEqual(["what-is-a-plc"]);
    const pull = gh.repo("owner/plc-kb").pulls[0]!;
    expect(pull.body).toContain("Writer: the offline draft from the form's answers (claude-sonnet-4-6 was asked, but its draft was not used: see the notes).");
    expect(pull.body).toContain("### A person must still write\n- [ ] Write the lesson body");
  });

  test("an id other than the requested one, or a source the index does not know, is sent back", async () => {
    ai.defaultInput = (prompt) => modelAtom(prompt, { id: "ohms-law", sources: [{ title: "Made up", path: "kb/sources/other.md", section: 2 }] });
    const result = await handleKbRequest(payload(request()), { ...deps, writer: writer()! });
    const report: string = ai.requests[1]!.body.messages[2].content[0].content;
    expect(report).toContain('- id: the request asks for "ton-timer"; use exactly that id');
    expect(report).toContain("- sources[0].path: kb/sources/other.md is not in kb/sources/index.json; cite only the sources shown");
    expect(report).toContain(`- sources: the requested source ${SOURCE} section ${sectionOf("5 On-delay timers")} is missing; keep every source of the offline draft`);
    expect(result).toMatchObject({ outcome: "drafted", atomId: "ton-timer", drafter: { by: "offline" } });
  });

  test("without a requested id the model may pick a new one; a source it cannot cite stays a person's task", async () => {
    ai.defaultInput = (prompt) => modelAtom(prompt, { id: "ton-basics" });
    const body = formBody({ topic: "TON on-delay timer", kind: "concept", level: "beginner" });
    const result = await handleKbRequest(payload(body), { ...deps, writer: writer()! });
    expect(ai.problems).toEqual([]);
    expect(result).toMatchObject({ outcome: "drafted", atomId: "ton-basics", todos: ["Cite at least one real source."], drafter: { by: "claude", requests: 1 } });
    expect(ai.requests[0]!.body.messages[0].content).toContain("No section of kb/sources/ is cited");
    expect(git(repo.bare, "ls-tree", "--name-only", "refs/heads/factory/kb-request-7", "kb/atoms/")).toContain("kb/atoms/ton-basics.json");
    const pull = gh.repo("owner/plc-kb").pulls[0]!;
    expect(pull.body).toContain("### A person must still write\n- [ ] Cite at least one real source.\n\n### A person must still check");
  });

  test("a refused key drafts offline with the reason; an overloaded API fails the job retryable with nothing pushed", async () => {
    ai.replies.push({ kind: "error", status: 401 });
    const refused = await handleKbRequest(payload(request()), { ...deps, writer: writer()! });
    expect(refused).toMatchObject({ outcome: "drafted", drafter: { by: "offline", requests: 0 } });
    if (refused.outcome === "drafted") expect(refused.notes.at(-1)).toMatch(/^claude-sonnet-4-6 was asked but its draft was not used: The Anthropic API rejected ANTHROPIC_API_KEY \(401 authentication_error\)/);
    expect(JSON.stringify(refused)).not.toContain(ai.apiKey);

    const before = git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7");
    ai.replies.push(...Array.from({ length: 4 }, () => ({ kind: "error" as const, status: 529 })));
    const err = await handleKbRequest(payload(request()), { ...deps, writer: writer()! }).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/^The Anthropic API is unavailable \(529 overloaded\) after 4 attempts; the KB request will be retried later\./) });
    expect(git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7")).toBe(before);
  });
});

describe("without a model", () => {
  test("no ANTHROPIC_API_KEY (or writer \"offline\") means no writer, and the offline draft is made as before, saying so", async () => {
    expect(kbRequestWriterFor({}, {})).toBeNull();
    expect(kbRequestWriterFor({ content: { writer: "offline" } }, env)).toBeNull();
    expect(() => kbRequestWriterFor({ content: { maxTokens: 5 } }, env)).toThrow(/settings\.content\.maxTokens/);
    const result = await handleKbRequest(payload(request()), deps);
    expect(ai.requests).toEqual([]);
    expect(result).toMatchObject({ outcome: "drafted", drafter: { by: "offline", model: null } });
    expect(branchAtom().body).toContain("TODO(person): explain TON on-delay timer");
    const pull = gh.repo("owner/plc-kb").pulls[0]!;
    expect(pull.body).toContain("Writer: the offline draft from the form's answers (no ANTHROPIC_API_KEY, so no model was asked).");
    expect(pull.body).toContain("### A person must still write\n- [ ] Write the lesson body");
    expect(pull.body).not.toContain("### A person must still check");
  });
});
