/**
 * The git side of a release job: the commit a release's tag names (the release event carries
 * no sha), and the knowledge base as it was at that commit, read from git objects so the
 * worker's checkout is neither moved nor touched.
 *
 * Git runs with fixed arguments (the tag goes in as part of `refs/tags/<tag>`, after
 * `git check-ref-format` accepted it). A token for a private repository goes to git through
 * the environment (an `http.<origin>/.extraheader`, as worker/sync.ts does), never on a command
 * line, and is masked in every message.
 */
import { execFile, spawn } from "node:child_process";
import type { KnowledgeBase } from "../pipeline/types.ts";
import { StepError } from "../pipeline/types.ts";
import { ATOMS_DIR, COURSES_DIR, MAX_FILE_BYTES } from "../kb/load.ts";
import { formatProblems, type KbFile, type KbProblem, validateKnowledgeBase } from "../kb/validate.ts";
import { maskSecrets } from "../log.ts";
import { addTokenHeader, redactUrl, tokenSecrets } from "../sync.ts";

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env, maxBuffer: 64 * 1024 * 1024, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== "number") return reject(err);
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** git's environment: no prompts, and the token as an HTTP header when there is one. */
function gitEnv(url: string | null, token: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never" };
  addTokenHeader(env, url, token);
  return env;
}

/** What {@link resolveReleaseTag} needs. */
export interface ResolveTagOptions {
  /** The repository's checkout (a git work tree or bare repository). */
  repoDir: string;
  repository: string;
  tag: string;
  /** Where to fetch the tag from (clone URL or path); null = only look in the checkout. */
  fetchUrl?: string | null;
  githubToken?: string | null;
  signal?: AbortSignal;
}

/**
 * The commit `tag` names. Fetches the tag first when a URL is given (a tag may be new, or moved
 * since), falling back to the checkout's copy when the network fails. Throws a non-retryable
 * StepError naming the tag when it is not a valid tag name or does not exist; a retryable one
 * when it could not be fetched and is not in the checkout.
 */
export async function resolveReleaseTag(o: ResolveTagOptions): Promise<string> {
  const ref = `refs/tags/${o.tag}`;
  const env = gitEnv(o.fetchUrl ?? null, o.githubToken ?? null);
  const secrets = tokenSecrets(o.githubToken);
  if (o.tag.startsWith("-") || (await runGit(o.repoDir, ["check-ref-format", ref], env, o.signal)).code !== 0) {
    throw new StepError(`release tag "${o.tag}" of ${o.repository} is not a valid git tag name: nothing to publish.`, false);
  }
  let fetchProblem: string | null = null;
  if (o.fetchUrl) {
    const fetched = await runGit(o.repoDir, ["fetch", "--no-tags", "--quiet", o.fetchUrl, `+${ref}:${ref}`], env, o.signal);
    if (fetched.code !== 0) {
      const detail = maskSecrets(fetched.stderr.trim().split("\n").slice(0, 3).join(" | "), secrets);
      if (/couldn't find remote ref|no such ref/i.test(fetched.stderr)) {
        throw new StepError(
          `release tag "${o.tag}" does not exist in ${o.repository} (${redactUrl(o.fetchUrl)}): was it deleted, or the release made from a tag not pushed? Nothing was published.`,
          false,
        );
      }
      fetchProblem = detail || `git fetch exited with ${fetched.code}`;
    }
  }
  const peeled = await runGit(o.repoDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], env, o.signal);
  const sha = peeled.stdout.trim();
  if (peeled.code === 0 && /^[0-9a-f]{40}$/.test(sha)) return sha;
  if (fetchProblem) {
    throw new StepError(`could not fetch release tag "${o.tag}" of ${o.repository}: ${fetchProblem}. This looks temporary; the job will be retried.`, true);
  }
  throw new StepError(`release tag "${o.tag}" does not exist in ${o.repository} (or names no commit): nothing was published.`, false);
}

/** Blob ids of the JSON files directly in `dir` at `sha` (what loadKnowledgeBase would read). */
async function listJson(repoDir: string, sha: string, dir: string, problems: KbProblem[]): Promise<{ file: string; oid: string; size: number }[]> {
  const r = await runGit(repoDir, ["ls-tree", "-l", "-z", sha, `${dir}/`], process.env);
  if (r.code !== 0) throw new StepError(`could not list ${dir} at ${sha.slice(0, 12)}: ${r.stderr.trim()}`, false);
  const out: { file: string; oid: string; size: number }[] = [];
  for (const entry of r.stdout.split("\0").filter(Boolean)) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\s+(-|\d+)\t(.*)$/s.exec(entry);
    if (!m || !m[5]!.endsWith(".json")) continue;
    const [, mode, type, oid, size, file] = m as unknown as [string, string, string, string, string, string];
    if (mode === "120000") {
      problems.push({ file, path: "$", message: "symbolic links are not allowed in the knowledge base: commit the file itself" });
      continue;
    }
    if (type !== "blob") continue;
    if (Number(size) > MAX_FILE_BYTES) {
      problems.push({ file, path: "$", message: `file is ${size} bytes; the limit is ${MAX_FILE_BYTES}: split the atom` });
      continue;
    }
    out.push({ file, oid, size: Number(size) });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** The contents of many blobs with one `git cat-file --batch`. */
function readBlobs(repoDir: string, oids: readonly string[]): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd: repoDir, stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += String(c)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`git cat-file failed: ${stderr.trim()}`));
      const all = Buffer.concat(chunks);
      const out = new Map<string, string>();
      let at = 0;
      for (const oid of oids) {
        const nl = all.indexOf(0x0a, at);
        const header = all.subarray(at, nl).toString();
        const size = Number(header.split(" ")[2]);
        if (!header.startsWith(oid) || !Number.isFinite(size)) return reject(new Error(`git cat-file: unexpected "${header}"`));
        out.set(oid, all.subarray(nl + 1, nl + 1 + size).toString("utf8"));
        at = nl + 1 + size + 1;
      }
      resolve(out);
    });
    child.stdin.end(oids.map((o) => `${o}\n`).join(""));
  });
}

/**
 * The knowledge base at commit `sha` (kb/atoms and kb/courses), validated exactly as the
 * pipeline validates a checkout. Throws a non-retryable StepError listing the problems when it
 * is not valid there: no lesson can have been made at such a commit.
 */
export async function knowledgeBaseAt(repoDir: string, sha: string, label: string): Promise<KnowledgeBase> {
  const problems: KbProblem[] = [];
  const atoms = await listJson(repoDir, sha, ATOMS_DIR, problems);
  const courses = await listJson(repoDir, sha, COURSES_DIR, problems);
  if (atoms.length === 0 && problems.length === 0) {
    throw new StepError(`${label} has no ${ATOMS_DIR}/*.json: there are no lessons to publish at that commit.`, false);
  }
  const blobs = await readBlobs(repoDir, [...atoms, ...courses].map((f) => f.oid));
  const toFile = (f: { file: string; oid: string }): KbFile => ({ file: f.file, text: blobs.get(f.oid) ?? "" });
  const result = validateKnowledgeBase(atoms.map(toFile), courses.map(toFile));
  const all = [...problems, ...result.problems];
  if (!result.kb || all.length) {
    throw new StepError(`the knowledge base at ${label} is not valid, so no lesson was made from it:\n${formatProblems(all)}`, false);
  }
  return result.kb;
}
