import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkoutDir, syncRepository } from "../../worker/sync.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { createTestRepo, git } from "../helpers/git.ts";
import { startGitHttpServer } from "./git-http-server.ts";
import { dirname, basename } from "node:path";

const tmp = () => mkdtempSync(join(tmpdir(), "factory-sync-"));

describe("syncRepository", () => {
  it("clones on first use and checks out exactly the job's sha", async () => {
    const repo = createTestRepo();
    const first = repo.commitAndPush({ "kb/a.md": "one" });
    const second = repo.commitAndPush({ "kb/a.md": "two" });
    const workDir = tmp();
    const r = await syncRepository({ workDir, repository: "acme/kb", cloneUrl: repo.bare, branch: "main", sha: first });
    expect(r).toMatchObject({ sha: first, cloned: true, branch: "main", dir: checkoutDir(workDir, "acme/kb") });
    expect(r.dir).toBe(join(workDir, "repos", "acme__kb"));
    expect(readFileSync(join(r.dir, "kb/a.md"), "utf8")).toBe("one");
    const again = await syncRepository({ workDir, repository: "acme/kb", cloneUrl: repo.bare, branch: "main", sha: second });
    expect(again).toMatchObject({ sha: second, cloned: false });
    expect(readFileSync(join(r.dir, "kb/a.md"), "utf8")).toBe("two");
  });

  it("takes the branch head when the job names no sha, and the default branch when it names none", async () => {
    const repo = createTestRepo();
    const head = repo.commitAndPush({ "x.txt": "x" });
    const workDir = tmp();
    expect((await syncRepository({ workDir, repository: "a/b", cloneUrl: repo.bare, branch: "main", sha: null })).sha).toBe(head);
    const newer = repo.commitAndPush({ "x.txt": "y" });
    const r = await syncRepository({ workDir, repository: "a/b", cloneUrl: repo.bare, branch: null, sha: null });
    expect(r).toMatchObject({ sha: newer, branch: "main" });
  });

  it("throws away local edits and untracked files in its own checkout (hard reset, no merge)", async () => {
    const repo = createTestRepo();
    const sha = repo.commitAndPush({ "a.txt": "upstream" });
    const workDir = tmp();
    const { dir } = await syncRepository({ workDir, repository: "a/b", cloneUrl: repo.bare, branch: "main", sha });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "a.txt"), "local edit");
    writeFileSync(join(dir, "junk.txt"), "untracked");
    await syncRepository({ workDir, repository: "a/b", cloneUrl: repo.bare, branch: "main", sha });
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("upstream");
    expect(existsSync(join(dir, "junk.txt"))).toBe(false);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  it("fails non-retryably, naming the sha, when the commit does not exist upstream", async () => {
    const repo = createTestRepo();
    const workDir = tmp();
    const missing = "0123456789abcdef0123456789abcdef01234567";
    const err = await syncRepository({ workDir, repository: "a/b", cloneUrl: repo.bare, branch: "main", sha: missing }).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(missing);
    expect(err.message).toContain("a/b");
  });

  it("still finds a commit that was force-pushed off the branch while it is upstream", async () => {
    const repo = createTestRepo();
    const base = repo.head();
    const orphan = repo.commitAndPush({ "a.txt": "soon gone" });
    git(repo.work, "reset", "-q", "--hard", base);
    repo.commit({ "b.txt": "replacement" });
    repo.push(true);
    git(repo.bare, "update-ref", "refs/keep/orphan", orphan); // still an object upstream
    git(repo.bare, "config", "uploadpack.allowAnySHA1InWant", "true");
    const r = await syncRepository({ workDir: tmp(), repository: "a/b", cloneUrl: repo.bare, branch: "main", sha: orphan });
    expect(r.sha).toBe(orphan);
  });

  it("fails non-retryably with a hint when the repository path does not exist", async () => {
    const err = await syncRepository({
      workDir: tmp(),
      repository: "a/b",
      cloneUrl: join(tmp(), "nope.git"),
      branch: "main",
      sha: null,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/git clone of a\/b .* failed/);
    expect(err.message).toContain("cloneUrl");
  });

  it("treats an unreachable host as temporary (retryable)", async () => {
    const err = await syncRepository({
      workDir: tmp(),
      repository: "a/b",
      cloneUrl: "http://127.0.0.1:9/a/b.git",
      branch: "main",
      sha: null,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(true);
  });

  it("never writes the GitHub token to .git/config or into an error message", async () => {
    const token = "ghp_SECRETSECRETSECRET1234567890";
    const repo = createTestRepo();
    const workDir = tmp();
    await syncRepository({ workDir, repository: "a/b", cloneUrl: repo.bare, branch: "main", sha: null, githubToken: token });
    const config = readFileSync(join(checkoutDir(workDir, "a/b"), ".git", "config"), "utf8");
    expect(config).not.toContain(token);
    const err = await syncRepository({
      workDir: tmp(),
      repository: "a/b",
      cloneUrl: `http://user:${token}@127.0.0.1:9/a/b.git`,
      branch: "main",
      sha: null,
      githubToken: token,
    }).catch((e) => e);
    expect(String(err.message)).not.toContain(token);
    expect(String(err.message)).not.toContain(Buffer.from(`x-access-token:${token}`).toString("base64"));
  });

  it("follows a changed clone URL (per-repository override) for an existing checkout", async () => {
    const a = createTestRepo();
    const b = createTestRepo();
    const shaB = b.commitAndPush({ "b.txt": "mirror" });
    const workDir = tmp();
    await syncRepository({ workDir, repository: "a/b", cloneUrl: a.bare, branch: "main", sha: null });
    const r = await syncRepository({ workDir, repository: "a/b", cloneUrl: b.bare, branch: "main", sha: shaB });
    expect(r.sha).toBe(shaB);
  });

  it("stops when its signal is aborted", async () => {
    const repo = createTestRepo();
    const ac = new AbortController();
    ac.abort(new Error("shutting down"));
    const err = await syncRepository({ workDir: tmp(), repository: "a/b", cloneUrl: repo.bare, branch: "main", sha: null, signal: ac.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StepError);
  });

  it("syncs a private repository over HTTP with GITHUB_TOKEN, and fails for good without it", async () => {
    const token = "ghp_PRIVATEPRIVATE0123456789";
    const repo = createTestRepo();
    const sha = repo.commitAndPush({ "kb/private.md": "secret lesson" });
    const server = await startGitHttpServer(dirname(repo.bare), token);
    try {
      const cloneUrl = `${server.url}/${basename(repo.bare)}`;
      const workDir = tmp();
      const r = await syncRepository({ workDir, repository: "me/private", cloneUrl, branch: "main", sha, githubToken: token });
      expect(r.sha).toBe(sha);
      expect(readFileSync(join(r.dir, "kb/private.md"), "utf8")).toBe("secret lesson");
      expect(server.authorizations.every((a) => a === `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`)).toBe(true);
      expect(readFileSync(join(r.dir, ".git", "config"), "utf8")).not.toContain(token);
      const next = repo.commitAndPush({ "kb/private.md": "v2" });
      expect((await syncRepository({ workDir, repository: "me/private", cloneUrl, branch: "main", sha: next, githubToken: token })).sha).toBe(next);

      const err = await syncRepository({ workDir: tmp(), repository: "me/private", cloneUrl, branch: "main", sha, githubToken: null }).catch((e) => e);
      expect(err).toBeInstanceOf(StepError);
      expect(err.retryable).toBe(false);
      expect(err.message).toContain("GITHUB_TOKEN");
    } finally {
      await server.close();
    }
  });

  it("refuses a repository name outside the shared rule (the relay refuses the same names), without touching the disk", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "factory-sync-name-"));
    for (const repository of ["../escape", "a/..", "-x/y", "x y/z"]) {
      const err = await syncRepository({ workDir, repository, cloneUrl: "/nonexistent", branch: "main", sha: null }).catch((e) => e);
      expect(err).toBeInstanceOf(StepError);
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/is not a repository name/);
    }
    expect(existsSync(join(workDir, "repos"))).toBe(false);
  });
});
