/**
 * The kb-request flow: a `factory.kb.request` job (an issue asking for a new atom) becomes a
 * drafted atom on the branch `factory/kb-request-<issue>`, one pull request for that branch, and
 * one comment on the issue linking it. An edit of the request runs the flow again: the same
 * branch gets a new commit, the same pull request (and comment) is updated, never a second one.
 *
 * The knowledge base is read from the base branch as the remote has it (git plumbing, the
 * checkout is not touched); the draft is validated with the same checks as `factory kb validate`
 * before anything is pushed. A branch whose last commit a person made is left alone.
 */
import { simpleGit } from "simple-git";
import type { KbRequestPayload } from "../../shared/jobs.ts";
import { SOURCES_INDEX_FILE, SourcesIndex } from "../../shared/sources.ts";
import { INDEX_FILE, buildIndex, indexText } from "../kb/index.ts";
import { ATOMS_DIR, COURSES_DIR } from "../kb/load.ts";
import { type KbFile, formatProblems, validateKnowledgeBase } from "../kb/validate.ts";
import { type GitHubClient, GitHubError, describeGitHubError, splitRepo } from "./client.ts";
import { commitOnto, fetchBranch, pushCommit } from "./branch-commit.ts";
import { type AtomDraft, type AtomWriter, type Drafter, DraftError, draftAtomFromRequest } from "./kb-request-draft.ts";

export interface KbRequestDeps {
  client: GitHubClient;
  /** A clone of the repository (its working tree, index and branches are left alone). */
  repoDir: string;
  /** The git remote that is the GitHub repository (default "origin"). */
  remote?: string;
  /** The branch the pull request targets (the branch the factory watches). */
  baseBranch: string;
  /** Who the draft commits are by; also how the factory recognizes its own commits. */
  author: { name: string; email: string };
  now: () => Date;
  /** For an https remote: the token git sends (Contents: Read and write); never logged. */
  gitToken?: string | null;
  /** A model-backed writer (ANTHROPIC_API_KEY); absent = the offline draft from the form. */
  writer?: AtomWriter;
}

export type KbRequestResult =
  | {
      outcome: "drafted";
      atomId: string;
      branch: string;
      commit: string;
      /** False when the draft was the same as the branch already held. */
      committed: boolean;
      pull: { number: number; url: string; created: boolean };
      comment: { id: number; created: boolean };
      todos: string[];
      notes: string[];
      /** Who wrote the atom (a model, with its usage, or the offline draft). */
      drafter: Drafter;
    }
  | { outcome: "refused" | "left-alone"; reason: string; branch: string; comment: { id: number; created: boolean } };

/** The branch a request's draft lives on. */
const requestBranch = (issue: number) => `factory/kb-request-${issue}`;
const marker = (issue: number) => `<!-- agent-factory:kb-request:${issue} -->`;

async function readKbAt(repoDir: string, commit: string): Promise<{ atoms: KbFile[]; courses: KbFile[]; sources: SourcesIndex | null; hasIndex: boolean }> {
  const git = simpleGit(repoDir);
  const names = (await git.raw(["ls-tree", "-r", "--name-only", commit, "--", ATOMS_DIR, COURSES_DIR, SOURCES_INDEX_FILE, INDEX_FILE])).split("\n").filter(Boolean);
  const show = (path: string) => git.raw(["show", `${commit}:${path}`]);
  const atoms: KbFile[] = [];
  const courses: KbFile[] = [];
  let sources: SourcesIndex | null = null;
  for (const file of names) {
    if (file.startsWith(`${ATOMS_DIR}/`) && file.endsWith(".json") && !file.slice(ATOMS_DIR.length + 1).includes("/")) atoms.push({ file, text: await show(file) });
    else if (file.startsWith(`${COURSES_DIR}/`) && file.endsWith(".json") && !file.slice(COURSES_DIR.length + 1).includes("/")) courses.push({ file, text: await show(file) });
    else if (file === SOURCES_INDEX_FILE) {
      try {
        const r = SourcesIndex.safeParse(JSON.parse(await show(file)));
        sources = r.success ? r.data : null;
      } catch {
        sources = null;
      }
    }
  }
  return { atoms, courses, sources, hasIndex: names.includes(INDEX_FILE) };
}

const OFFLINE: Drafter = { by: "offline", model: null };

/** One line naming the writer, for the pull request. */
function drafterLine(d: Drafter): string {
  if (d.by === "claude") return `Writer: **${d.model}** (Claude) wrote the atom from the request, the KB index and the cited source sections.`;
  if (d.model) return `Writer: the offline draft from the form's answers (${d.model} was asked, but its draft was not used: see the notes).`;
  return "Writer: the offline draft from the form's answers (no ANTHROPIC_API_KEY, so no model was asked).";
}

function pullBody(req: KbRequestPayload, draft: AtomDraft, path: string): string {
  const n = req.issue.number;
  const drafter = draft.drafter ?? OFFLINE;
  return [
    marker(n),
    `Drafted by Agent Factory from the request in #${n} (by @${req.issue.author}). Closes #${n}.`,
    drafterLine(drafter),
    "",
    `**${draft.atom.title}** → \`${path}\` (${draft.atom.kind}, ${draft.atom.level}). It passes \`factory kb validate\`.`,
    "",
    ...(draft.todos.length ? ["### A person must still write", ...draft.todos.map((t) => `- [ ] ${t}`)] : []),
    ...(drafter.by === "claude"
      ? [
          ...(draft.todos.length ? [""] : []),
          "### A person must still check",
          "- [ ] Every statement of the body against the cited sources: a model wrote it.",
          "- [ ] The prerequisites, kind, level and safety notes.",
        ]
      : []),
    "",
    "Search the diff for `TODO(person)`: nothing with that marker should be merged.",
    ...(draft.notes.length ? ["", "### Notes from drafting", ...draft.notes.map((t) => `- ${t}`)] : []),
    "",
    `Editing issue #${n} updates this pull request (the branch \`${requestBranch(n)}\` gets a new commit) as long as its last commit is the factory's. Once you push to the branch yourself, the factory leaves it alone.`,
  ].join("\n");
}

/** Creates or updates the factory's one comment on the issue. */
async function upsertComment(client: GitHubClient, repository: string, issue: number, text: string): Promise<{ id: number; created: boolean }> {
  const { owner, repo } = splitRepo(repository);
  const body = `${marker(issue)}\n${text}`;
  try {
    const comments = await client.paginate(client.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 });
    const mine = comments.find((c) => (c.body ?? "").startsWith(marker(issue)));
    if (mine) {
      if (mine.body !== body) await client.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
      return { id: mine.id, created: false };
    }
    const res = await client.rest.issues.createComment({ owner, repo, issue_number: issue, body });
    return { id: res.data.id, created: true };
  } catch (e) {
    throw describeGitHubError(e, `commenting on issue #${issue} of ${repository}`, "Issues: Read and write");
  }
}

/** Finds the pull request of `branch` (open or closed) and updates it, or opens one. */
async function upsertPull(
  client: GitHubClient,
  repository: string,
  branch: string,
  base: string,
  title: string,
  body: string,
): Promise<{ number: number; url: string; created: boolean } | { merged: { number: number; url: string } }> {
  const { owner, repo } = splitRepo(repository);
  try {
    const pulls = await client.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: "all", per_page: 100 });
    const existing = pulls.data.find((p) => p.state === "open") ?? pulls.data.find((p) => !p.merged_at) ?? pulls.data[0];
    if (existing?.merged_at) return { merged: { number: existing.number, url: existing.html_url } };
    if (existing) {
      await client.rest.pulls.update({ owner, repo, pull_number: existing.number, title, body, ...(existing.state === "closed" ? { state: "open" as const } : {}) });
      return { number: existing.number, url: existing.html_url, created: false };
    }
    const res = await client.rest.pulls.create({ owner, repo, title, head: branch, base, body, maintainer_can_modify: true });
    return { number: res.data.number, url: res.data.html_url, created: true };
  } catch (e) {
    throw describeGitHubError(e, `opening the pull request for ${branch} in ${repository}`, "Pull requests: Read and write");
  }
}

/**
 * Runs the flow for one request. Throws {@link GitHubError} (with `retryable`) when git or
 * GitHub fail; a request the factory cannot draft (no topic, an id taken) is answered with a
 * comment on the issue and returns `refused`.
 */
export async function handleKbRequest(req: KbRequestPayload, deps: KbRequestDeps): Promise<KbRequestResult> {
  const remote = deps.remote ?? "origin";
  const n = req.issue.number;
  const branch = requestBranch(n);
  const base = await fetchBranch(deps.repoDir, remote, deps.baseBranch, deps.gitToken);
  if (!base) throw new GitHubError(`the base branch ${deps.baseBranch} does not exist on ${remote}`, false);
  const head = await fetchBranch(deps.repoDir, remote, branch, deps.gitToken);

  if (head) {
    const lastAuthor = (await simpleGit(deps.repoDir).raw(["log", "-1", "--format=%ae", head])).trim();
    if (head !== base && lastAuthor !== deps.author.email) {
      const reason = `The branch \`${branch}\` has commits by someone else (last by ${lastAuthor}); the factory did not overwrite them. Edit the atom in the pull request, or delete the branch to have it drafted again.`;
      return { outcome: "left-alone", reason, branch, comment: await upsertComment(deps.client, req.repository, n, reason) };
    }
  }

  const kb = await readKbAt(deps.repoDir, base);
  const validBase = validateKnowledgeBase(kb.atoms, kb.courses);
  const knownAtoms = new Set((validBase.kb?.atoms ?? []).map((a) => a.id));
  if (!validBase.kb) {
    const reason = `The knowledge base on \`${deps.baseBranch}\` does not validate, so no atom was drafted:\n\n\`\`\`\n${formatProblems(validBase.problems).slice(0, 3000)}\n\`\`\``;
    return { outcome: "refused", reason, branch, comment: await upsertComment(deps.client, req.repository, n, reason) };
  }
  let draft: AtomDraft;
  try {
    const input = { request: req, knownAtoms, sources: kb.sources };
    draft = draftAtomFromRequest(input);
    if (deps.writer) draft = await deps.writer({ ...input, offline: draft, index: buildIndex(validBase.kb).atoms, repoDir: deps.repoDir });
  } catch (e) {
    if (!(e instanceof DraftError)) throw e;
    return { outcome: "refused", reason: e.message, branch, comment: await upsertComment(deps.client, req.repository, n, e.message) };
  }

  const path = `${ATOMS_DIR}/${draft.atom.id}.json`;
  const atomText = `${JSON.stringify(draft.atom, null, 2)}\n`;
  const checked = validateKnowledgeBase([...kb.atoms, { file: path, text: atomText }], kb.courses);
  if (!checked.kb) throw new GitHubError(`the drafted atom does not validate (a factory bug): ${formatProblems(checked.problems)}`, false);
  const files = [{ path, text: atomText }];
  if (kb.hasIndex) files.push({ path: INDEX_FILE, text: indexText(checked.kb) });

  // An earlier draft under another id (the request's id was edited) is removed from the branch.
  const parent = head ?? base;
  let remove: string[] = [];
  if (head) {
    const added = (await simpleGit(deps.repoDir).raw(["diff", "--name-only", "--diff-filter=A", base, head, "--", ATOMS_DIR])).split("\n").filter(Boolean);
    remove = added.filter((p) => p !== path);
  }
  const { commit, committed } = await commitOnto({
    repoDir: deps.repoDir,
    parent,
    files,
    remove,
    message: {
      subject: `kb: draft ${draft.atom.id} (request #${n})`,
      body:
        draft.drafter?.by === "claude"
          ? `Drafted by Agent Factory (${draft.drafter.model}) from issue #${n}. A person must still review it.`
          : `Drafted by Agent Factory from issue #${n}. A person must still write the parts marked TODO(person).`,
    },
    author: deps.author,
    now: deps.now(),
  });
  if (committed) await pushCommit(deps.repoDir, remote, commit, branch, deps.gitToken);

  const title = `KB request #${n}: ${draft.atom.title}`;
  const pull = await upsertPull(deps.client, req.repository, branch, deps.baseBranch, title, pullBody(req, draft, path));
  if ("merged" in pull) {
    const reason = `The draft's pull request #${pull.merged.number} was merged already; the edit was pushed to \`${branch}\` but no new pull request was opened. Open one from that branch if the change is wanted.`;
    return { outcome: "left-alone", reason, branch, comment: await upsertComment(deps.client, req.repository, n, reason) };
  }
  const drafter = draft.drafter ?? OFFLINE;
  const still = `A person must still write ${draft.todos.length} part${draft.todos.length === 1 ? "" : "s"} (listed in the pull request).`;
  const text = [
    `Drafted the atom \`${draft.atom.id}\` in ${pull.url} (branch \`${branch}\`)${drafter.by === "claude" ? ` with ${drafter.model}` : ""}.`,
    `${drafter.by === "claude" && !draft.todos.length ? "Review it against the cited sources before merging." : still} Editing this issue updates the same pull request.`,
  ].join("\n");
  const comment = await upsertComment(deps.client, req.repository, n, text);
  return { outcome: "drafted", atomId: draft.atom.id, branch, commit, committed, pull, comment, todos: draft.todos, notes: draft.notes, drafter };
}
