/**
 * Webhook bodies for the chaos parts, made from GitHub's own payloads (test/fixtures, copied from
 * GitHub's webhook documentation): only the fields a variant needs are changed, so every other
 * byte is what GitHub sends.
 */
import { readFileSync } from "node:fs";
import { fakeSha } from "./relay-kit.ts";

const fixture = (rel: string) => readFileSync(new URL(`../test/fixtures/github-webhooks/${rel}`, import.meta.url), "utf8");

/** A push to a branch (GitHub's "with new branch" example). */
export const PUSH_TO_BRANCH = fixture("push/with-new-branch.payload.json");
/** A push that deletes a tag, from an organisation (ignored by the relay: no job). */
export const PUSH_TAG_DELETED = fixture("push/tag-deleted.payload.json");
/** A repository_dispatch (GitHub's example). */
export const DISPATCH = fixture("repository_dispatch/payload.json");

/** Options of a push body. */
export interface PushShape {
  /** owner/name */
  repository: string;
  /** Branch name; defaults to the repository's default branch (master in the fixture). */
  branch?: string;
  /** Numbers that make before/after unique. */
  seq: number;
  /** Paths the commit modifies. */
  modified?: string[];
  /** Paths the commit adds. */
  added?: string[];
}

/** A push of one commit to a branch, as GitHub sends it. */
export function pushBody(s: PushShape): string {
  const p = JSON.parse(PUSH_TO_BRANCH);
  const [owner, name] = s.repository.split("/") as [string, string];
  const branch = s.branch ?? p.repository.default_branch;
  const before = fakeSha(s.seq, 1);
  const after = fakeSha(s.seq, 2);
  p.ref = `refs/heads/${branch}`;
  p.before = before;
  p.after = after;
  p.created = false;
  p.compare = `https://github.com/${s.repository}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`;
  p.repository.full_name = s.repository;
  p.repository.name = name;
  p.repository.owner.login = owner;
  p.repository.owner.name = owner;
  p.repository.clone_url = `https://github.com/${s.repository}.git`;
  const commit = { ...p.commits[0], id: after, added: s.added ?? [], removed: [], modified: s.modified ?? [] };
  p.commits = [commit];
  p.head_commit = commit;
  return JSON.stringify(p);
}

/** The `after` sha of a pushBody with this seq. */
export function afterOf(seq: number): string {
  return fakeSha(seq, 2);
}

/**
 * A legal push whose body is about `bytes` long: one commit adding many paths (a generated
 * tree, a vendored folder), as GitHub sends up to its 25 MiB cap.
 */
export function largePushBody(repository: string, seq: number, bytes: number): { body: string; paths: number } {
  const base = pushBody({ repository, seq }).length;
  const path = (i: number) => `src/generated/seq-${seq}/module-${String(i).padStart(7, "0")}/${"x".repeat(40)}.ts`;
  // Each path appears twice (in `commits` and in `head_commit`), with quotes and a comma.
  const count = Math.max(1, Math.floor((bytes - base) / (2 * (path(0).length + 3))));
  const added = Array.from({ length: count }, (_, i) => path(i));
  return { body: pushBody({ repository, seq, added }), paths: count };
}

/** A repository_dispatch with `client_payload` nested `depth` levels deep. */
export function deepDispatchBody(depth: number, eventType = "factory.render"): string {
  const p = JSON.parse(DISPATCH);
  p.action = eventType;
  const inner = "[".repeat(depth) + "]".repeat(depth);
  const raw = JSON.stringify({ ...p, client_payload: "__DEEP__" });
  return raw.replace('"__DEEP__"', `{"deep":${inner}}`);
}
