/**
 * Commits built with git plumbing, never touching a checkout: a tree is written in a private
 * index (GIT_INDEX_FILE) from a parent commit, then committed with commit-tree. The working tree,
 * index, HEAD and branches stay exactly as they were; callers move a ref or push the commit.
 * Shared by the scripts write-back (worker/publish/writeback.ts) and the KB request branches
 * (worker/github/branch-commit.ts). Real git through simple-git.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";

/** A file to write at its repository path. */
export interface TreeFile {
  path: string;
  text: string;
}

const WHO_NAMES = ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE"];

function plumbingGit(repoDir: string, extra: Record<string, string>): SimpleGit {
  // Only what local plumbing needs: simple-git refuses env that could run programs (EDITOR, …).
  const env: Record<string, string> = { ...extra };
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR"]) if (process.env[name]) env[name] = process.env[name]!;
  return simpleGit({ baseDir: repoDir, allowEnvironment: [...Object.keys(env), ...WHO_NAMES] } as Parameters<typeof simpleGit>[0]).env(env);
}

/**
 * Writes the tree of `parent` (a commit sha; null: an empty tree) with `remove` deleted (missing
 * paths are ignored) and `files` written over it, later files winning.
 * @returns the new tree and whether it equals the parent's (false without a parent)
 */
export async function writeTreeOnto(repoDir: string, parent: string | null, files: readonly TreeFile[], remove: readonly string[] = []): Promise<{ tree: string; unchanged: boolean }> {
  const scratch = await mkdtemp(join(tmpdir(), "factory-tree-"));
  const plumbing = plumbingGit(repoDir, { GIT_INDEX_FILE: join(scratch, "index") });
  try {
    await plumbing.raw(parent ? ["read-tree", parent] : ["read-tree", "--empty"]);
    for (const path of remove) await plumbing.raw(["update-index", "--force-remove", "--", path]);
    for (const [i, f] of files.entries()) {
      const tmp = join(scratch, `file-${i}`);
      await writeFile(tmp, f.text);
      const blob = (await plumbing.raw(["hash-object", "-w", "--", tmp])).trim();
      await plumbing.raw(["update-index", "--add", "--cacheinfo", `100644,${blob},${f.path}`]);
    }
    const tree = (await plumbing.raw(["write-tree"])).trim();
    const unchanged = parent !== null && tree === (await plumbing.raw(["rev-parse", `${parent}^{tree}`])).trim();
    return { tree, unchanged };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Commits `tree` on `parent` (null: a root commit), by `author` as author and committer at `now`. */
export async function commitTree(
  repoDir: string,
  tree: string,
  parent: string | null,
  message: { subject: string; body: string },
  author: { name: string; email: string },
  now: Date,
): Promise<string> {
  const when = `${Math.floor(now.getTime() / 1000)} +0000`;
  const who = {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_COMMITTER_DATE: when,
  };
  const args = ["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message.subject, "-m", message.body];
  return (await plumbingGit(repoDir, who).raw(args)).trim();
}
