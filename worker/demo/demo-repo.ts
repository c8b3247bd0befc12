/**
 * The demo's content repository: a real bare git "origin" holding (part of) this project's kb/,
 * and the GitHub push webhook body that a push to it would produce.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { Course, PLCAtom } from "../../shared/models.ts";

/** Files of the demo knowledge base, by path inside the repository. */
export type DemoFiles = Map<string, string>;

/**
 * Picks the first `count` atoms of the first course (in course order) plus everything they
 * need as prerequisites, and that course trimmed to them. `count` null = the whole kb/.
 */
export function selectDemoKb(kbDir: string, count: number | null): DemoFiles {
  const files: DemoFiles = new Map();
  const atomFiles = readdirSync(join(kbDir, "atoms")).filter((f) => f.endsWith(".json"));
  const courseFiles = readdirSync(join(kbDir, "courses")).filter((f) => f.endsWith(".json")).sort();
  if (count === null) {
    for (const f of atomFiles) files.set(`kb/atoms/${f}`, readFileSync(join(kbDir, "atoms", f), "utf8"));
    for (const f of courseFiles) files.set(`kb/courses/${f}`, readFileSync(join(kbDir, "courses", f), "utf8"));
    if (existsSync(join(kbDir, "sim"))) for (const f of readdirSync(join(kbDir, "sim"))) files.set(`kb/sim/${f}`, readFileSync(join(kbDir, "sim", f), "utf8"));
    return files;
  }
  const atoms = new Map(
    atomFiles.map((f) => {
      const atom = PLCAtom.parse(JSON.parse(readFileSync(join(kbDir, "atoms", f), "utf8")));
      return [atom.id, atom] as const;
    }),
  );
  const first = courseFiles[0];
  if (!first) throw new Error(`${kbDir}/courses has no course: the demo needs one`);
  const course = Course.parse(JSON.parse(readFileSync(join(kbDir, "courses", first), "utf8")));
  const picked = course.modules.flatMap((m) => m.atoms).slice(0, count);
  const keep = new Set<string>();
  const visit = (id: string) => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const p of atoms.get(id)?.prerequisites ?? []) visit(p);
  };
  picked.forEach(visit);
  const modules = course.modules
    .map((m) => ({ ...m, atoms: m.atoms.filter((a) => picked.includes(a)) }))
    .filter((m) => m.atoms.length > 0);
  for (const id of keep) files.set(`kb/atoms/${id}.json`, readFileSync(join(kbDir, "atoms", `${id}.json`), "utf8"));
  // An atom's simTask must exist in kb/sim/: bring the task, its reference and any found solution.
  for (const task of new Set([...keep].flatMap((id) => atoms.get(id)?.simTask ?? []))) {
    for (const f of [`${task}.json`, `${task}.st`, `${task}.solution.st`]) {
      if (existsSync(join(kbDir, "sim", f))) files.set(`kb/sim/${f}`, readFileSync(join(kbDir, "sim", f), "utf8"));
    }
  }
  files.set(`kb/courses/${first}`, `${JSON.stringify({ ...course, modules }, null, 2)}\n`);
  return files;
}

/** What a push to the demo origin did. */
export interface DemoPush {
  bareDir: string;
  before: string;
  after: string;
  added: string[];
  modified: string[];
  removed: string[];
}

const ZERO = "0".repeat(40);
// Fixed identity and dates make the commit of unchanged files the same sha on every run.
const GIT_ENV = {
  GIT_AUTHOR_NAME: "Demo Author",
  GIT_AUTHOR_EMAIL: "demo@example.invalid",
  GIT_COMMITTER_NAME: "Demo Author",
  GIT_COMMITTER_EMAIL: "demo@example.invalid",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
};

/**
 * Makes (or updates) `<root>/origin.git` so that `main` holds exactly `files`, committing only
 * when something changed, and returns the push a GitHub webhook would describe.
 */
export async function pushDemoRepo(root: string, files: DemoFiles): Promise<DemoPush> {
  const bareDir = join(root, "origin.git");
  const seedDir = join(root, "seed");
  mkdirSync(root, { recursive: true });
  // Plain git: the demo needs fixed author/committer dates in the environment, which simple-git's
  // environment guard (rightly) refuses for general use.
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  if (!existsSync(join(bareDir, "HEAD"))) {
    rmSync(seedDir, { recursive: true, force: true });
    git(root, "init", "-q", "--bare", "--initial-branch=main", bareDir);
  }
  if (!existsSync(join(seedDir, ".git"))) {
    rmSync(seedDir, { recursive: true, force: true });
    git(root, "clone", "-q", bareDir, seedDir);
  }
  git(seedDir, "checkout", "-q", "-B", "main");
  let before = ZERO;
  try {
    before = git(seedDir, "rev-parse", "--verify", "-q", "HEAD");
  } catch {
    // An empty repository has no HEAD yet.
  }
  rmSync(join(seedDir, "kb"), { recursive: true, force: true });
  for (const [path, text] of files) {
    mkdirSync(join(seedDir, path, ".."), { recursive: true });
    writeFileSync(join(seedDir, path), text);
  }
  git(seedDir, "add", "-A");
  if (git(seedDir, "status", "--porcelain") !== "") {
    git(seedDir, "commit", "-q", "-m", before === ZERO ? "Knowledge base for the demo" : "Update the demo knowledge base");
  }
  git(seedDir, "push", "-q", "origin", "main");
  const after = git(seedDir, "rev-parse", "HEAD");
  if (after === before) return { bareDir, before, after, added: [], modified: [], removed: [] };
  const range = before === ZERO ? [after] : [`${before}..${after}`];
  const diff = git(seedDir, "diff-tree", "-r", "--no-commit-id", "--name-status", "--root", ...range);
  const out: DemoPush = { bareDir, before, after, added: [], modified: [], removed: [] };
  for (const line of diff.split("\n").filter(Boolean)) {
    const [st, path] = line.split("\t");
    if (!path) continue;
    (st === "A" ? out.added : st === "D" ? out.removed : out.modified).push(path);
  }
  return out;
}

/** The body GitHub sends for this push (the fields the relay reads, shaped as GitHub's). */
export function pushWebhookBody(push: DemoPush, repository = "demo/knowledge-base"): Record<string, unknown> {
  const [owner, name] = repository.split("/") as [string, string];
  const commit = {
    id: push.after,
    tree_id: push.after,
    distinct: true,
    message: "Knowledge base for the demo",
    timestamp: "2026-01-01T00:00:00Z",
    url: `file://${push.bareDir}`,
    author: { name: "Demo Author", email: "demo@example.invalid" },
    committer: { name: "Demo Author", email: "demo@example.invalid" },
    added: push.added,
    removed: push.removed,
    modified: push.modified,
  };
  return {
    ref: "refs/heads/main",
    before: push.before,
    after: push.after,
    created: push.before === ZERO,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `file://${push.bareDir}`,
    commits: push.after === push.before ? [] : [commit],
    head_commit: commit,
    repository: {
      id: 1,
      name,
      full_name: repository,
      private: true,
      owner: { login: owner, name: owner },
      html_url: `file://${push.bareDir}`,
      clone_url: push.bareDir,
      default_branch: "main",
      master_branch: "main",
    },
    pusher: { name: "demo", email: "demo@example.invalid" },
    sender: { login: "demo", id: 1, type: "User" },
  };
}
