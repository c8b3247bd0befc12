/**
 * Write-back: the generated VideoScripts, committed as JSON to a side branch of the content
 * repository (default `factory/scripts`), never to the watched branch. Off by default.
 *
 * The commit is built with git plumbing in a private index (../git-tree.ts), so the checkout's
 * working tree, index and HEAD are never touched: a worker checkout or the owner's own clone
 * stays exactly as it was. Idempotent: when the tree would not change, no commit is made.
 * Real git through simple-git.
 */
import { simpleGit, type SimpleGit } from "simple-git";
import type { VideoScript } from "../../shared/models.ts";
import { commitTree, writeTreeOnto } from "../git-tree.ts";
import { StepError } from "../pipeline/types.ts";
import type { WritebackSettings } from "./settings.ts";

export interface WritebackInput {
  /** The content repository (a clone; its working tree is left alone). */
  repoDir: string;
  /** The branch the factory watches: refused as a target. */
  watchedBranch: string;
  settings: Pick<WritebackSettings, "branch" | "folder" | "remote">;
  scripts: VideoScript[];
  /** Other files to commit at their repository paths (additive: the learnt `kb/sim/<id>.solution.st`). */
  files?: { path: string; text: string }[];
  /** Who the commits are by. */
  author: { name: string; email: string };
  /** Commit time (injected clock). */
  now: Date;
}

export interface WritebackResult {
  /** The branch head after the write-back. */
  commit: string;
  /** False when nothing changed (no commit made). */
  committed: boolean;
  /** Whether it was pushed to the remote. */
  pushed: boolean;
  /** Files the commit changed, relative to the repository root. */
  changed: string[];
}

const shortBranch = (b: string) => b.replace(/^refs\/heads\//, "");

/** Commits the scripts to the write-back branch (and pushes it when a remote is set). */
export async function writeBack(input: WritebackInput): Promise<WritebackResult> {
  const branch = shortBranch(input.settings.branch);
  if (branch === shortBranch(input.watchedBranch)) {
    throw new StepError(
      `settings.publish.writeback.branch is "${branch}", the branch the factory watches. Pick another ` +
        '(the default is "factory/scripts"): writing there would trigger the factory again.',
      false,
    );
  }
  const git = simpleGit(input.repoDir);
  try {
    await git.raw(["check-ref-format", "--branch", branch]);
  } catch {
    throw new StepError(`settings.publish.writeback.branch "${branch}" is not a valid git branch name.`, false);
  }
  const ref = `refs/heads/${branch}`;
  const remote = input.settings.remote;
  const tracking = remote ? `refs/remotes/${remote}/${branch}` : null;

  if (remote) {
    // The remote's copy wins: another worker (or the owner) may have moved it.
    try {
      await git.raw(["fetch", "--quiet", remote, `+${ref}:${tracking}`]);
    } catch (e) {
      if (!/couldn't find remote ref|no such ref/i.test((e as Error).message)) throw retryable(e, "fetching");
    }
  }
  const localHead = await revParse(git, ref);
  const parent = (tracking && (await revParse(git, tracking))) || localHead;

  const folder = input.settings.folder.replace(/\/+$/, "");
  const scripts = [...input.scripts].sort((a, b) => a.atomId.localeCompare(b.atomId));
  const files = [
    ...scripts.map((s) => ({ path: `${folder}/${s.atomId}.json`, text: JSON.stringify(s, null, 2) + "\n" })),
    ...[...(input.files ?? [])].sort((a, b) => a.path.localeCompare(b.path)),
  ];
  const { tree, unchanged } = await writeTreeOnto(input.repoDir, parent, files);
  if (unchanged) {
    return { commit: parent!, committed: false, pushed: false, changed: [] };
  }
  const changed = (
    parent
      ? await git.raw(["diff-tree", "-r", "--name-only", "--no-commit-id", parent, tree])
      : await git.raw(["ls-tree", "-r", "--name-only", tree])
  ).split("\n").filter(Boolean);
  const atoms = changed.map((p) => p.split("/").pop()!.replace(/\.json$/, ""));
  const solutions = changed.filter((p) => p.endsWith(".solution.st"));
  const subject =
    solutions.length === changed.length
      ? `factory: add the learnt control program${solutions.length === 1 ? ` for ${atoms[0]!.replace(/\.solution\.st$/, "")}` : `s of ${solutions.length} tasks`}`
      : atoms.length === 1 ? `factory: update the lesson script for ${atoms[0]}` : `factory: update ${atoms.length} lesson scripts`;
  const body = `Written by Agent Factory from the knowledge base on ${shortBranch(input.watchedBranch)}.\n\n${atoms.map((a) => `- ${a}`).join("\n")}`;
  const commit = await commitTree(input.repoDir, tree, parent, { subject, body }, input.author, input.now);
  // Compare-and-swap: fails rather than overwrite a local branch that moved meanwhile.
  await git.raw(["update-ref", "-m", "factory write-back", ref, commit, localHead ?? "0".repeat(40)]);
  let pushed = false;
  if (remote) {
    try {
      await git.raw(["push", "--quiet", remote, `${ref}:${ref}`]);
      pushed = true;
    } catch (e) {
      if (/denied|forbidden|\b40[13]\b|authentication failed|could not read username|not allowed|protected branch|remote rejected|declined/i.test((e as Error).message)) {
        throw new StepError(
          `write-back: the remote refused the push of ${branch} (no write access). Give the worker push access ` +
            '(a deploy key with write access, or a token allowed to push), or set settings.publish.writeback.remote ' +
            "to null to commit locally only; then run the pipeline again.",
          false,
        );
      }
      throw retryable(e, "pushing");
    }
  }
  return { commit, committed: true, pushed, changed };
}

async function revParse(git: SimpleGit, ref: string): Promise<string | null> {
  try {
    return (await git.raw(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])).trim() || null;
  } catch {
    return null;
  }
}

function retryable(e: unknown, doing: string): StepError {
  // git's message names the remote URL; strip credentials that may be embedded in it.
  const msg = ((e as Error).message ?? String(e)).replace(/\/\/[^/@\s]+@/g, "//***@");
  return new StepError(`write-back: ${doing} the scripts branch failed: ${msg.trim().slice(0, 500)}. It will be retried.`, true);
}
