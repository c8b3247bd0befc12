/**
 * The `github.releases` settings (issue 16): how a published GitHub release becomes a publishing
 * job on the worker. Mounted as `releases` inside the `github` section of factory.config.json.
 */
import { z } from "zod";

export const ReleaseSettings = z
  .object({
    /** Act on prereleases too (by default a prerelease is acknowledged and ignored). */
    includePrereleases: z.boolean().default(false),
    /**
     * Schedule a release's lessons into the publishing calendar's free slots instead of making
     * them public at once, even when the release notes do not say "schedule". Needs `calendar`.
     */
    schedule: z.boolean().default(false),
  })
  .strict();
export type ReleaseSettings = z.infer<typeof ReleaseSettings>;

/** The defaults, for a config without the section. */
export const DEFAULT_RELEASE_SETTINGS: ReleaseSettings = ReleaseSettings.parse({});
