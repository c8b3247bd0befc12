/**
 * The GitHub REST client: @octokit/rest (GitHub's official SDK) with a configurable API root, so
 * GitHub Enterprise Server and the tests' loopback fake work the same way. The token comes from
 * GITHUB_TOKEN (or "githubToken" in factory.config.json) and is never logged: errors are turned
 * into sentences that name the missing permission, not the token.
 */
import { Octokit } from "@octokit/rest";

/** What a call needs to reach GitHub. */
export interface GitHubClientOptions {
  token: string;
  /** Default https://api.github.com. */
  apiUrl?: string;
  /** Sent as User-Agent (GitHub refuses requests without one). */
  userAgent?: string;
}

/** A ready client. */
export type GitHubClient = Octokit;

/** Builds the client; throws {@link GitHubError} when no token is given. */
export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  if (!opts.token) throw new GitHubError("no GitHub token: set GITHUB_TOKEN (a fine-grained token, see docs/github.md)", false);
  return new Octokit({
    auth: opts.token,
    baseUrl: (opts.apiUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: opts.userAgent ?? "agent-factory",
    // Octokit logs request failures at warn level by default; the caller decides what to say.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

/** A GitHub call failed; the message says what to fix, `retryable` whether trying later may help. */
export class GitHubError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = "GitHubError";
  }
}

/** owner and repo from "owner/name". */
export function splitRepo(fullName: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = fullName.split("/");
  if (!owner || !repo || rest.length) throw new GitHubError(`"${fullName}" is not a repository name like owner/name`, false);
  return { owner, repo };
}

/**
 * Turns an Octokit error into a {@link GitHubError} that says what to do. `doing` names the
 * call ("creating a commit status") and `permission` the fine-grained token permission it needs.
 */
export function describeGitHubError(e: unknown, doing: string, permission: string): GitHubError {
  const status = (e as { status?: number }).status;
  const apiMessage = String(((e as { response?: { data?: { message?: string } } }).response?.data?.message ?? (e as Error).message ?? e) || "").slice(0, 300);
  // Never echo a token, whatever the message holds.
  const safe = apiMessage.replace(/\b(gh[pousr]_[A-Za-z0-9_]+|github_pat_[A-Za-z0-9_]+)\b/g, "***");
  if (status === 401) return new GitHubError(`${doing}: GitHub refused the token (401 ${safe}). Check GITHUB_TOKEN: it may be expired or revoked (docs/github.md).`, false, status);
  if (status === 403 && /rate limit/i.test(safe)) return new GitHubError(`${doing}: GitHub's rate limit was hit (${safe}); it will be retried.`, true, status);
  if (status === 403 || status === 404) {
    return new GitHubError(
      `${doing}: GitHub answered ${status} (${safe}). The token needs "${permission}" on this repository (a fine-grained token: Repository access → the content repository; see docs/github.md).`,
      false,
      status,
    );
  }
  if (status === 422) return new GitHubError(`${doing}: GitHub refused the request (422 ${safe}).`, false, status);
  if (status !== undefined && status >= 500) return new GitHubError(`${doing}: GitHub answered ${status}; it will be retried.`, true, status);
  return new GitHubError(`${doing}: ${safe || "network error"}; it will be retried.`, true, status);
}
