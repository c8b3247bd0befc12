/**
 * The media stage: for every atom, `narrate:<atom>` (the script's narration, a clip per part) and
 * `render:<atom>` (lesson, Short, thumbnail, captions), after `script:<atom>`.
 *
 * Inputs are exactly what decides each output: narration hashes the spoken text and the voice, so
 * a new heading or bullet re-renders without re-narrating; render hashes the clips (their paths
 * are content hashes), the slide text and the video settings. An unchanged script renders nothing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { MediaAssets, VideoScript } from "../../shared/models.ts";
import { StepError, stepKey, type PlannedStep, type Stage, type StepContext, type StepOutput } from "../pipeline/types.ts";
import { FfmpegError } from "../media/ffmpeg.ts";
import { FontError } from "../media/fonts.ts";
import { contentHash } from "../media/hash.ts";
import { render, renderInputs, RENDER_VERSION } from "../media/render.ts";
import { mediaSettings, type VideoSettings, type VoiceSettings } from "../media/settings.ts";
import { TtsError } from "../media/tts/errors.ts";
import { narrate, narrationParts, type SpeechProvider } from "../media/tts/provider.ts";
import { speechProvider } from "../media/tts/select.ts";

/** Bump when narration code changes what it produces (2: spoken form and word times). */
const NARRATE_VERSION = 2;

export interface MediaStageDeps {
  env?: NodeJS.ProcessEnv;
  /** Replaces the provider factory (tests). */
  provider?: (voice: VoiceSettings) => SpeechProvider;
}

/** What identifies a voice in the narrate step's inputs, without making a client. */
function voiceIdentity(v: VoiceSettings): unknown {
  switch (v.provider) {
    case "google":
      return { provider: "google", ...v.google, rootUrl: undefined };
    case "elevenlabs":
      return { provider: "elevenlabs", ...v.elevenlabs, baseUrl: undefined };
    case "flite":
      return { provider: "flite", ...v.flite };
    case "piper":
      return { provider: "piper", ...v.piper };
    default:
      return { provider: "espeak", ...v.espeak };
  }
}

function scriptFrom(ctx: StepContext, atomId: string): VideoScript {
  const parsed = VideoScript.safeParse(ctx.deps[stepKey.script(atomId)]?.data);
  if (!parsed.success) {
    throw new StepError(
      `No valid script for ${atomId} in the script step's output. Delete scripts/${atomId}.json under WORK_DIR/artifacts ` +
        "(the script is then written again) and retry the job (npx factory retry <job id>).",
      false,
    );
  }
  return parsed.data;
}

/** Turns what the media code throws into a StepError that says whether to retry. */
function asStepError(err: unknown, ctx: StepContext, what: string): unknown {
  if (ctx.signal.aborted || err instanceof StepError) return err;
  // A full disk is not the job's fault: say so, and let the job try again later.
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC" || (err instanceof FfmpegError && /No space left on device/i.test(err.message)))
    return new StepError(
      `${what}: the disk holding ${ctx.artifactsDir} is full. Free some space (docs/operations.md, "Disk space"); the job is retried by itself.`,
      true,
    );
  if (err instanceof TtsError) return new StepError(err.message, err.retryable);
  if (err instanceof FfmpegError || err instanceof FontError) return new StepError(`${what}: ${err.message}`, false);
  if (err instanceof z.ZodError) return new StepError(`${what}: invalid settings: ${err.message}`, false);
  return new StepError(`${what}: ${(err as Error).message ?? String(err)}`, false);
}

function providerFor(voice: VoiceSettings, deps: MediaStageDeps): SpeechProvider {
  return (deps.provider ?? ((v) => speechProvider(v, deps.env ?? process.env)))(voice);
}

function narrateStep(atomId: string, voice: VoiceSettings, deps: MediaStageDeps): PlannedStep {
  const scriptKey = stepKey.script(atomId);
  return {
    key: stepKey.narrate(atomId),
    kind: "narrate",
    version: NARRATE_VERSION,
    dependsOn: [scriptKey],
    inputs: (d) => {
      const script = VideoScript.safeParse(d[scriptKey]?.data);
      return { parts: script.success ? narrationParts(script.data) : null, voice: voiceIdentity(voice) };
    },
    async run(ctx): Promise<StepOutput> {
      const script = scriptFrom(ctx, atomId);
      try {
        const provider = providerFor(voice, deps);
        const { narration, synthesised } = await narrate(script, provider, {
          artifactsDir: ctx.artifactsDir,
          signal: ctx.signal,
          onProgress: (f, m) => ctx.progress(f, m),
        });
        return {
          data: narration,
          files: Object.fromEntries(narration.clips.map((c) => [`narration-${c.part}`, c.path])),
          usage: { audioSec: narration.totalSec, clipsSynthesised: synthesised },
          note: `narration for ${atomId} by ${narration.provider}/${narration.voice}: ${narration.clips.length} clips, ${narration.totalSec.toFixed(1)} s (${synthesised} synthesised)`,
        };
      } catch (err) {
        throw asStepError(err, ctx, `narrating ${atomId}`);
      }
    },
  };
}

function renderStep(atomId: string, video: VideoSettings, voice: VoiceSettings, deps: MediaStageDeps): PlannedStep {
  const scriptKey = stepKey.script(atomId);
  const narrateKey = stepKey.narrate(atomId);
  return {
    key: stepKey.render(atomId),
    kind: "render",
    version: RENDER_VERSION,
    dependsOn: [scriptKey, narrateKey],
    inputs: (d) => {
      const script = VideoScript.safeParse(d[scriptKey]?.data);
      const narration = MediaAssets.shape.narration.safeParse(d[narrateKey]?.data);
      return script.success && narration.success ? renderInputs(script.data, narration.data, video) : { missing: true, video };
    },
    async run(ctx): Promise<StepOutput> {
      const script = scriptFrom(ctx, atomId);
      const narration = MediaAssets.shape.narration.safeParse(ctx.deps[narrateKey]?.data);
      if (!narration.success)
        throw new StepError(
          `No narration for ${atomId}. Delete WORK_DIR/artifacts/narration (it is then spoken again) and retry the job (npx factory retry <job id>).`,
          false,
        );
      try {
        let clips = narration.data;
        // The ledger remembers the narrate step, but its clips live on disk: if someone cleaned the
        // artifacts folder, speak the missing parts again rather than fail on a missing file.
        const missing = clips.clips.filter((c) => !existsSync(join(ctx.artifactsDir, c.path)));
        if (missing.length > 0) {
          ctx.log.warn("narration clips missing from the artifacts folder; narrating them again", { atomId, missing: missing.length });
          clips = (await narrate(script, providerFor(voice, deps), { artifactsDir: ctx.artifactsDir, signal: ctx.signal })).narration;
        }
        const r = await render({
          script,
          narration: clips,
          video,
          artifactsDir: ctx.artifactsDir,
          signal: ctx.signal,
          onProgress: (f, m) => ctx.progress(f, m),
        });
        const assets: MediaAssets = { atomId, scriptHash: contentHash(script), narration: clips, ...r.files };
        return {
          data: assets,
          files: { ...r.files },
          usage: { videoSec: r.durationSec, ...(r.shortSec !== null ? { shortSec: r.shortSec } : {}) },
          note: `${r.cached ? "reused" : "rendered"} ${atomId}: lesson ${r.durationSec.toFixed(1)} s${r.shortSec !== null ? `, Short ${r.shortSec.toFixed(1)} s` : ""}`,
        };
      } catch (err) {
        throw asStepError(err, ctx, `rendering ${atomId}`);
      }
    },
  };
}

/** The media stage. Settings: `settings.voice` and `settings.video` (see worker/media/settings.ts). */
export function mediaStage(deps: MediaStageDeps = {}): Stage {
  return {
    name: "media",
    plan({ kb, settings, only }): PlannedStep[] {
      if (!kb) return [];
      let s: ReturnType<typeof mediaSettings>;
      try {
        s = mediaSettings(settings);
      } catch (err) {
        throw new StepError(`Invalid voice/video settings in factory.config.json: ${(err as Error).message}`, false);
      }
      return kb.atoms.filter((atom) => !only || only.has(atom.id)).flatMap((atom) => [narrateStep(atom.id, s.voice, deps), renderStep(atom.id, s.video, s.voice, deps)]);
    },
  };
}
