/**
 * Commits files onto a remote branch without touching the checkout: the tree is built with git
 * plumbing in a private index (GIT_INDEX_FILE) from a parent commit, committed with
 * commit-tree, and pushed by sha (`git push <remote> <sha>:refs/heads/<branch>`). The worker's
 * working tree, index, HEAD and local branches stay exactly as they were (the same approach as
 * worker/publish/writeback.ts). Real git through simple-git.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { GitHubError } from "./client.ts";

export interface BranchCommitInput {
  repoDir: string;
  /** Parent commit (sha or ref). */
  parent: string;
  /** Files to write at their repository paths. */
  files: { path: string; text: string }[];
  /** Paths to delete from the parent's tree (missing ones are ignored). */
  remove?: string[];
  message: { subject: string; body: string };
  author: { name: string; email: string };
  now: Date;
}

const ENV_NAMES = ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE"];

function plumbingGit(repoDir: string, extra: Record<string, string>): SimpleGit {
  // Only what local plumbing needs: simple-git refuses env that could run programs (EDITOR, …).
  const env: Record<string, string> = { ...extra };
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR"]) if (process.env[name]) env[name] = process.env[name]!;
  return simpleGit({ baseDir: repoDir, allowEnvironment: [...Object.keys(env), ...ENV_NAMES] } as Parameters<typeof simpleGit>[0]).env(env);
}

/**
 * Builds and commits the tree; returns the new commit, or the parent when nothing would change.
 */
export async function commitOnto(input: BranchCommitInput): Promise<{ commit: string; committed: boolean }> {
  const git = simpleGit(input.repoDir);
  const parent = (await git.raw(["rev-parse", "--verify", `${input.parent}^{commit}`])).trim();
  const scratch = await mkdtemp(join(tmpdir(), "factory-branch-"));
  const index = { GIT_INDEX_FILE: join(scratch, "index") };
  const plumbing = plumbingGit(input.repoDir, index);
  try {
    await plumbing.raw(["read-tree", parent]);
    for (const path of input.remove ?? []) await plumbing.raw(["update-index", "--force-remove", "--", path]);
    for (const [i, f] of input.files.entries()) {
      const tmp = join(scratch, `file-${i}`);
      await writeFile(tmp, f.text);
      const blob = (await plumbing.raw(["hash-object", "-w", "--", tmp])).trim();
      await plumbing.raw(["update-index", "--add", "--cacheinfo", `100644,${blob},${f.path}`]);
    }
    const tree = (await plumbing.raw(["write-tree"])).trim();
    if (tree === (await git.raw(["rev-parse", `${parent}^{tree}`])).trim()) return { commit: parent, committed: false };
    const when = `${Math.floor(input.now.getTime() / 1000)} +0000`;
    const who = {
      GIT_AUTHOR_NAME: input.author.name,
      GIT_AUTHOR_EMAIL: input.author.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: input.author.name,
      GIT_COMMITTER_EMAIL: input.author.email,
      GIT_COMMITTER_DATE: when,
    };
    const commit = (await plumbingGit(input.repoDir, { ...index, ...who }).raw(["commit-tree", tree, "-p", parent, "-m", input.message.subject, "-m", input.message.body])).trim();
    return { commit, committed: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * git for talking to `remote`: with a token and an http(s) remote, the token goes to git as an
 * `http.<origin>/.extraheader` through GIT_CONFIG_* variables (as worker/sync.ts does), never in
 * a URL or an argument, so it is in no message and no process list.
 */
async function remoteGit(repoDir: string, remote: string, token: string | null | undefined): Promise<SimpleGit> {
  if (!token) return simpleGit(repoDir);
  const url = (await simpleGit(repoDir).raw(["remote", "get-url", remote])).trim();
  if (!/^https?:\/\//i.test(url)) return simpleGit(repoDir);
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never" };
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR", "SSL_CERT_FILE", "HTTPS_PROXY", "https_proxy", "NO_PROXY"]) if (process.env[name]) env[name] = process.env[name]!;
  env.GIT_CONFIG_COUNT = "1";
  env.GIT_CONFIG_KEY_0 = `http.${new URL(url).origin}/.extraheader`;
  env.GIT_CONFIG_VALUE_0 = `AUTHORIZATION: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
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
