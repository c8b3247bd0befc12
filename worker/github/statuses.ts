/**
 * Commit statuses: the factory's verdict next to each pushed commit in GitHub (pending when a
 * job starts, success or failure when it ends, a link to the dashboard and a one-line reason).
 * `POST /repos/{owner}/{repo}/statuses/{sha}` through @octokit/rest; needs the fine-grained
 * token permission "Commit statuses: Read and write".
 */
import { GitSha } from "../../shared/jobs.ts";
import { type GitHubClient, GitHubError, describeGitHubError, splitRepo } from "./client.ts";

/** GitHub's states for a commit status. */
export type CommitState = "pending" | "success" | "failure" | "error";

/** GitHub's limit on a status description. */
export const MAX_STATUS_DESCRIPTION = 140;

export interface CommitStatusInput {
  repository: string;
  sha: string;
  state: CommitState;
  /** One line; longer text is cut to 140 characters with an ellipsis. */
  description: string;
  /** The dashboard (or the job's page on it); omitted when not an http(s) URL. */
  targetUrl?: string | null;
  /** The status's name next to the commit (default "agent-factory"). */
  context?: string;
}

/** One line of at most 140 characters: whitespace folded, cut with "…". */
export function statusDescription(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= MAX_STATUS_DESCRIPTION ? line : `${line.slice(0, MAX_STATUS_DESCRIPTION - 1).trimEnd()}…`;
}

/**
 * Sets a commit status. Throws {@link GitHubError} (with `retryable`) when GitHub refuses; a
 * caller at job start or end should log it and carry on: a status is a report, never a reason to
 * fail the job.
 */
export async function reportCommitStatus(client: GitHubClient, input: CommitStatusInput): Promise<{ id: number }> {
  if (!GitSha.safeParse(input.sha).success) throw new GitHubError(`commit status: "${input.sha}" is not a full 40-character commit sha`, false);
  const { owner, repo } = splitRepo(input.repository);
  const target = input.targetUrl && /^https?:\/\//.test(input.targetUrl) ? input.targetUrl : undefined;
  try {
    const res = await client.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: input.sha,
      state: input.state,
      description: statusDescription(input.description),
      context: input.context ?? "agent-factory",
      ...(target ? { target_url: target } : {}),
    });
    return { id: res.data.id };
  } catch (e) {
    throw describeGitHubError(e, `setting the commit status of ${input.sha.slice(0, 7)} in ${input.repository}`, "Commit statuses: Read and write");
  }
}

/** The status a job's outcome maps to, with its one-line reason. */
export function jobCommitStatus(outcome: { phase: "start" } | { phase: "done"; summary?: string } | { phase: "failed"; error: string; retryable: boolean }): { state: CommitState; description: string } {
  switch (outcome.phase) {
    case "start":
      return { state: "pending", description: "Agent Factory is making the lessons for this commit" };
    case "done":
      return { state: "success", description: statusDescription(outcome.summary || "Lessons made for this commit") };
    case "failed":
      // A failure that will be retried is still pending: the verdict is not in yet.
      return outcome.retryable
        ? { state: "pending", description: statusDescription(`Will retry: ${outcome.error}`) }
        : { state: "failure", description: statusDescription(outcome.error) };
  }
}
