/**
 * A cloned voice through the ElevenLabs REST API (plain fetch: the API is a few endpoints here).
 * Speech comes back as raw 16-bit PCM (`output_format=pcm_24000`), so clips stay lossless until
 * the final AAC encode. Narration uses `/with-timestamps`, whose per-character alignment times
 * each word. Key: ELEVENLABS_API_KEY.
 */
import type { VoiceSettings } from "../settings.ts";
import type { SpokenText } from "../spoken.ts";
import { joinPcm, pcmDuration, pcmFromRaw, type Pcm } from "../wav.ts";
import { placeInVoiced, timesFromAlignment, type CharacterAlignment, type WordTime } from "../word-timing.ts";
import { httpTtsError, TtsError } from "./errors.ts";
import { splitSentences, type SpeechProvider, type TimedSpeech } from "./provider.ts";

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
  // One text-to-speech request: plain PCM, or (timed) JSON with the PCM and its character alignment.
  const request = (text: string, timed: boolean, signal: AbortSignal) =>
    call(
      `${s.baseUrl.replace(/\/$/, "")}/v1/text-to-speech/${encodeURIComponent(voiceId)}${timed ? "/with-timestamps" : ""}?output_format=pcm_${SAMPLE_RATE}`,
      {
        method: "POST",
        headers: { "xi-api-key": key, "content-type": "application/json", accept: timed ? "application/json" : "audio/pcm" },
        body: JSON.stringify({
          text,
          model_id: s.modelId,
          voice_settings: { stability: s.stability, similarity_boost: s.similarityBoost },
        }),
      },
      signal,
    );
  return {
    name: "elevenlabs",
    voice: voiceId,
    cacheKey: { modelId: s.modelId, stability: s.stability, similarityBoost: s.similarityBoost, sampleRate: SAMPLE_RATE },
    async synthesize(text: string, signal: AbortSignal): Promise<Pcm> {
      const parts: Pcm[] = [];
      for (const chunk of splitSentences(text.replace(/\s+/g, " ").trim(), MAX_CHARS)) {
        const res = await request(chunk, false, signal);
        parts.push(pcmFromRaw(new Uint8Array(await res.arrayBuffer()), SAMPLE_RATE));
      }
      return joinPcm(parts);
    },
    async speak(spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech> {
      const parts: Pcm[] = [];
      const words: WordTime[] = [];
      let at = 0;
      for (const chunk of wordChunks(spoken.words, MAX_CHARS)) {
        const res = await request(chunk.join(" "), true, signal);
        const body = (await res.json().catch(() => null)) as { audio_base64?: string; alignment?: CharacterAlignment | null } | null;
        if (!body?.audio_base64) throw new TtsError("ElevenLabs answered with-timestamps without audio_base64", true);
        const pcm = pcmFromRaw(Buffer.from(body.audio_base64, "base64"), SAMPLE_RATE);
        words.push(...chunkTimes(chunk, body.alignment, pcm, at));
        parts.push(pcm);
        at += pcmDuration(pcm);
      }
      return { pcm: joinPcm(parts), words };
    },
  };
}

/** The words' times from the alignment, or spread over the voiced audio when it is missing or for other text. */
function chunkTimes(words: string[], alignment: CharacterAlignment | null | undefined, pcm: Pcm, at: number): WordTime[] {
  if (alignment) {
    try {
      return timesFromAlignment(words, alignment, at);
    } catch {
      // fall through: an alignment we cannot read still leaves usable audio
    }
  }
  return placeInVoiced(words, pcm, at);
}

/** Consecutive runs of `words` of at most `maxChars` (joined by spaces), cut after sentence ends where possible. */
export function wordChunks(words: string[], maxChars: number): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let len = 0;
  let lastEnd = -1; // index in cur after which a sentence ends
  for (const w of words) {
    if (cur.length > 0 && len + 1 + w.length > maxChars) {
      const cut = lastEnd >= 0 ? lastEnd + 1 : cur.length;
      out.push(cur.slice(0, cut));
      cur = cur.slice(cut);
      len = cur.join(" ").length;
      lastEnd = -1;
    }
    len += (cur.length ? 1 : 0) + w.length;
    cur.push(w);
    if (/[.!?]["')\]]*$/.test(w)) lastEnd = cur.length - 1;
  }
  if (cur.length) out.push(cur);
  return out;
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
