/**
 * Real git repositories for tests: a bare "upstream" (what GitHub would be) and a working
 * clone to commit and push from. Plain `git` through execFileSync: tests want the real thing.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.com",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs git in `cwd` and returns its trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** An upstream bare repository and a working clone of it. */
export interface TestRepo {
  /** Path of the bare repository: use it as a clone URL. */
  bare: string;
  /** Path of the working clone. */
  work: string;
  branch: string;
  /** Writes (string) or deletes (null) files, commits, and returns the new sha. Does not push. */
  commit(files: Record<string, string | null>, message?: string): string;
  /** Pushes the branch (force when asked) to the bare repository. */
  push(force?: boolean): void;
  /** commit + push. */
  commitAndPush(files: Record<string, string | null>, message?: string): string;
  /** The working clone's HEAD. */
  head(): string;
}

/** Creates a bare repository with one initial commit on `branch` (default main). */
export function createTestRepo(root?: string, opts: { branch?: string; files?: Record<string, string> } = {}): TestRepo {
  const base = root ?? mkdtempSync(join(tmpdir(), "factory-git-"));
  const branch = opts.branch ?? "main";
  const bare = join(base, "upstream.git");
  const work = join(base, "work");
  mkdirSync(bare, { recursive: true });
  git(bare, "init", "--bare", "-q", "-b", branch);
  mkdirSync(work, { recursive: true });
  git(work, "init", "-q", "-b", branch);
  git(work, "remote", "add", "origin", bare);
  const repo: TestRepo = {
    bare,
    work,
    branch,
    commit(files, message = "change") {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      git(work, "add", "-A");
      git(work, "commit", "-q", "--allow-empty", "-m", message);
      return repo.head();
    },
    push(force = false) {
      git(work, "push", "-q", ...(force ? ["--force"] : []), "origin", `HEAD:refs/heads/${branch}`);
    },
    commitAndPush(files, message) {
      const sha = repo.commit(files, message);
      repo.push();
      return sha;
    },
    head: () => git(work, "rev-parse", "HEAD"),
  };
  repo.commitAndPush(opts.files ?? { "README.md": "# test knowledge base\n" }, "initial commit");
  return repo;
}
