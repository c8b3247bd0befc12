/**
 * The GitHub side of a job, as the worker's job handler calls it: commit statuses at a job's
 * start and end, and the `factory.kb.request` job. Thin: configuration in, the pure-ish pieces
 * (./statuses.ts, ./kb-request.ts) do the work. A status is a report: failing to set one is
 * logged and never fails the job. The token is never logged.
 */
import { KbRequestPayload, type Job } from "../../shared/jobs.ts";
import type { WorkerConfig } from "../config.ts";
import { StepError, type Logger } from "../pipeline/types.ts";
import { type GitHubClient, GitHubError, createGitHubClient } from "./client.ts";
import { handleKbRequest, type KbRequestResult } from "./kb-request.ts";
import type { AtomWriter } from "./kb-request-draft.ts";
import { DEFAULT_GITHUB_SETTINGS } from "./settings.ts";
import { jobCommitStatus, reportCommitStatus } from "./statuses.ts";

/** The GitHub client from the configuration, or null when no token is set. */
function githubClientFor(config: Pick<WorkerConfig, "githubToken" | "github">): GitHubClient | null {
  if (!config.githubToken) return null;
  return createGitHubClient({ token: config.githubToken, apiUrl: (config.github ?? DEFAULT_GITHUB_SETTINGS).apiUrl });
}

/** Where commit statuses link: the configured dashboard, else the relay's /dashboard. */
export function dashboardUrl(config: Pick<WorkerConfig, "github" | "relayUrl">): string | null {
  return config.github?.dashboardUrl ?? (config.relayUrl ? `${config.relayUrl}/dashboard` : null);
}

/** What a job's end looks like to the status (the pipeline's outcome, reduced). */
export type JobEnd = { kind: "completed"; summary?: string } | { kind: "failed"; error: string; retryable: boolean } | { kind: "stopped" };

export interface CommitStatusReporter {
  /** At job start, once the commit is known: "pending". */
  start(repository: string, sha: string): Promise<void>;
  /** At job end: success, failure, or (retryable failure, stopped) still pending. */
  finish(repository: string, sha: string, end: JobEnd): Promise<void>;
}

/**
 * A reporter for the job handler; does nothing without a token or with `github.commitStatuses`
 * false. Never throws.
 */
export function commitStatusReporter(config: Pick<WorkerConfig, "githubToken" | "github" | "relayUrl">, log: Logger, client: GitHubClient | null = githubClientFor(config)): CommitStatusReporter {
  const settings = config.github ?? DEFAULT_GITHUB_SETTINGS;
  const enabled = client !== null && settings.commitStatuses;
  const send = async (repository: string, sha: string, status: { state: "pending" | "success" | "failure" | "error"; description: string }) => {
    if (!enabled) return;
    try {
      await reportCommitStatus(client!, { repository, sha, ...status, targetUrl: dashboardUrl(config), context: settings.statusContext });
    } catch (e) {
      log.warn(`commit status not set: ${(e as Error).message}`, { step: "github" });
    }
  };
  return {
    start: (repository, sha) => send(repository, sha, jobCommitStatus({ phase: "start" })),
    finish: (repository, sha, end) => {
      if (end.kind === "stopped") return send(repository, sha, { state: "pending", description: "Interrupted: the job will run again" });
      if (end.kind === "completed") return send(repository, sha, jobCommitStatus({ phase: "done", ...(end.summary ? { summary: end.summary } : {}) }));
      return send(repository, sha, jobCommitStatus({ phase: "failed", error: end.error, retryable: end.retryable }));
    },
  };
}

/** "by claude-sonnet-4-6 (1200 in + 800 out tokens) " — the job result records what the draft cost. */
function drafterSummary(d: { by: string; model: string | null; usage?: { inputTokens: number; outputTokens: number; cacheCreationInputTokens: number; cacheReadInputTokens: number } }): string {
  if (!d.model) return "";
  const u = d.usage;
  const tokens = u ? ` (${u.inputTokens} in + ${u.cacheCreationInputTokens} cache write + ${u.cacheReadInputTokens} cached + ${u.outputTokens} out tokens)` : "";
  return d.by === "claude" ? `by ${d.model}${tokens} ` : `offline after ${d.model} failed${tokens} `;
}

/**
 * Runs a `factory.kb.request` job on a synced checkout of its repository (the handler syncs it
 * first, like any job). Throws StepError: non-retryable for a malformed payload or a missing
 * token or permission, retryable for network and git trouble.
 */
export async function runKbRequestJob(
  job: Pick<Job, "id" | "type" | "payload">,
  config: Pick<WorkerConfig, "githubToken" | "github">,
  checkout: { dir: string; branch: string },
  opts: { now: () => Date; author?: { name: string; email: string }; client?: GitHubClient; writer?: AtomWriter | null },
): Promise<{ summary: string; result: KbRequestResult }> {
  const parsed = KbRequestPayload.safeParse(job.payload);
  if (!parsed.success) {
    throw new StepError(`job ${job.id} has a malformed ${job.type} payload (${parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ")})`, false);
  }
  const client = opts.client ?? githubClientFor(config);
  if (!client) throw new StepError("a KB request needs GITHUB_TOKEN: a fine-grained token with Contents, Pull requests and Issues write (docs/github.md)", false);
  try {
    const result = await handleKbRequest(parsed.data, {
      client,
      repoDir: checkout.dir,
      baseBranch: checkout.branch,
      gitToken: config.githubToken,
      author: opts.author ?? { name: "Agent Factory", email: "agent-factory@users.noreply.github.com" },
      now: opts.now,
      ...(opts.writer ? { writer: opts.writer } : {}),
    });
    const summary =
      result.outcome === "drafted"
        ? `KB request #${parsed.data.issue.number}: ${result.atomId} drafted ${drafterSummary(result.drafter)}in ${result.pull.url}${result.committed ? "" : " (unchanged)"}`
        : `KB request #${parsed.data.issue.number}: ${result.reason}`.slice(0, 2000);
    return { summary, result };
  } catch (e) {
    if (e instanceof GitHubError) throw new StepError(e.message, e.retryable);
    throw e;
  }
}
