/**
 * A loopback fake of the GitHub REST API (v3), for tests: the endpoints the factory calls, speaking
 * the documented protocol so the real @octokit/rest client can be pointed at it with `baseUrl`.
 *  - POST /repos/{owner}/{repo}/statuses/{sha}: state pending|success|failure|error, target_url,
 *    description (at most 140 characters), context;
 *  - GET /repos/{owner}/{repo}/pulls?head=owner:branch&state=…, POST …/pulls, PATCH …/pulls/{n};
 *  - GET/POST /repos/{owner}/{repo}/issues/{n}/comments, PATCH …/issues/comments/{id}.
 *
 * Every request is checked: the Authorization header (`token <t>` or `Bearer <t>`), a
 * User-Agent, JSON bodies with their required fields and types and no unknown fields, the sha
 * shape, and — for pull requests — that the head branch really exists in the repository's git
 * remote (a bare repository the test gives). A violation is answered the way GitHub answers
 * (401, 404, 422 with `errors`) and listed in {@link FakeGitHub.problems}; the tests assert that
 * stays empty where nothing should go wrong.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeStatus {
  id: number;
  sha: string;
  state: "pending" | "success" | "failure" | "error";
  target_url: string | null;
  description: string | null;
  context: string;
  created_at: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: "open" | "closed";
  merged: boolean;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
}

interface FakeRepo {
  owner: string;
  name: string;
  /** A bare git repository standing in for the GitHub repository's contents. */
  gitDir: string | null;
  statuses: FakeStatus[];
  pulls: FakePull[];
  comments: FakeComment[];
  issues: Set<number>;
}

type Json = Record<string, unknown>;
type FieldType = "string" | "number" | "boolean" | "string|null";

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(String(body.message));
  }
}

const DOCS = "https://docs.github.com/rest";
const validationFailed = (resource: string, field: string, code: string, message?: string) =>
  new HttpError(422, { message: "Validation Failed", errors: [{ resource, field, code, ...(message ? { message } : {}) }], documentation_url: DOCS, status: "422" });

export class FakeGitHub {
  /** Tokens the fake accepts. */
  readonly tokens = new Set<string>(["github_pat_fake_0123456789"]);
  readonly repos = new Map<string, FakeRepo>();
  /** Protocol violations seen (a client bug). Tests assert this stays empty. */
  readonly problems: string[] = [];
  /** Every request as "METHOD /path?query", in order. */
  readonly log: string[] = [];
  /** Authorization headers seen, to prove the token went only there. */
  readonly authHeaders: string[] = [];
  /** The fake's clock, injectable like every clock in tests. */
  now: () => number = () => Date.parse("2026-12-01T12:00:00Z");
  private server: Server | null = null;
  private nextId = 1000;
  url = "";

  /** Adds a repository; `gitDir` is a bare git repository holding its branches. */
  addRepo(fullName: string, opts: { gitDir?: string; issues?: number[] } = {}): void {
    const [owner, name] = fullName.split("/") as [string, string];
    this.repos.set(fullName.toLowerCase(), { owner, name, gitDir: opts.gitDir ?? null, statuses: [], pulls: [], comments: [], issues: new Set(opts.issues ?? []) });
  }

  repo(fullName: string): FakeRepo {
    const r = this.repos.get(fullName.toLowerCase());
    if (!r) throw new Error(`fake: no repository ${fullName}`);
    return r;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      this.checkHeaders(req);
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: Json = {};
      if (req.method === "POST" || req.method === "PATCH") {
        if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) this.fail(`${req.method} ${url.pathname}: Content-Type is ${req.headers["content-type"]}, not application/json`, 415, "Unsupported Media Type");
        try {
          const parsed = JSON.parse(raw) as unknown;
          if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
          body = parsed as Json;
        } catch {
          this.fail(`${req.method} ${url.pathname}: body is not a JSON object`, 400, "Problems parsing JSON");
        }
      }
      const { status, json } = this.route(req.method ?? "GET", url, body);
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-github-media-type": "github.v3; format=json" });
      res.end(JSON.stringify(json));
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, { message: (e as Error).message });
      res.writeHead(err.status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(err.body));
    }
  }

  private fail(problem: string, status: number, message: string): never {
    this.problems.push(problem);
    throw new HttpError(status, { message, documentation_url: DOCS, status: String(status) });
  }

  private checkHeaders(req: IncomingMessage): void {
    const auth = req.headers.authorization ?? "";
    this.authHeaders.push(auth);
    const m = /^(?:token|bearer) (\S+)$/i.exec(auth);
    if (!m || !this.tokens.has(m[1]!)) {
      // Not a protocol problem of the client when the token is simply wrong: GitHub says 401.
      if (!m) this.problems.push(`Authorization header is ${auth ? "malformed" : "missing"}`);
      throw new HttpError(401, { message: "Bad credentials", documentation_url: DOCS, status: "401" });
    }
    if (!req.headers["user-agent"]) this.fail("no User-Agent header (GitHub refuses requests without one)", 403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header");
    const accept = req.headers.accept ?? "";
    if (accept && !/application\/(vnd\.github[^,]*|json)|\*\/\*/.test(accept)) this.problems.push(`unexpected Accept header ${accept}`);
  }

  /** Checks a JSON body: required fields, types, and no unknown fields. */
  private checkBody(where: string, body: Json, fields: Record<string, { type: FieldType; required?: boolean }>): void {
    for (const [k, spec] of Object.entries(fields)) {
      const v = body[k];
      if (v === undefined) {
        if (spec.required) {
          this.problems.push(`${where}: missing required field ${k}`);
          throw validationFailed(where.split(" ")[0]!, k, "missing_field");
        }
        continue;
      }
      const ok = spec.type === "string|null" ? v === null || typeof v === "string" : typeof v === spec.type;
      if (!ok) {
        this.problems.push(`${where}: field ${k} is ${JSON.stringify(v)}, not a ${spec.type}`);
        throw validationFailed(where.split(" ")[0]!, k, "invalid");
      }
    }
    for (const k of Object.keys(body)) if (!(k in fields)) this.problems.push(`${where}: unknown field ${k}`);
  }

  private route(method: string, url: URL, body: Json): { status: number; json: unknown } {
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(p))) {
      const repo = this.repos.get(`${m[1]}/${m[2]}`.toLowerCase());
      if (!repo) throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
      const rest = m[3]!;
      let r: RegExpExecArray | null;
      if (method === "POST" && (r = /^statuses\/([^/]+)$/.exec(rest))) return this.createStatus(repo, r[1]!, body);
      if (method === "GET" && rest === "pulls") return this.listPulls(repo, url);
      if (method === "POST" && rest === "pulls") return this.createPull(repo, body);
      if (method === "PATCH" && (r = /^pulls\/(\d+)$/.exec(rest))) return this.updatePull(repo, Number(r[1]), body);
      if (method === "GET" && (r = /^issues\/(\d+)\/comments$/.exec(rest))) return this.listComments(repo, Number(r[1]), url);
      if (method === "POST" && (r = /^issues\/(\d+)\/comments$/.exec(rest))) return this.createComment(repo, Number(r[1]), body);
      if (method === "PATCH" && (r = /^issues\/comments\/(\d+)$/.exec(rest))) return this.updateComment(repo, Number(r[1]), body);
    }
    this.problems.push(`unexpected request ${method} ${p}`);
    throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  }

  private createStatus(repo: FakeRepo, sha: string, body: Json) {
    this.checkBody("Status", body, { state: { type: "string", required: true }, target_url: { type: "string|null" }, description: { type: "string|null" }, context: { type: "string" } });
    if (!/^[0-9a-f]{40}$/.test(sha)) {
      this.problems.push(`statuses: ${sha} is not a full commit sha`);
      throw new HttpError(422, { message: `No commit found for SHA: ${sha}`, documentation_url: DOCS, status: "422" });
    }
    if (!["pending", "success", "failure", "error"].includes(body.state as string)) {
      this.problems.push(`statuses: state ${String(body.state)}`);
      throw validationFailed("Status", "state", "custom", "state is not included in the list");
    }
    const description = (body.description as string | null | undefined) ?? null;
    if (description !== null && description.length > 140) {
      this.problems.push(`statuses: description is ${description.length} characters (GitHub's limit is 140)`);
      throw validationFailed("Status", "description", "custom", "description is too long (maximum is 140 characters)");
    }
    const target = (body.target_url as string | null | undefined) ?? null;
    if (target !== null && !/^https?:\/\//.test(target)) {
      this.problems.push(`statuses: target_url ${target} is not an http(s) URL`);
      throw validationFailed("Status", "target_url", "custom", "target_url must use http(s) scheme");
    }
    const status: FakeStatus = {
      id: this.nextId++,
      sha,
      state: body.state as FakeStatus["state"],
      target_url: target,
      description,
      context: (body.context as string | undefined) ?? "default",
      created_at: new Date(this.now()).toISOString(),
    };
    repo.statuses.push(status);
    return { status: 201, json: { ...status, url: `${this.url}/repos/${repo.owner}/${repo.name}/statuses/${sha}`, creator: { login: "factory-bot" } } };
  }

  private pullJson(repo: FakeRepo, pr: FakePull) {
    return {
      number: pr.number,
      id: pr.number * 7,
      html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pr.number}`,
      url: `${this.url}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      merged: pr.merged,
      merged_at: pr.merged ? new Date(this.now()).toISOString() : null,
      head: { ref: pr.head, label: `${repo.owner}:${pr.head}`, sha: this.branchSha(repo, pr.head) },
      base: { ref: pr.base, label: `${repo.owner}:${pr.base}` },
    };
  }

  private branchSha(repo: FakeRepo, branch: string): string | null {
    if (!repo.gitDir) return null;
    try {
      return execFileSync("git", ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], { cwd: repo.gitDir, encoding: "utf8" }).trim() || null;
    } catch {
      return null;
    }
  }

  private listPulls(repo: FakeRepo, url: URL) {
    const state = url.searchParams.get("state") ?? "open";
    if (!["open", "closed", "all"].includes(state)) this.problems.push(`pulls.list: state=${state}`);
    const head = url.searchParams.get("head");
    if (head !== null && !/^[^:]+:.+$/.test(head)) this.problems.push(`pulls.list: head=${head} is not "user:ref-name"`);
    const pulls = repo.pulls.filter((pr) => (state === "all" || pr.state === state) && (head === null || head === `${repo.owner}:${pr.head}`));
    return { status: 200, json: pulls.map((pr) => this.pullJson(repo, pr)) };
  }

  private createPull(repo: FakeRepo, body: Json) {
    this.checkBody("PullRequest", body, {
      title: { type: "string", required: true },
      head: { type: "string", required: true },
      base: { type: "string", required: true },
      body: { type: "string" },
      draft: { type: "boolean" },
      maintainer_can_modify: { type: "boolean" },
    });
    const head = String(body.head).replace(new RegExp(`^${repo.owner}:`), "");
    const base = String(body.base);
    if (repo.gitDir && !this.branchSha(repo, head)) throw validationFailed("PullRequest", "head", "invalid");
    if (repo.gitDir && !this.branchSha(repo, base)) throw validationFailed("PullRequest", "base", "invalid");
    if (repo.pulls.some((pr) => pr.state === "open" && pr.head === head && pr.base === base)) {
      this.problems.push(`pulls.create: a pull request for ${head} is already open (the client should have updated it)`);
      throw validationFailed("PullRequest", "head", "custom", `A pull request already exists for ${repo.owner}:${head}.`);
    }
    const pr: FakePull = { number: this.nextIssueNumber(repo), title: String(body.title), body: (body.body as string | undefined) ?? null, head, base, state: "open", merged: false };
    repo.pulls.push(pr);
    return { status: 201, json: this.pullJson(repo, pr) };
  }

  private nextIssueNumber(repo: FakeRepo): number {
    // Pull requests and issues share one number sequence on GitHub.
    return Math.max(0, ...repo.issues, ...repo.pulls.map((p) => p.number)) + 1;
  }

  private updatePull(repo: FakeRepo, n: number, body: Json) {
    this.checkBody("PullRequest", body, { title: { type: "string" }, body: { type: "string" }, state: { type: "string" }, base: { type: "string" }, maintainer_can_modify: { type: "boolean" } });
    const pr = repo.pulls.find((p) => p.number === n);
    if (!pr) throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    if (body.title !== undefined) pr.title = String(body.title);
    if (body.body !== undefined) pr.body = String(body.body);
    if (body.state !== undefined) {
      if (body.state !== "open" && body.state !== "closed") throw validationFailed("PullRequest", "state", "invalid");
      if (pr.merged && body.state === "open") throw validationFailed("PullRequest", "state", "custom", "cannot reopen a merged pull request");
      pr.state = body.state;
    }
    return { status: 200, json: this.pullJson(repo, pr) };
  }

  private commentJson(repo: FakeRepo, c: FakeComment) {
    return { id: c.id, body: c.body, html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${c.issue}#issuecomment-${c.id}`, user: { login: "factory-bot" } };
  }

  private listComments(repo: FakeRepo, n: number, url: URL) {
    if (!repo.issues.has(n) && !repo.pulls.some((p) => p.number === n)) throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    const perPage = Number(url.searchParams.get("per_page") ?? "30");
    const page = Number(url.searchParams.get("page") ?? "1");
    const all = repo.comments.filter((c) => c.issue === n);
    return { status: 200, json: all.slice((page - 1) * perPage, page * perPage).map((c) => this.commentJson(repo, c)) };
  }

  private createComment(repo: FakeRepo, n: number, body: Json) {
    this.checkBody("IssueComment", body, { body: { type: "string", required: true } });
    if (!repo.issues.has(n) && !repo.pulls.some((p) => p.number === n)) throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    const c: FakeComment = { id: this.nextId++, issue: n, body: String(body.body) };
    repo.comments.push(c);
    return { status: 201, json: this.commentJson(repo, c) };
  }

  private updateComment(repo: FakeRepo, id: number, body: Json) {
    this.checkBody("IssueComment", body, { body: { type: "string", required: true } });
    const c = repo.comments.find((x) => x.id === id);
    if (!c) throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    c.body = String(body.body);
    return { status: 200, json: this.commentJson(repo, c) };
  }
}
