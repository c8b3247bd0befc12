/**
 * `factory publish list` and `factory publish approve <atom> [--at <time>]`: the review gate.
 *
 * Lessons upload private (or land in the local publish folder marked private); the owner
 * watches them and approves each one, to go public now or at a set time (YouTube's publishAt).
 * The lessons come from the ledger's publish step runs; their live state from YouTube (one
 * videos.list call per 50 videos) or from the local metadata.json.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Ledger } from "../ledger.ts";
import { silentLogger } from "../log.ts";
import type { PipelineSettings } from "../pipeline/types.ts";
import { toStepError } from "../publish/errors.ts";
import { approveLocal, readLocalMetadata } from "../publish/local.ts";
import {
  findLesson,
  formatReviewList,
  parsePublishTime,
  publishedLessons,
  type LiveStatus,
  type PublishedLesson,
} from "../publish/review.ts";
import { publishSettings } from "../publish/settings.ts";
import type { YouTubePublisher } from "../publish/youtube.ts";
import { configOrExit, EXIT } from "./worker.ts";

/** What the publish commands need; the CLI passes the real config, tests their own. */
export interface PublishCommandEnv {
  workDir: string;
  settings: PipelineSettings;
  now: () => number;
}

function lessonsOf(env: PublishCommandEnv): PublishedLesson[] {
  const path = join(env.workDir, "ledger.sqlite");
  if (!existsSync(path)) return [];
  const ledger = Ledger.open(path);
  try {
    return publishedLessons(ledger.listStepRuns({ kind: "publish" }));
  } finally {
    ledger.close();
  }
}

async function youtubeFor(env: PublishCommandEnv): Promise<YouTubePublisher> {
  // Imported on use: googleapis takes about 1 s to load, which local publishing never needs.
  const [{ YouTubePublisher }, { authorizedClient }] = await Promise.all([
    import("../publish/youtube.ts"),
    import("../publish/oauth.ts"),
  ]);
  const s = publishSettings(env.settings);
  return new YouTubePublisher({
    auth: await authorizedClient(s.youtube),
    rootUrl: s.youtube.rootUrl,
    chunkBytes: s.youtube.chunkBytes,
    now: env.now,
    log: silentLogger,
  });
}

/** The review list as text. */
export async function listPublished(env: PublishCommandEnv, repository?: string): Promise<string> {
  const lessons = lessonsOf(env).filter((l) => !repository || l.repository === repository);
  const live = new Map<PublishedLesson, LiveStatus | null>();
  const onYouTube = lessons.filter((l) => l.target === "youtube");
  if (onYouTube.length) {
    try {
      const statuses = await (await youtubeFor(env)).statuses(onYouTube.map((l) => l.videoId));
      for (const l of onYouTube) live.set(l, statuses.get(l.videoId) ?? null);
    } catch (e) {
      throw new Error(toStepError(e, env.now(), "reading the videos' status").message);
    }
  }
  for (const l of lessons.filter((x) => x.target === "local")) {
    const meta = l.localFolder ? await readLocalMetadata(l.localFolder) : null;
    live.set(l, meta ? { privacy: meta.privacy, ...(meta.publishAt ? { publishAt: meta.publishAt } : {}) } : null);
  }
  return formatReviewList(lessons.map((lesson) => ({ lesson, live: live.get(lesson) ?? null })));
}

/** Approves one lesson: public now, or scheduled for `at`. Returns a one-line report. */
export async function approvePublished(
  env: PublishCommandEnv,
  atomId: string,
  opts: { at?: string; repository?: string },
): Promise<string> {
  const lesson = findLesson(lessonsOf(env), atomId, opts.repository);
  const publishAt = opts.at ? parsePublishTime(opts.at, env.now()) : null;
  if (lesson.target === "local") {
    if (!lesson.localFolder) throw new Error(`The ledger does not say where ${atomId} was published locally; run the pipeline again.`);
    const meta = await approveLocal(lesson.localFolder, publishAt);
    return publishAt
      ? `${atomId}: scheduled for ${publishAt} (local: ${lesson.localFolder})`
      : `${atomId}: marked ${meta.privacy} (local: ${lesson.localFolder})`;
  }
  try {
    const result = await (await youtubeFor(env)).approve(lesson.videoId, publishAt);
    return result.publishAt
      ? `${atomId}: scheduled to go public at ${result.publishAt} — ${lesson.url}`
      : `${atomId}: now ${result.privacy} — ${lesson.url}`;
  } catch (e) {
    if (e instanceof Error && /not on the channel/.test(e.message)) throw e;
    // A StepError keeps whether trying again can help (network, quota) for the worker's approve jobs.
    throw toStepError(e, env.now(), `approving ${atomId}`);
  }
}

function envFromConfig(): PublishCommandEnv | null {
  const config = configOrExit();
  return config ? { workDir: config.workDir, settings: config.settings, now: Date.now } : null;
}

/** Registers `factory publish list|approve`. */
export function registerPublishCommands(program: Command): void {
  const publish = program.command("publish").description("Review what the factory published and approve it");
  publish
    .command("list")
    .description("Show published lessons, those waiting for review first, with links to watch them")
    .option("--repo <owner/name>", "only lessons from this content repository")
    .action(async (opts: { repo?: string }) => {
      const env = envFromConfig();
      if (!env) return void (process.exitCode = EXIT.config);
      try {
        console.log(await listPublished(env, opts.repo));
      } catch (e) {
        console.error((e as Error).message);
        process.exitCode = EXIT.failed;
      }
    });
  publish
    .command("approve <atom>")
    .description("Make a reviewed lesson public now, or schedule it with --at")
    .option("--at <time>", 'when it goes public: "2026-12-01 15:00" (local time) or an ISO time with a zone')
    .option("--repo <owner/name>", "when the atom was published from several repositories")
    .action(async (atom: string, opts: { at?: string; repo?: string }) => {
      const env = envFromConfig();
      if (!env) return void (process.exitCode = EXIT.config);
      try {
        console.log(await approvePublished(env, atom, { ...(opts.at ? { at: opts.at } : {}), ...(opts.repo ? { repository: opts.repo } : {}) }));
      } catch (e) {
        console.error((e as Error).message);
        process.exitCode = EXIT.failed;
      }
    });
}
