/**
 * The `github` section of factory.config.json: where the GitHub REST API is (GitHub Enterprise
 * or a test fake), the dashboard link put on commit statuses, and the status context. The token
 * is not here: it comes from GITHUB_TOKEN (or "githubToken") and is never logged.
 */
import { z } from "zod";
import { DEFAULT_RELEASE_SETTINGS, ReleaseSettings } from "./release-settings.ts";

export const GitHubSettings = z
  .object({
    /** REST API root; GitHub Enterprise Server uses https://<host>/api/v3. */
    apiUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://api.github.com" }).default("https://api.github.com"),
    /** The relay's dashboard: commit statuses link to it. */
    dashboardUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://agent-factory-relay.<you>.workers.dev/dashboard" }).optional(),
    /** The status context shown next to commits (your brand, or "agent-factory"). */
    statusContext: z.string().min(1).max(100).default("agent-factory"),
    /** Report commit statuses for sync jobs (needs a token with Commit statuses: write). */
    commitStatuses: z.boolean().default(true),
    /** What a published GitHub release does (worker/github/release-publish.ts). */
    releases: ReleaseSettings.default(DEFAULT_RELEASE_SETTINGS),
  })
  .strict();
export type GitHubSettings = z.infer<typeof GitHubSettings>;

/** The section's defaults, for a config without one. */
export const DEFAULT_GITHUB_SETTINGS: GitHubSettings = GitHubSettings.parse({});
