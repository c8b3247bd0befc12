/**
 * The publishing stage: one `publish:<atom>` step per atom, after its script and its render.
 *
 * A step publishes the rendered lesson either into the local publish folder (the default, and
 * what the demo uses) or to YouTube (settings.publish.target = "youtube"), privately unless
 * configured otherwise: `factory publish approve` is the review gate. Its output is
 * `external.videoId` (+ `playlistId`) and `data` = { url, privacy, publishAt? }.
 *
 * The step's inputs are the script's YouTube metadata, the render's output, the course and the
 * target: a changed lesson publishes again, an unchanged one is skipped by the runner, and a
 * redelivered or restarted one resumes from what it recorded (see worker/publish/youtube.ts).
 * Privacy is deliberately not an input: changing the default must not re-upload every video.
 */
import { isAbsolute, join, resolve } from "node:path";
import { MediaAssets, VideoScript } from "../../shared/models.ts";
import { StepError, stepKey, type PlannedStep, type Stage, type StepContext, type StepOutput } from "../pipeline/types.ts";
import { toStepError } from "../publish/errors.ts";
import { publishLocal } from "../publish/local.ts";
import { courseOf, lessonMetadata, shortLink, shortMetadata } from "../publish/metadata.ts";
import { authorizedClient } from "../publish/oauth.ts";
import { publishSettings, type PublishSettings } from "../publish/settings.ts";
import { writeBack } from "../publish/writeback.ts";
import { YouTubePublisher } from "../publish/youtube.ts";

/** Bump when a change here should republish every lesson. */
const PUBLISH_VERSION = 1;

export interface PublishStageOptions {
  /** The clock (ms), injected so the quota reset time is testable. */
  now?: () => number;
}

/** The stage that publishes every rendered lesson. */
export function publishStage(options: PublishStageOptions = {}): Stage {
  const now = options.now ?? Date.now;
  return {
    name: "publish",
    plan({ kb, settings, only }) {
      if (!kb) return [];
      const s = publishSettings(settings);
      const atoms = kb.atoms.filter((atom) => !only || only.has(atom.id));
      const steps = atoms.map((atom) => publishStep(atom.id, courseOf(kb, atom.id), s, now));
      if (s.writeback.enabled) steps.push(writebackStep(atoms.map((a) => a.id), s, now));
      return steps;
    },
  };
}

function publishStep(
  atomId: string,
  course: { id: string; title: string; description?: string | undefined } | null,
  s: PublishSettings,
  now: () => number,
): PlannedStep {
  const scriptKey = stepKey.script(atomId);
  const renderKey = stepKey.render(atomId);
  const yt = s.youtube;
  return {
    key: stepKey.publish(atomId),
    kind: "publish",
    version: PUBLISH_VERSION,
    dependsOn: [scriptKey, renderKey],
    inputs: (deps) => ({
      target: s.target,
      destination:
        s.target === "local"
          ? { folder: resolve(s.folder) }
          : { categoryId: yt.categoryId, language: yt.language, madeForKids: yt.madeForKids, playlist: yt.playlistPerCourse },
      course: course ? { id: course.id, title: course.title } : null,
      youtube: (deps[scriptKey]?.data as VideoScript | undefined)?.youtube ?? null,
      media: deps[renderKey]?.data ?? null,
    }),
    run: (ctx) => runPublish(ctx, atomId, course, s, now),
  };
}

async function runPublish(
  ctx: StepContext,
  atomId: string,
  course: { id: string; title: string; description?: string | undefined } | null,
  s: PublishSettings,
  now: () => number,
): Promise<StepOutput> {
  const script = VideoScript.safeParse(ctx.deps[stepKey.script(atomId)]?.data);
  const media = MediaAssets.safeParse(ctx.deps[stepKey.render(atomId)]?.data);
  if (!script.success)
    throw new StepError(
      `publish ${atomId}: the script step left no valid VideoScript. Delete scripts/${atomId}.json under WORK_DIR/artifacts ` +
        "(it is then written again) and retry the job (npx factory retry <job id>).",
      false,
    );
  if (!media.success || !media.data.lesson) {
    throw new StepError(
      `publish ${atomId}: the render step left no lesson video. Delete media/${atomId} under WORK_DIR/artifacts ` +
        "(it is then rendered again) and retry the job (npx factory retry <job id>).",
      false,
    );
  }
  const abs = (p: string | undefined) => (p ? (isAbsolute(p) ? p : join(ctx.artifactsDir, p)) : undefined);
  const meta = lessonMetadata(script.data);

  if (s.target === "local") {
    const { folder, url, metadata } = await publishLocal({
      root: resolve(s.folder),
      atomId,
      courseId: course?.id ?? null,
      files: {
        video: abs(media.data.lesson)!,
        ...(media.data.captionsSrt ? { captionsSrt: abs(media.data.captionsSrt)! } : {}),
        ...(media.data.captionsVtt ? { captionsVtt: abs(media.data.captionsVtt)! } : {}),
        ...(media.data.thumbnail ? { thumbnail: abs(media.data.thumbnail)! } : {}),
        ...(media.data.short ? { short: abs(media.data.short)! } : {}),
      },
      ...meta,
      privacy: s.privacy,
      now: new Date(now()),
    });
    return {
      external: { videoId: `local:${course?.id ?? "no-course"}/${atomId}`, localFolder: folder },
      data: { url, privacy: metadata.privacy },
      note: `published locally to ${folder} (${metadata.privacy})`,
    };
  }

  try {
    const auth = await authorizedClient(s.youtube);
    const publisher = new YouTubePublisher({
      auth,
      rootUrl: s.youtube.rootUrl,
      chunkBytes: s.youtube.chunkBytes,
      now,
      log: ctx.log,
      signal: ctx.signal,
      onProgress: (fraction, message) => ctx.progress(fraction * 0.9, message),
    });
    const out = await publisher.publish(
      {
        videoFile: abs(media.data.lesson)!,
        mimeType: "video/mp4",
        ...(media.data.thumbnail ? { thumbnailFile: abs(media.data.thumbnail)! } : {}),
        ...(media.data.captionsSrt ? { captionsFile: abs(media.data.captionsSrt)! } : {}),
        ...meta,
        privacy: s.privacy,
        categoryId: s.youtube.categoryId,
        language: s.youtube.language,
        madeForKids: s.youtube.madeForKids,
        playlist:
          course && s.youtube.playlistPerCourse
            ? { title: course.title, description: course.description ?? "", privacy: s.youtube.playlistPrivacy }
            : null,
      },
      ctx,
      "yt",
    );
    // The Short: its own upload (recorded under its own scope, so never twice), pointing to the
    // lesson, and the lesson's description then links back to it.
    let short: { videoId: string; url: string } | null = null;
    if (media.data.short && s.youtube.shorts) {
      ctx.progress(0.92, "uploading the Short");
      const sm = shortMetadata(script.data, out.url);
      const up = await publisher.publish(
        {
          videoFile: abs(media.data.short)!,
          mimeType: "video/mp4",
          ...sm,
          privacy: s.privacy,
          categoryId: s.youtube.categoryId,
          language: s.youtube.language,
          madeForKids: s.youtube.madeForKids,
          playlist: null,
        },
        ctx,
        "yt-short",
      );
      short = { videoId: up.videoId, url: up.url };
      if (!ctx.recorded["yt-short.linked"]) {
        await publisher.appendToDescription(out.videoId, shortLink(up.url));
        ctx.record("yt-short.linked", up.videoId);
      }
    }
    ctx.progress(1, "published");
    return {
      external: {
        videoId: out.videoId,
        ...(out.playlistId ? { playlistId: out.playlistId } : {}),
        ...(short ? { shortVideoId: short.videoId } : {}),
      },
      data: {
        url: out.url,
        privacy: out.privacy,
        ...(out.publishAt ? { publishAt: out.publishAt } : {}),
        ...(short ? { shortUrl: short.url } : {}),
      },
      note: `${out.uploaded ? "uploaded" : "already on YouTube:"} ${out.url}${short ? ` and its Short ${short.url}` : ""} (${out.privacy}; approve with \`factory publish approve ${atomId}\`)`,
    };
  } catch (err) {
    // Aborts propagate untouched so the runner reports "interrupted" and resumes next time.
    if (ctx.signal.aborted && !(err instanceof StepError)) throw err;
    throw toStepError(err, now(), `publishing ${atomId} to YouTube`);
  }
}

/** Commits every generated script to the write-back branch (only when settings.publish.writeback.enabled). */
function writebackStep(atomIds: string[], s: PublishSettings, now: () => number): PlannedStep {
  const scriptKeys = atomIds.map((id) => stepKey.script(id));
  const { enabled: _enabled, ...target } = s.writeback;
  return {
    key: stepKey.writeback(),
    kind: "writeback",
    version: 1,
    dependsOn: scriptKeys,
    inputs: (deps) => ({ target, scripts: scriptKeys.map((k) => deps[k]?.data ?? null) }),
    run: async (ctx) => {
      const scripts = scriptKeys.flatMap((k) => {
        const parsed = VideoScript.safeParse(ctx.deps[k]?.data);
        return parsed.success ? [parsed.data] : [];
      });
      const result = await writeBack({
        repoDir: ctx.snapshot.dir,
        watchedBranch: ctx.snapshot.branch,
        settings: s.writeback,
        scripts,
        author: { name: s.writeback.authorName, email: s.writeback.authorEmail },
        now: new Date(now()),
      });
      return {
        external: { commit: result.commit },
        data: { branch: s.writeback.branch, committed: result.committed, pushed: result.pushed, changed: result.changed },
        note: result.committed
          ? `committed ${result.changed.length} script(s) to ${s.writeback.branch}${result.pushed ? " and pushed" : ""}`
          : `${s.writeback.branch} already up to date`,
      };
    },
  };
}
