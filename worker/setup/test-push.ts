/**
 * `factory test-push`: the GitHub push webhook a real push of a branch head would send, signed
 * with the relay's webhook secret. It lets a newcomer drive a relay GitHub cannot reach (one on
 * this machine under `npm run relay:dev`) exactly as GitHub would, signature check included.
 * Pure: the command reads the secret and the head, and does the POST.
 */
import { createHmac } from "node:crypto";

const ZERO = "0".repeat(40);

/** What the test push describes. */
export interface TestPush {
  /** owner/name as the relay and the worker know it. */
  repository: string;
  /** Where the worker clones it from (a local bare repository, an SSH URL, …). */
  cloneUrl: string;
  branch: string;
  /** The branch head to build. */
  sha: string;
}

/** The push body: the fields the relay reads, shaped as GitHub's (docs: webhook events, "push"). */
export function testPushBody(t: TestPush): Record<string, unknown> {
  const [owner, name] = t.repository.split("/") as [string, string];
  const commit = {
    id: t.sha,
    tree_id: t.sha,
    distinct: true,
    message: "factory test-push",
    timestamp: new Date(0).toISOString(),
    url: t.cloneUrl,
    author: { name: "factory test-push", email: "test-push@example.invalid" },
    committer: { name: "factory test-push", email: "test-push@example.invalid" },
    added: [],
    removed: [],
    modified: [],
  };
  return {
    ref: `refs/heads/${t.branch}`,
    before: ZERO,
    after: t.sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: t.cloneUrl,
    commits: [commit],
    head_commit: commit,
    repository: {
      id: 1,
      name,
      full_name: t.repository,
      private: true,
      owner: { login: owner, name: owner },
      html_url: t.cloneUrl,
      clone_url: t.cloneUrl,
      default_branch: t.branch,
      master_branch: t.branch,
    },
    pusher: { name: "factory-test-push", email: "test-push@example.invalid" },
    sender: { login: "factory-test-push", id: 1, type: "User" },
  };
}

/** `sha256=<hex>`: the X-Hub-Signature-256 header GitHub sends for `body`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** The sha of `refs/heads/<branch>` in `git ls-remote` output, or null. */
export function headFromLsRemote(out: string, branch: string): string | null {
  for (const line of out.split("\n")) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (ref === `refs/heads/${branch}` && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return null;
}
