/**
 * Repository sync with simple-git: the worker's own checkout of a content repository, at
 * exactly the commit a job names.
 *
 * The checkout lives at WORK_DIR/repos/<owner>__<name> and belongs to the worker: it is cloned
 * on first use (into a temporary directory, renamed when complete, so a crash never leaves a
 * half clone), then fetched and force-checked-out (detached) at the job's sha, or at the branch
 * head when the job names none. Nothing is ever merged or pushed.
 *
 * A GitHub token for private repositories goes to git through the environment
 * (GIT_CONFIG_COUNT/KEY/VALUE: an `http.<origin>/.extraheader`), per command: it is never
 * written to .git/config, never on a command line, and masked in every error.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { isRepositoryName } from "../shared/jobs.ts";
import { silentLogger, maskSecrets } from "./log.ts";
import { StepError, type Logger } from "./pipeline/types.ts";

/** What to sync. */
export interface SyncOptions {
  /** WORK_DIR, absolute. */
  workDir: string;
  /** owner/name. */
  repository: string;
  /** Where to fetch from: the job's clone URL or a per-repository override (URL or local path). */
  cloneUrl: string;
  /** Branch to follow; null = the remote's default branch. */
  branch: string | null;
  /** Exact commit; null = the branch head. */
  sha: string | null;
  githubToken?: string | null;
  signal?: AbortSignal;
  log?: Logger;
}

/** Where the checkout is and what it holds. */
export interface SyncResult {
  dir: string;
  sha: string;
  branch: string;
  cloned: boolean;
}

/** The worker-owned checkout directory of a repository. */
export function checkoutDir(workDir: string, repository: string): string {
  return join(workDir, "repos", repository.replace(/[^A-Za-z0-9_.-]+/g, "__"));
}

/** Brings the worker's checkout of `repository` to exactly the wanted commit. */
export async function syncRepository(o: SyncOptions): Promise<SyncResult> {
  // The same rule the relay applies to webhooks (shared/jobs.ts): what it accepts, we sync.
  if (!isRepositoryName(o.repository)) {
    throw new StepError(
      `"${o.repository}" is not a repository name (owner/name with GitHub's characters): the job cannot be synced; delete it with "npx factory jobs".`,
      false,
    );
  }
  const log = o.log ?? silentLogger;
  const dir = checkoutDir(o.workDir, o.repository);
  const url = normaliseCloneUrl(o.cloneUrl);
  const secrets = tokenSecrets(o.githubToken);
  const where = redactUrl(url);
  const env = gitEnv(url, o.githubToken ?? null);
  const git = (baseDir: string) =>
    simpleGit({
      baseDir,
      abort: o.signal,
      // simple-git drops or refuses GIT_* variables unless named here: we name exactly the
      // environment we built (the user's own, minus editors and pagers, plus ours).
      allowEnvironment: Object.keys(env),
      // Only our own fixed arguments go to git; these allow the user's own environment
      // (GIT_SSH_COMMAND for SSH remotes, …) and our GIT_CONFIG_* token header through.
      unsafe: {
        allowUnsafeConfigEnvCount: true,
        allowUnsafeSshCommand: true,
        allowUnsafeAskPass: true,
        allowUnsafeConfigPaths: true,
        allowUnsafeGitProxy: true,
      },
    }).env(env);

  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason ?? e;
      throw gitFailure(what, o.repository, where, e, secrets);
    }
  };

  let cloned = false;
  if (!existsSync(join(dir, ".git"))) {
    await mkdir(join(o.workDir, "repos"), { recursive: true });
    const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
    await rm(dir, { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
    log.info(`cloning ${o.repository} from ${where}`);
    try {
      await run("clone", () => git(join(o.workDir, "repos")).clone(url, tmp, ["--no-checkout", "--no-tags"]));
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    cloned = true;
  }

  const repo = git(dir);
  // A hard reset leaves untracked files, and this checkout is the worker's: nothing there is kept.
  // The clean runs beside the fetch (which only touches refs and objects); the forced checkout
  // below then sets every tracked file, so cleaning first equals cleaning after, at no cost.
  // It runs directly rather than through simple-git, which waits 50 ms after any command that
  // printed nothing (a clean tree).
  const cleaning = run("clean", () => execGit(dir, ["clean", "-ffdxq"], env, o.signal)).then(
    () => null,
    (e: unknown) => e,
  );
  const fetching = fetchBranch(o.branch).then(
    (name) => ({ name }),
    (error: unknown) => ({ error }),
  );
  const [fetched, cleanError] = await Promise.all([fetching, cleaning]);
  if ("error" in fetched) throw fetched.error;
  if (cleanError) throw cleanError;
  const branch = fetched.name;

  async function fetchBranch(branch: string | null): Promise<string> {
    if (branch) {
      // Straight from the URL, not through the "origin" remote: one git process fewer per job, and
      // a changed per-repository clone URL takes effect without rewriting .git/config.
      // -v: simple-git waits an extra 50 ms after any command that printed nothing (a no-op fetch).
      await run("fetch", () => repo.fetch(["-v", "--no-tags", url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`]));
      return branch;
    }
    // No branch named: ask the remote for its default branch (needs the remote, kept at `url`).
    if (!cloned) await run("set remote", () => repo.remote(["set-url", "origin", url]));
    await run("fetch", () => repo.fetch(["--prune", "--no-tags", "origin"]));
    await run("find the default branch", () => repo.remote(["set-head", "origin", "--auto"]));
    const head = await run("find the default branch", () => repo.revparse(["--abbrev-ref", "origin/HEAD"]));
    return head.trim().replace(/^origin\//, "");
  }

  const target = o.sha ?? (await run("read the branch head", () => repo.revparse([`refs/remotes/origin/${branch}`]))).trim();
  const checkout = () => run("checkout", () => repo.raw(["checkout", "--force", "--detach", target]));
  try {
    await checkout();
  } catch (e) {
    if (!o.sha || o.signal?.aborted || (await hasCommit(repo, target))) throw e;
    // Not on the branch any more (or pushed to another branch): ask for the object itself.
    await repo.fetch(["--no-tags", url, target]).catch(() => undefined);
    if (!(await hasCommit(repo, target))) {
      throw new StepError(
        `commit ${target} does not exist in ${o.repository} (${where}): it was probably force-pushed away. ` +
          `Nothing to retry; push again (or run \`factory enqueue\`) to sync the current head.`,
        false,
      );
    }
    await checkout();
  }
  log.info(`synced ${o.repository} to ${target.slice(0, 12)}`, { sha: target, branch, cloned });
  return { dir, sha: target, branch, cloned };
}

function execGit(cwd: string, args: string[], env: Record<string, string>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile("git", args, { cwd, env, ...(signal ? { signal } : {}) }, (err, _stdout, stderr) =>
      err ? reject(new Error(`${String(stderr).trim() || err.message}`)) : resolvePromise(),
    );
  });
}

async function hasCommit(repo: SimpleGit, sha: string): Promise<boolean> {
  try {
    await repo.raw(["cat-file", "-e", `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/** Local paths become absolute (git resolves relative ones against the wrong directory). */
function normaliseCloneUrl(url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url)) return url;
  return isAbsolute(url) ? url : resolve(url);
}

/**
 * Editors, pagers and external tools a fetch or checkout never needs; simple-git refuses to
 * run with them set (they can run arbitrary programs), so they are left out of git's env.
 */
const NOT_FOR_GIT = new Set([
  "editor", "visual", "pager", "git_editor", "git_pager", "git_sequence_editor",
  "git_external_diff", "git_template_dir", "git_exec_path", "prefix",
]);

/** The environment of every git command: no prompts, and the token header when there is one. */
function gitEnv(url: string, token: string | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !NOT_FOR_GIT.has(k.toLowerCase())) env[k] = v;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  addTokenHeader(env, url, token);
  return env;
}

const basicAuth = (token: string) => Buffer.from(`x-access-token:${token}`).toString("base64");

/**
 * Adds `token` to git's environment `env` as an `http.<origin>/.extraheader` of `url`'s origin
 * (GIT_CONFIG_COUNT/KEY/VALUE, after any the environment already has), so it is never written to
 * .git/config nor on a command line. Nothing is added without a token or for a non-http(s) URL.
 */
export function addTokenHeader(env: Record<string, string | undefined>, url: string | null, token: string | null | undefined): void {
  if (!url || !token || !/^https?:\/\//i.test(url)) return;
  const n = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10) || 0;
  env.GIT_CONFIG_COUNT = String(n + 1);
  env[`GIT_CONFIG_KEY_${n}`] = `http.${new URL(url).origin}/.extraheader`;
  env[`GIT_CONFIG_VALUE_${n}`] = `AUTHORIZATION: Basic ${basicAuth(token)}`;
}

/** What to mask in git's messages for `token`: the token and the header value made from it. */
export function tokenSecrets(token: string | null | undefined): string[] {
  return token ? [token, basicAuth(token)] : [];
}

/** A URL with any user:password removed, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//***@");
}

const PERMANENT =
  /repository not found|repository '[^']*' does not exist|does not appear to be a git repository|not a git repository|authentication failed|could not read username|permission denied|couldn't find remote ref|HTTP 40[134]|returned error: 40[134]/i;

function gitFailure(what: string, repository: string, where: string, e: unknown, secrets: string[]): StepError {
  const raw = e instanceof Error ? e.message : String(e);
  const detail = maskSecrets(redactUrlsIn(raw), secrets)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 4)
    .join(" | ");
  const permanent = PERMANENT.test(raw);
  const hint = permanent
    ? `Check the clone URL (or "repositories"."${repository}"."cloneUrl" in factory.config.json) and, for a private repository, GITHUB_TOKEN.`
    : "This looks temporary (network); the job will be retried.";
  return new StepError(`git ${what} of ${repository} from ${where} failed: ${detail}. ${hint}`, !permanent);
}

function redactUrlsIn(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1***@");
}
