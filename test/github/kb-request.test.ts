/**
 * The whole kb-request path: an issue's form answers → a drafted, valid atom pushed on
 * factory/kb-request-<n> of a real bare git remote → one pull request and one issue comment
 * through @octokit/rest against the loopback GitHub fake; an edit updates the same branch, pull
 * request and comment.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { KbRequestPayload } from "../../shared/jobs.ts";
import { PLCAtom } from "../../shared/models.ts";
import { createGitHubClient } from "../../worker/github/client.ts";
import { FORM_FIELDS, parseIssueForm } from "../../worker/github/kb-request-draft.ts";
import { handleKbRequest, type KbRequestDeps } from "../../worker/github/kb-request.ts";
import { indexText } from "../../worker/kb/index.ts";
import { validateKnowledgeBase } from "../../worker/kb/validate.ts";
import { summarizeSources, sourcesIndexText } from "../../worker/kb/sources.ts";
import { FakeGitHub } from "../fakes/github.ts";
import { createTestRepo, git, type TestRepo } from "../helpers/git.ts";
import { startGitHttpServer } from "../worker/git-http-server.ts";
import { atomJson, courseJson } from "../kb/helpers.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
const TOKEN = "github_pat_fake_0123456789";
const FACTORY = { name: "Agent Factory", email: "factory@example.com" };

/** An issue body as GitHub renders an issue form's answers. */
function formBody(answers: Record<string, string>): string {
  return Object.entries(FORM_FIELDS)
    .map(([label, id]) => `### ${label}\n\n${answers[id] || "_No response_"}`)
    .join("\n\n");
}

function payload(body: string, number = 7): KbRequestPayload {
  return KbRequestPayload.parse({
    repository: "owner/plc-kb",
    issue: { number, title: "[KB] TON on-delay timer", body, author: "owner", labels: ["kb-request"] },
  });
}

let root: string;
let repo: TestRepo;
let checkout: string;
let gh: FakeGitHub;
let deps: KbRequestDeps;
let manualSection: number;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), "factory-kb-request-"));
  const atoms = { "what-is-a-plc": atomJson("what-is-a-plc"), "ohms-law": atomJson("ohms-law") };
  const files: Record<string, string> = { "kb/sources/cd400-manual.md": MANUAL, "kb/courses/basics.json": JSON.stringify(courseJson("basics", ["what-is-a-plc", "ohms-law"]), null, 2) };
  for (const [id, a] of Object.entries(atoms)) files[`kb/atoms/${id}.json`] = `${JSON.stringify(a, null, 2)}\n`;
  const kb = validateKnowledgeBase(Object.entries(atoms).map(([id, a]) => ({ file: `kb/atoms/${id}.json`, text: JSON.stringify(a) })), []).kb!;
  files["kb/index.json"] = indexText(kb);
  repo = createTestRepo(root, { files });
  const sources = await summarizeSources(repo.work);
  manualSection = sources.index.sources[0]!.sections.find((s) => s.title === "4.1 Quick setup")!.n;
  repo.commitAndPush({ "kb/sources/index.json": sourcesIndexText(sources.index) }, "summaries");
  checkout = join(root, "worker-checkout");
  execFileSync("git", ["clone", "-q", repo.bare, checkout]);
  gh = new FakeGitHub();
  gh.addRepo("owner/plc-kb", { gitDir: repo.bare, issues: [7, 9] });
  await gh.start();
  deps = { client: createGitHubClient({ token: TOKEN, apiUrl: gh.url }), repoDir: checkout, baseBranch: "main", author: FACTORY, now: () => new Date("2026-12-01T12:00:00Z") };
});
afterEach(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

const branchFile = (path: string, branch = "factory/kb-request-7") => git(repo.bare, "show", `refs/heads/${branch}:${path}`);

describe("a KB request issue", () => {
  test("becomes a valid drafted atom on its branch, one pull request and one comment linking it", async () => {
    const headBefore = git(checkout, "rev-parse", "HEAD");
    const body = formBody({
      topic: "TON on-delay timer",
      "atom-id": "ton-timer",
      kind: "concept",
      level: "beginner",
      summary: "How a TON timer delays switching on, and how to read its timing diagram.",
      "key-points": "- IN must stay true for PT\n- Q goes true after PT\n- ET counts up while IN is true",
      prerequisites: "what-is-a-plc, no-such-atom",
      sources: `kb/sources/cd400-manual.md#${manualSection}\nhttps://example.com/iec-61131-3`,
      safety: "Never rely on a timer for a safety function.",
    });
    const result = await handleKbRequest(payload(body), deps);
    expect(gh.problems).toEqual([]);
    expect(result.outcome).toBe("drafted");
    if (result.outcome !== "drafted") return;
    expect(result.pull).toEqual({ number: 10, url: "https://github.com/owner/plc-kb/pull/10", created: true });
    expect(result.comment.created).toBe(true);

    // The branch holds a schema-valid atom with TODO markers and the checked references.
    const atom = PLCAtom.parse(JSON.parse(branchFile("kb/atoms/ton-timer.json")));
    expect(atom).toMatchObject({ id: "ton-timer", title: "TON on-delay timer", kind: "concept", level: "beginner", prerequisites: ["what-is-a-plc"] });
    expect(atom.body).toContain("TODO(person)");
    expect(atom.body).toContain("- Q goes true after PT");
    expect(atom.sources).toEqual([
      { title: "kb/sources/cd400-manual.md: 4.1 Quick setup", path: "kb/sources/cd400-manual.md", section: manualSection },
      { title: "example.com", url: "https://example.com/iec-61131-3" },
    ]);
    expect(atom.safetyNotes).toEqual(["Never rely on a timer for a safety function."]);
    expect(JSON.parse(branchFile("kb/index.json")).atoms.map((a: { id: string }) => a.id)).toEqual(["ohms-law", "ton-timer", "what-is-a-plc"]);
    expect(git(repo.bare, "log", "-1", "--format=%an <%ae>|%s", "refs/heads/factory/kb-request-7")).toBe("Agent Factory <factory@example.com>|kb: draft ton-timer (request #7)");
    expect(git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7^")).toBe(git(repo.bare, "rev-parse", "refs/heads/main"));

    // One pull request, from the branch to main, saying what a person must still write.
    const pulls = gh.repo("owner/plc-kb").pulls;
    expect(pulls.map((p) => [p.number, p.head, p.base, p.title])).toEqual([[10, "factory/kb-request-7", "main", "KB request #7: TON on-delay timer"]]);
    expect(pulls[0]!.body).toContain("Closes #7");
    expect(pulls[0]!.body).toContain("### A person must still write\n- [ ] Write the lesson body");
    expect(pulls[0]!.body).toContain('Prerequisite "no-such-atom" is not an atom in kb/index.json; left out.');
    const comments = gh.repo("owner/plc-kb").comments;
    expect(comments.map((c) => c.issue)).toEqual([7]);
    expect(comments[0]!.body).toContain("Drafted the atom `ton-timer` in https://github.com/owner/plc-kb/pull/10");

    // The worker's checkout is exactly as it was.
    expect(git(checkout, "rev-parse", "HEAD")).toBe(headBefore);
    expect(git(checkout, "status", "--porcelain")).toBe("");
    expect(git(checkout, "branch", "--list", "factory/*")).toBe("");
    expect(gh.authHeaders.every((h) => h === `token ${TOKEN}`)).toBe(true);
  });

  test("an edit of the request updates the same branch, pull request and comment; a repeat changes nothing", async () => {
    const first = await handleKbRequest(payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-timer", kind: "concept", level: "beginner" })), deps);
    const firstHead = git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7");
    const edited = payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-timer", kind: "procedure", level: "intermediate", "key-points": "Wire a start button to IN" }));
    const second = await handleKbRequest(edited, deps);
    expect(gh.problems).toEqual([]);
    expect(first.outcome).toBe("drafted");
    expect(second).toMatchObject({ outcome: "drafted", committed: true, pull: { number: 10, created: false }, comment: { created: false } });
    expect(git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7^")).toBe(firstHead);
    expect(JSON.parse(branchFile("kb/atoms/ton-timer.json"))).toMatchObject({ kind: "procedure", level: "intermediate" });
    expect(gh.repo("owner/plc-kb").pulls).toHaveLength(1);
    expect(gh.repo("owner/plc-kb").comments).toHaveLength(1);
    expect(gh.log.filter((l) => l.startsWith("POST /repos/owner/plc-kb/pulls"))).toHaveLength(1);
    expect(gh.log).toContain("PATCH /repos/owner/plc-kb/pulls/10");

    const third = await handleKbRequest(edited, deps);
    expect(third).toMatchObject({ outcome: "drafted", committed: false, pull: { number: 10, created: false } });
    expect(git(repo.bare, "rev-list", "--count", "main..refs/heads/factory/kb-request-7")).toBe("2");
  });

  test("a changed atom id moves the draft: the old file leaves the branch", async () => {
    await handleKbRequest(payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-timer", kind: "concept", level: "beginner" })), deps);
    await handleKbRequest(payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-on-delay", kind: "concept", level: "beginner" })), deps);
    const files = git(repo.bare, "ls-tree", "-r", "--name-only", "refs/heads/factory/kb-request-7", "kb/atoms").split("\n");
    expect(files).toEqual(["kb/atoms/ohms-law.json", "kb/atoms/ton-on-delay.json", "kb/atoms/what-is-a-plc.json"]);
    expect(gh.repo("owner/plc-kb").pulls).toHaveLength(1);
  });

  test("a branch a person pushed to is left alone, and the issue says why", async () => {
    await handleKbRequest(payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-timer", kind: "concept", level: "beginner" })), deps);
    git(repo.work, "fetch", "-q", "origin", "factory/kb-request-7");
    git(repo.work, "checkout", "-q", "-b", "person", "FETCH_HEAD");
    repo.commit({ "kb/atoms/ton-timer.json": `${JSON.stringify(atomJson("ton-timer"), null, 2)}\n` }, "write the body");
    git(repo.work, "push", "-q", "origin", "HEAD:refs/heads/factory/kb-request-7");
    const personHead = git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7");
    const result = await handleKbRequest(payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-timer", kind: "fault", level: "advanced" })), deps);
    expect(result.outcome).toBe("left-alone");
    expect(git(repo.bare, "rev-parse", "refs/heads/factory/kb-request-7")).toBe(personHead);
    expect(gh.repo("owner/plc-kb").comments).toHaveLength(1);
    expect(gh.repo("owner/plc-kb").comments[0]!.body).toContain("has commits by someone else (last by author@example.com)");
    expect(gh.problems).toEqual([]);
  });

  test("a request for an atom that exists is answered on the issue, with no branch and no pull request", async () => {
    const result = await handleKbRequest(payload(formBody({ topic: "Ohm's law", "atom-id": "ohms-law", kind: "concept", level: "beginner" }), 9), deps);
    expect(result).toMatchObject({ outcome: "refused", comment: { created: true } });
    expect(gh.repo("owner/plc-kb").comments[0]!.body).toContain('An atom "ohms-law" exists already (kb/atoms/ohms-law.json)');
    expect(gh.repo("owner/plc-kb").pulls).toEqual([]);
    expect(git(repo.bare, "branch", "--list", "factory/*")).toBe("");
    expect(gh.problems).toEqual([]);
  });
});

describe("a private repository over HTTPS", () => {
  test("git fetches and pushes with the token as a header, never in the URL", async () => {
    const server = await startGitHttpServer(root, TOKEN);
    try {
      git(checkout, "remote", "set-url", "origin", `${server.url}/upstream.git`);
      const result = await handleKbRequest(payload(formBody({ topic: "TON on-delay timer", "atom-id": "ton-timer", kind: "concept", level: "beginner" })), { ...deps, gitToken: TOKEN });
      expect(result.outcome).toBe("drafted");
      expect(git(repo.bare, "ls-tree", "--name-only", "refs/heads/factory/kb-request-7", "kb/atoms/")).toContain("kb/atoms/ton-timer.json");
      const basic = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
      expect(server.authorizations.filter((a) => a !== undefined).every((a) => a === basic)).toBe(true);
      expect(server.authorizations).toContain(basic);
      expect(git(checkout, "remote", "get-url", "origin")).toBe(`${server.url}/upstream.git`);
      expect(git(checkout, "config", "--list")).not.toContain(TOKEN);
    } finally {
      await server.close();
    }
  });
});

describe("the issue form", () => {
  test("kb-request-form.yml has every field the parser reads, by id and label", () => {
    const yml = readFileSync(join(here, "../../worker/github/kb-request-form.yml"), "utf8");
    for (const [label, id] of Object.entries(FORM_FIELDS)) {
      expect(yml).toMatch(new RegExp(`id: ${id}\\n\\s+attributes:\\n\\s+label: ${label.replace(/[-/\\^$*+?.()|[\]{}]/g, "\\$&")}\\n`));
    }
    expect(yml).toContain('labels: ["kb-request"]');
  });

  test("answers are read back from the body GitHub renders, empty ones as empty", () => {
    expect(parseIssueForm("### Topic\n\nTON timer\n\n### Atom id\n\n_No response_\n\n### Key points\n\n- one\n- two")).toEqual({ topic: "TON timer", "atom-id": "", "key-points": "- one\n- two" });
  });
});

describe("runKbRequestJob (the job handler's entry)", () => {
  test("a malformed payload or a missing token fails the job without retries, saying what to fix", async () => {
    const { runKbRequestJob } = await import("../../worker/github/jobs.ts");
    const job = { id: "j1", type: "factory.kb.request", payload: { repository: "owner/plc-kb", issue: { number: 0, title: "x" } } };
    const err = await runKbRequestJob(job, { githubToken: TOKEN }, { dir: checkout, branch: "main" }, { now: () => new Date() }).catch((e: unknown) => e);
    expect((err as { retryable: boolean }).retryable).toBe(false);
    expect((err as Error).message).toMatch(/^job j1 has a malformed factory\.kb\.request payload \(issue\.number: .*; issue\.author: /);
    const ok = { ...job, payload: payload(formBody({ topic: "TON" })) };
    const noToken = await runKbRequestJob(ok, { githubToken: null }, { dir: checkout, branch: "main" }, { now: () => new Date() }).catch((e: unknown) => e);
    expect((noToken as Error).message).toBe("a KB request needs GITHUB_TOKEN: a fine-grained token with Contents, Pull requests and Issues write (docs/github.md)");
    expect(gh.log).toEqual([]);
  });
});
