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
import { liveStatusesByLesson } from "../publish/live-status.ts";
import { approveLocal } from "../publish/local.ts";
import {
  findLesson,
  formatReviewList,
  parsePublishTime,
  publishedLessons,
  reviewState,
  type LiveStatus,
  type PublishedLesson,
} from "../publish/review.ts";
import { DAILY_UNITS, DAILY_UPLOADS, quotaToday } from "../publish/quota.ts";
import { publishSettings } from "../publish/settings.ts";
import type { YouTubePublisher } from "../publish/youtube.ts";
import { APPROVE_JOB_TYPE } from "../../shared/jobs.ts";
import type { WorkerConfig } from "../config.ts";
import type { RelayClient } from "../relay-client.ts";
import { CLI_APPROVAL_MARK, configOrExit, EXIT, relayClientFor } from "./runtime.ts";

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
  const live = await liveStatuses(env, lessons);
  const list = formatReviewList(lessons.map((lesson) => ({ lesson, live: live.get(lesson) ?? null })));
  const onYouTube = lessons.filter((l) => l.target === "youtube");
  if (onYouTube.length === 0) return list;
  // Each lesson and each Short is its own upload: count both against today's quota.
  const q = quotaToday(onYouTube.flatMap((l) => [{ finishedAt: l.finishedAt, short: false }, ...(l.shortVideoId ? [{ finishedAt: l.finishedAt, short: true }] : [])]), env.now());
  return `${list}\nYouTube quota today (since midnight Pacific): ${q.lessons} lesson(s) and ${q.shorts} Short(s) uploaded, ${q.uploads} of ${DAILY_UPLOADS} uploads and about ${q.units} of ${DAILY_UNITS} units; room for about ${q.room} more lesson(s) with their Shorts.`;
}

/**
 * `approve --all`: approves every lesson that waits for review (private, not scheduled), one
 * after another; stops at the first failure with what was done so far. Returns one line each.
 */
export async function approveAllWaiting(
  env: PublishCommandEnv,
  opts: { at?: string; repository?: string },
  onApproved: (lesson: { atomId: string; repository: string }) => void = () => {},
): Promise<string[]> {
  const lessons = lessonsOf(env).filter((l) => !opts.repository || l.repository === opts.repository);
  const live = await liveStatuses(env, lessons);
  const waiting = lessons.filter((l) => reviewState(live.get(l) ?? null) === "awaiting review");
  if (waiting.length === 0) return ["No lesson waits for review (`factory publish list` shows them all)."];
  const lines: string[] = [];
  for (const l of waiting) {
    try {
      lines.push(await approvePublished(env, l.atomId, { ...(opts.at ? { at: opts.at } : {}), repository: l.repository }));
      onApproved({ atomId: l.atomId, repository: l.repository });
    } catch (e) {
      const left = waiting.length - lines.length;
      throw new Error(`${[...lines, ""].join("\n")}Stopped at ${l.atomId} (${left} of ${waiting.length} not approved): ${(e as Error).message}`);
    }
  }
  return lines;
}

/**
 * `approve --calendar`: one lesson, or (no atom) every lesson the ledger has as private and
 * unscheduled, approved for the calendar in this worker's records. Calls `done` for each.
 */
export async function approveForCalendarCommand(
  env: PublishCommandEnv & { config: WorkerConfig },
  atom: string | undefined,
  repository: string | undefined,
  done: (l: { atomId: string; repository?: string }) => void,
): Promise<string[]> {
  const { approveLessonForCalendar } = await import("../publish/calendar-tick.ts");
  const ledger = Ledger.open(join(env.workDir, "ledger.sqlite"));
  try {
    const base = { workDir: env.workDir, ledger, now: env.now, calendar: env.config.calendar };
    const targets = atom
      ? [{ atomId: atom, ...(repository ? { repository } : {}) }]
      : publishedLessons(ledger.listStepRuns({ kind: "publish" }))
          .filter((l) => l.privacy !== "public" && !l.publishAt && (!repository || l.repository === repository))
          .map((l) => ({ atomId: l.atomId, repository: l.repository }));
    if (!targets.length) return ["No lesson waits for review: nothing to approve for the calendar."];
    const lines: string[] = [];
    for (const t of targets) {
      lines.push(await approveLessonForCalendar(base, t.atomId, t.repository));
      done(t);
    }
    return lines;
  } finally {
    ledger.close();
  }
}

/**
 * Tells the relay about approvals made here, so its dashboard stops listing them as waiting:
 * one `factory.publish.approve` job each, marked as made from the command line, which the worker
 * completes at once (the dashboard counts a done approve job as the approval). Best effort: the
 * lesson is approved either way; returns a note when the relay could not be told.
 */
export async function recordApprovalsOnRelay(
  client: Pick<RelayClient, "enqueue">,
  approved: readonly { atomId: string; repository?: string }[],
  at?: string,
  calendar?: boolean,
): Promise<string | null> {
  try {
    for (const a of approved) {
      await client.enqueue({
        type: APPROVE_JOB_TYPE,
        // No dedupe key: an older approval of the same lesson (a dashboard click before it was
        // published again) must not stand in for this one.
        payload: { atomId: a.atomId, ...(a.repository ? { repository: a.repository } : {}), ...(at ? { at } : {}), ...(calendar ? { calendar: true } : {}), approvedBy: CLI_APPROVAL_MARK },
      });
    }
    return null;
  } catch (e) {
    return `(The dashboard may still list ${approved.length === 1 ? "it" : "them"} as waiting: the relay could not be told: ${(e as Error).message})`;
  }
}

async function liveStatuses(env: PublishCommandEnv, lessons: readonly PublishedLesson[]): Promise<Map<PublishedLesson, LiveStatus | null>> {
  try {
    return await liveStatusesByLesson(lessons, env.settings, env.now);
  } catch (e) {
    // The owner's command: the message, without the worker's retry semantics.
    throw new Error((e as Error).message);
  }
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
    const youtube = await youtubeFor(env);
    const result = await youtube.approve(lesson.videoId, publishAt);
    // The Short goes out with its lesson, never before it.
    if (lesson.shortVideoId) await youtube.approve(lesson.shortVideoId, publishAt);
    const also = lesson.shortUrl ? ` (and its Short ${lesson.shortUrl})` : "";
    return result.publishAt
      ? `${atomId}: scheduled to go public at ${result.publishAt} — ${lesson.url}${also}`
      : `${atomId}: now ${result.privacy} — ${lesson.url}${also}`;
  } catch (e) {
    if (e instanceof Error && /not on the channel/.test(e.message)) throw e;
    // A StepError keeps whether trying again can help (network, quota) for the worker's approve jobs.
    throw toStepError(e, env.now(), `approving ${atomId}`);
  }
}

function envFromConfig(): (PublishCommandEnv & { config: WorkerConfig }) | null {
  const config = configOrExit();
  return config ? { workDir: config.workDir, settings: config.settings, now: Date.now, config } : null;
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
    .command("approve [atom]")
    .description("Make a reviewed lesson public now (--all: every lesson waiting for review), or schedule it with --at")
    .option("--all", "approve every lesson that waits for review")
    .option("--at <time>", 'when it goes public: "2026-12-01 15:00" (local time) or an ISO time with a zone')
    .option("--repo <owner/name>", "when the atom was published from several repositories (with --all: only this one)")
    .option("--calendar", "approve it for the publishing calendar: a scheduled tick gives it the next free slot in course order")
    .action(async (atom: string | undefined, opts: { all?: boolean; at?: string; repo?: string; calendar?: boolean }) => {
      if (!atom === !opts.all) {
        console.error(atom ? "Give an atom or --all, not both." : "Name the lesson to approve (`factory publish list` shows them), or use --all.");
        return void (process.exitCode = EXIT.config);
      }
      if (opts.calendar && opts.at) {
        console.error("Give --at (a time you choose) or --calendar (the calendar's next free slot), not both.");
        return void (process.exitCode = EXIT.config);
      }
      const env = envFromConfig();
      if (!env) return void (process.exitCode = EXIT.config);
      const shared = { ...(opts.at ? { at: opts.at } : {}), ...(opts.repo ? { repository: opts.repo } : {}) };
      const approved: { atomId: string; repository?: string }[] = [];
      try {
        const lines = opts.calendar
          ? await approveForCalendarCommand(env, atom, opts.repo, (l) => approved.push(l))
          : atom
            ? [await approvePublished(env, atom, shared)]
            : await approveAllWaiting(env, shared, (l) => approved.push(l));
        if (atom && !opts.calendar) approved.push({ atomId: atom, ...(opts.repo ? { repository: opts.repo } : {}) });
        console.log(lines.join("\n"));
        if (env.config.relayUrl && env.config.workerToken && approved.length) {
          const note = await recordApprovalsOnRelay(relayClientFor(env.config), approved, opts.at, opts.calendar);
          if (note) console.log(note);
        }
      } catch (e) {
        console.error((e as Error).message);
        process.exitCode = EXIT.failed;
      }
    });
}
