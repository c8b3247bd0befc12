/**
 * Write-back: the generated VideoScripts, committed as JSON to a side branch of the content
 * repository (default `factory/scripts`), never to the watched branch. Off by default.
 *
 * The commit is built with git plumbing in a private index (GIT_INDEX_FILE), so the checkout's
 * working tree, index and HEAD are never touched: a worker checkout or the owner's own clone
 * stays exactly as it was. Idempotent: when the tree would not change, no commit is made.
 * Real git through simple-git.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import type { VideoScript } from "../../shared/models.ts";
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

  const scratch = await mkdtemp(join(tmpdir(), "factory-writeback-"));
  // Only what local plumbing needs: simple-git refuses env that could run programs (EDITOR, …).
  const env: Record<string, string> = { GIT_INDEX_FILE: join(scratch, "index") };
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR"]) if (process.env[name]) env[name] = process.env[name]!;
  const allowEnvironment = [...Object.keys(env), "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE"];
  const plumbing = simpleGit({ baseDir: input.repoDir, allowEnvironment }).env(env);
  try {
    await plumbing.raw(parent ? ["read-tree", parent] : ["read-tree", "--empty"]);
    const sorted = [...input.scripts].sort((a, b) => a.atomId.localeCompare(b.atomId));
    for (const script of sorted) {
      const file = join(scratch, `${script.atomId}.json`);
      await writeFile(file, JSON.stringify(script, null, 2) + "\n");
      const blob = (await plumbing.raw(["hash-object", "-w", "--", file])).trim();
      const path = `${input.settings.folder.replace(/\/+$/, "")}/${script.atomId}.json`;
      await plumbing.raw(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
    }
    for (const [i, extra] of [...(input.files ?? [])].sort((a, b) => a.path.localeCompare(b.path)).entries()) {
      const file = join(scratch, `extra-${i}`);
      await writeFile(file, extra.text);
      const blob = (await plumbing.raw(["hash-object", "-w", "--", file])).trim();
      await plumbing.raw(["update-index", "--add", "--cacheinfo", `100644,${blob},${extra.path}`]);
    }
    const tree = (await plumbing.raw(["write-tree"])).trim();
    const parentTree = parent ? (await git.raw(["rev-parse", `${parent}^{tree}`])).trim() : null;
    if (tree === parentTree) {
      return { commit: parent!, committed: false, pushed: false, changed: [] };
    }
    const changed = parent
      ? (await git.raw(["diff-tree", "-r", "--name-only", "--no-commit-id", parent, tree])).split("\n").filter(Boolean)
      : (await plumbing.raw(["ls-files"])).split("\n").filter(Boolean);
    const atoms = changed.map((p) => p.split("/").pop()!.replace(/\.json$/, ""));
    const solutions = changed.filter((p) => p.endsWith(".solution.st"));
    const subject =
      solutions.length === changed.length
        ? `factory: add the learnt control program${solutions.length === 1 ? ` for ${atoms[0]!.replace(/\.solution\.st$/, "")}` : `s of ${solutions.length} tasks`}`
        : atoms.length === 1 ? `factory: update the lesson script for ${atoms[0]}` : `factory: update ${atoms.length} lesson scripts`;
    const body = `Written by Agent Factory from the knowledge base on ${shortBranch(input.watchedBranch)}.\n\n${atoms.map((a) => `- ${a}`).join("\n")}`;
    const when = `${Math.floor(input.now.getTime() / 1000)} +0000`;
    const commitEnv = {
      ...env,
      GIT_AUTHOR_NAME: input.author.name,
      GIT_AUTHOR_EMAIL: input.author.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: input.author.name,
      GIT_COMMITTER_EMAIL: input.author.email,
      GIT_COMMITTER_DATE: when,
    };
    const commit = (
      await simpleGit({ baseDir: input.repoDir, allowEnvironment })
        .env(commitEnv)
        .raw(["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", subject, "-m", body])
    ).trim();
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
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
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
