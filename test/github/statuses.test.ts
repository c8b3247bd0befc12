/** Commit statuses through @octokit/rest against the loopback GitHub fake. */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createGitHubClient, GitHubError } from "../../worker/github/client.ts";
import { jobCommitStatus, reportCommitStatus, statusDescription } from "../../worker/github/statuses.ts";
import { FakeGitHub } from "../fakes/github.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const TOKEN = "github_pat_fake_0123456789";
let gh: FakeGitHub;

beforeEach(async () => {
  gh = new FakeGitHub();
  gh.addRepo("owner/plc-kb");
  await gh.start();
});
afterEach(() => gh.stop());

describe("reportCommitStatus", () => {
  test("a job's start and success put pending then success on the commit, linking the dashboard", async () => {
    const client = createGitHubClient({ token: TOKEN, apiUrl: gh.url });
    const base = { repository: "owner/plc-kb", sha: SHA, targetUrl: "https://relay.example.workers.dev/dashboard", context: "agent-factory" };
    await reportCommitStatus(client, { ...base, ...jobCommitStatus({ phase: "start" }) });
    await reportCommitStatus(client, { ...base, ...jobCommitStatus({ phase: "done", summary: "3 lessons made, 2 unchanged" }) });
    expect(gh.problems).toEqual([]);
    expect(gh.repo("owner/plc-kb").statuses.map((s) => [s.sha, s.state, s.description, s.target_url, s.context])).toEqual([
      [SHA, "pending", "Agent Factory is making the lessons for this commit", "https://relay.example.workers.dev/dashboard", "agent-factory"],
      [SHA, "success", "3 lessons made, 2 unchanged", "https://relay.example.workers.dev/dashboard", "agent-factory"],
    ]);
    expect(gh.log).toEqual([`POST /repos/owner/plc-kb/statuses/${SHA}`, `POST /repos/owner/plc-kb/statuses/${SHA}`]);
    expect(gh.authHeaders.every((h) => h === `token ${TOKEN}`)).toBe(true);
  });

  test("a failure carries a one-line reason cut to GitHub's 140 characters", async () => {
    const client = createGitHubClient({ token: TOKEN, apiUrl: gh.url });
    const error = `kb/atoms/ohms-law.json $.prerequisites[0]: unknown atom "voltage"\n${"and more detail ".repeat(20)}`;
    await reportCommitStatus(client, { repository: "owner/plc-kb", sha: SHA, ...jobCommitStatus({ phase: "failed", error, retryable: false }), context: "My Brand" });
    expect(gh.problems).toEqual([]);
    const status = gh.repo("owner/plc-kb").statuses[0]!;
    expect(status.state).toBe("failure");
    expect(status.context).toBe("My Brand");
    expect(status.description!.length).toBeLessThanOrEqual(140);
    expect(status.description!.length).toBeGreaterThan(130);
    expect(status.description!.startsWith('kb/atoms/ohms-law.json $.prerequisites[0]: unknown atom "voltage" and more detail')).toBe(true);
    expect(status.description!.endsWith("…")).toBe(true);
    expect(status.target_url).toBeNull();
  });

  test("a retryable failure stays pending; the verdict is not in yet", () => {
    expect(jobCommitStatus({ phase: "failed", error: "ffmpeg crashed", retryable: true })).toEqual({ state: "pending", description: "Will retry: ffmpeg crashed" });
  });

  test("a bad token is a clear, non-retryable error that does not echo the token", async () => {
    const client = createGitHubClient({ token: "github_pat_wrong_secret", apiUrl: gh.url });
    const err = await reportCommitStatus(client, { repository: "owner/plc-kb", sha: SHA, state: "pending", description: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubError);
    expect((err as GitHubError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/^setting the commit status of 0123456 in owner\/plc-kb: GitHub refused the token \(401 Bad credentials\)/);
    expect((err as Error).message).not.toContain("github_pat_wrong_secret");
  });

  test("a repository the token cannot see names the permission to grant", async () => {
    const client = createGitHubClient({ token: TOKEN, apiUrl: gh.url });
    const err = await reportCommitStatus(client, { repository: "owner/other", sha: SHA, state: "success", description: "ok" }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('The token needs "Commit statuses: Read and write" on this repository');
  });

  test("a short sha is refused before any request", async () => {
    const client = createGitHubClient({ token: TOKEN, apiUrl: gh.url });
    await expect(reportCommitStatus(client, { repository: "owner/plc-kb", sha: "abc1234", state: "success", description: "ok" })).rejects.toThrow(/not a full 40-character commit sha/);
    expect(gh.log).toEqual([]);
  });

  test("statusDescription folds whitespace and keeps short text as is", () => {
    expect(statusDescription("  two\n lines  ")).toBe("two lines");
  });
});

describe("commitStatusReporter (the job handler's hook)", () => {
  const log = () => {
    const warnings: string[] = [];
    const l = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {}, child: () => l } as unknown as import("../../worker/pipeline/types.ts").Logger;
    return { l, warnings };
  };

  test("reports start and end with the configured context and the relay's dashboard link", async () => {
    const { commitStatusReporter } = await import("../../worker/github/jobs.ts");
    const { GitHubSettings } = await import("../../worker/github/settings.ts");
    const { l, warnings } = log();
    const r = commitStatusReporter({ githubToken: TOKEN, relayUrl: "https://relay.example.workers.dev", github: GitHubSettings.parse({ apiUrl: gh.url, statusContext: "PLC Academy" }) }, l);
    await r.start("owner/plc-kb", SHA);
    await r.finish("owner/plc-kb", SHA, { kind: "failed", error: "kb/atoms/x.json: invalid JSON at line 3", retryable: false });
    expect(gh.repo("owner/plc-kb").statuses.map((s) => [s.state, s.context, s.target_url])).toEqual([
      ["pending", "PLC Academy", "https://relay.example.workers.dev/dashboard"],
      ["failure", "PLC Academy", "https://relay.example.workers.dev/dashboard"],
    ]);
    expect(warnings).toEqual([]);
    expect(gh.problems).toEqual([]);
  });

  test("never fails the job: a refused status is a warning without the token; no token means no request", async () => {
    const { commitStatusReporter } = await import("../../worker/github/jobs.ts");
    const { GitHubSettings } = await import("../../worker/github/settings.ts");
    const { l, warnings } = log();
    await commitStatusReporter({ githubToken: "github_pat_revoked_secret", relayUrl: null, github: GitHubSettings.parse({ apiUrl: gh.url }) }, l).finish("owner/plc-kb", SHA, { kind: "completed" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("GitHub refused the token");
    expect(warnings[0]).not.toContain("revoked_secret");
    const before = gh.log.length;
    await commitStatusReporter({ githubToken: null, relayUrl: null, github: GitHubSettings.parse({ apiUrl: gh.url }) }, l).start("owner/plc-kb", SHA);
    expect(gh.log.length).toBe(before);
  });
});
