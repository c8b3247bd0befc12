/**
 * Commits files onto a remote branch without touching the checkout: the tree is built with git
 * plumbing in a private index (GIT_INDEX_FILE) from a parent commit, committed with
 * commit-tree, and pushed by sha (`git push <remote> <sha>:refs/heads/<branch>`). The worker's
 * working tree, index, HEAD and local branches stay exactly as they were (../git-tree.ts, shared
 * with worker/publish/writeback.ts). Real git through simple-git.
 */
import { simpleGit, type SimpleGit } from "simple-git";
import { type TreeFile, commitTree, writeTreeOnto } from "../git-tree.ts";
import { addTokenHeader } from "../sync.ts";
import { GitHubError } from "./client.ts";

export interface BranchCommitInput {
  repoDir: string;
  /** Parent commit (sha or ref). */
  parent: string;
  /** Files to write at their repository paths. */
  files: TreeFile[];
  /** Paths to delete from the parent's tree (missing ones are ignored). */
  remove?: string[];
  message: { subject: string; body: string };
  author: { name: string; email: string };
  now: Date;
}

/**
 * Builds and commits the tree; returns the new commit, or the parent when nothing would change.
 */
export async function commitOnto(input: BranchCommitInput): Promise<{ commit: string; committed: boolean }> {
  const parent = (await simpleGit(input.repoDir).raw(["rev-parse", "--verify", `${input.parent}^{commit}`])).trim();
  const { tree, unchanged } = await writeTreeOnto(input.repoDir, parent, input.files, input.remove);
  if (unchanged) return { commit: parent, committed: false };
  return { commit: await commitTree(input.repoDir, tree, parent, input.message, input.author, input.now), committed: true };
}

/**
 * git for talking to `remote`: with a token and an http(s) remote, the token goes to git as an
 * `http.<origin>/.extraheader` through GIT_CONFIG_* variables (worker/sync.ts), never in
 * a URL or an argument, so it is in no message and no process list.
 */
async function remoteGit(repoDir: string, remote: string, token: string | null | undefined): Promise<SimpleGit> {
  if (!token) return simpleGit(repoDir);
  const url = (await simpleGit(repoDir).raw(["remote", "get-url", remote])).trim();
  if (!/^https?:\/\//i.test(url)) return simpleGit(repoDir);
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never" };
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR", "SSL_CERT_FILE", "HTTPS_PROXY", "https_proxy", "NO_PROXY"]) if (process.env[name]) env[name] = process.env[name]!;
  addTokenHeader(env, url, token);
  return simpleGit({ baseDir: repoDir, allowEnvironment: Object.keys(env), unsafe: { allowUnsafeConfigEnvCount: true } } as Parameters<typeof simpleGit>[0]).env(env);
}

/** Fetches a remote branch into refs/remotes/<remote>/<branch>; returns its sha, or null when the remote has no such branch. */
export async function fetchBranch(repoDir: string, remote: string, branch: string, token?: string | null): Promise<string | null> {
  const git = await remoteGit(repoDir, remote, token);
  const tracking = `refs/remotes/${remote}/${branch}`;
  try {
    await git.raw(["fetch", "--quiet", "--no-tags", remote, `+refs/heads/${branch}:${tracking}`]);
  } catch (e) {
    if (/couldn't find remote ref|no such ref|not our ref/i.test((e as Error).message)) {
      // A branch deleted on the remote: forget the stale tracking ref too.
      await simpleGit(repoDir).raw(["update-ref", "-d", tracking]).catch(() => {});
      return null;
    }
    throw gitError(e, `fetching ${branch}`);
  }
  return (await simpleGit(repoDir).raw(["rev-parse", "--verify", tracking])).trim();
}

/**
 * Pushes `commit` to the remote branch. Not forced: when someone moved the branch meanwhile the
 * push is refused and retried later, rather than overwriting their work.
 */
export async function pushCommit(repoDir: string, remote: string, commit: string, branch: string, token?: string | null): Promise<void> {
  try {
    await (await remoteGit(repoDir, remote, token)).raw(["push", "--quiet", remote, `${commit}:refs/heads/${branch}`]);
  } catch (e) {
    const msg = (e as Error).message;
    if (/denied|forbidden|\b40[13]\b|authentication failed|could not read username|protected branch/i.test(msg)) {
      throw new GitHubError(`pushing ${branch} was refused: the worker needs push access to the repository (fine-grained token "Contents: Read and write", or a deploy key with write access; docs/github.md).`, false);
    }
    throw gitError(e, `pushing ${branch}`);
  }
}

function gitError(e: unknown, doing: string): GitHubError {
  // git's message names the remote URL; strip credentials that may be embedded in it.
  const msg = ((e as Error).message ?? String(e)).replace(/\/\/[^/@\s]+@/g, "//***@").trim().slice(0, 500);
  return new GitHubError(`${doing} failed: ${msg}. It will be retried.`, true);
}
