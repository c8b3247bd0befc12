/**
 * A cloned voice through the ElevenLabs REST API (plain fetch: the API is two endpoints here).
 * Speech comes back as raw 16-bit PCM (`output_format=pcm_24000`), so clips stay lossless until
 * the final AAC encode. Key: ELEVENLABS_API_KEY.
 */
import type { VoiceSettings } from "../settings.ts";
import { joinPcm, pcmFromRaw, type Pcm } from "../wav.ts";
import { httpTtsError, TtsError } from "./errors.ts";
import { splitSentences, type SpeechProvider } from "./provider.ts";

const SAMPLE_RATE = 24000;
/** Characters per request: below the multilingual model's limit, cut at sentence ends. */
const MAX_CHARS = 4000;

/** The API key, or a TtsError that says how to set it. */
export function elevenLabsKey(env: NodeJS.ProcessEnv): string {
  const key = env.ELEVENLABS_API_KEY;
  if (!key) throw new TtsError("ELEVENLABS_API_KEY is not set: export your ElevenLabs API key in the worker's environment.", false);
  return key;
}

async function call(url: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new TtsError(`ElevenLabs could not be reached (${(err as Error).message}); the job will retry later.`, true);
  }
  if (!res.ok) throw httpTtsError("ElevenLabs", res.status, "ELEVENLABS_API_KEY", await res.text().catch(() => ""));
  return res;
}

/** The ElevenLabs provider for the cloned voice in `s.voiceId`. */
export function elevenLabsProvider(s: VoiceSettings["elevenlabs"], env: NodeJS.ProcessEnv = process.env): SpeechProvider {
  const key = elevenLabsKey(env);
  const voiceId = s.voiceId;
  if (!voiceId) {
    throw new TtsError('voice.provider is "elevenlabs" but voice.elevenlabs.voiceId is not set: run "factory voice clone <samples…>" first.', false);
  }
  return {
    name: "elevenlabs",
    voice: voiceId,
    cacheKey: { modelId: s.modelId, stability: s.stability, similarityBoost: s.similarityBoost, sampleRate: SAMPLE_RATE },
    async synthesize(text: string, signal: AbortSignal): Promise<Pcm> {
      const parts: Pcm[] = [];
      for (const chunk of splitSentences(text.replace(/\s+/g, " ").trim(), MAX_CHARS)) {
        const url = `${s.baseUrl.replace(/\/$/, "")}/v1/text-to-speech/${encodeURIComponent(voiceId)}?output_format=pcm_${SAMPLE_RATE}`;
        const res = await call(
          url,
          {
            method: "POST",
            headers: { "xi-api-key": key, "content-type": "application/json", accept: "audio/pcm" },
            body: JSON.stringify({
              text: chunk,
              model_id: s.modelId,
              voice_settings: { stability: s.stability, similarity_boost: s.similarityBoost },
            }),
          },
          signal,
        );
        parts.push(pcmFromRaw(new Uint8Array(await res.arrayBuffer()), SAMPLE_RATE));
      }
      return joinPcm(parts);
    },
  };
}

/** A sample recording for cloning. */
export interface VoiceSample {
  name: string;
  data: Uint8Array;
  type: string;
}

/** Creates an instant voice clone from samples; returns its voice id. */
export async function cloneVoice(
  o: { baseUrl: string; name: string; description?: string; samples: VoiceSample[] },
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<string> {
  const key = elevenLabsKey(env);
  const form = new FormData();
  form.append("name", o.name);
  if (o.description) form.append("description", o.description);
  for (const s of o.samples) form.append("files", new Blob([s.data], { type: s.type }), s.name);
  const res = await call(`${o.baseUrl.replace(/\/$/, "")}/v1/voices/add`, { method: "POST", headers: { "xi-api-key": key }, body: form }, signal);
  const body = (await res.json()) as { voice_id?: string };
  if (!body.voice_id) throw new TtsError("ElevenLabs answered without a voice_id", true);
  return body.voice_id;
}
