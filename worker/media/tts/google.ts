/**
 * Google Cloud Text-to-Speech through googleapis. Text is cut at sentence ends into SSML requests
 * under the API's 5,000-byte input limit; the LINEAR16 chunks are joined as PCM with short fades,
 * so the joins do not click.
 *
 * Narration goes through v1beta1 with a `<mark name="w<i>"/>` before each word and
 * `enableTimePointing: ["SSML_MARK"]`: the answer's timepoints say when each word starts.
 *
 * Credentials: GOOGLE_TTS_API_KEY if set, else Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS or gcloud's login).
 */
import { google, type texttospeech_v1, type texttospeech_v1beta1 } from "googleapis";
import type { VoiceSettings } from "../settings.ts";
import { esc } from "../visuals/theme.ts";
import type { SpokenText } from "../spoken.ts";
import { joinPcm, parseWav, pcmDuration, type Pcm } from "../wav.ts";
import { placeInVoiced, timesFromMarks, type WordTime } from "../word-timing.ts";
import { httpTtsError, TtsError } from "./errors.ts";
import { splitSentences, type SpeechProvider, type TimedSpeech } from "./provider.ts";

/** Google's limit on one request's input, in bytes. */
export const GOOGLE_MAX_INPUT_BYTES = 5000;
const SAMPLE_RATE = 24000;

/** SSML requests for `text`, each under the byte limit including its `<speak>` wrapper. */
export function ssmlChunks(text: string): string[] {
  const wrapper = "<speak></speak>".length;
  return splitSentences(esc(text.replace(/\s+/g, " ").trim()), GOOGLE_MAX_INPUT_BYTES - wrapper).map((c) => `<speak>${c}</speak>`);
}

/** A marked SSML request: words `first`… each preceded by `<mark name="w<index>"/>`. */
export interface MarkedSsml {
  ssml: string;
  first: number;
  count: number;
}

/** SSML requests with a mark before every spoken word, each under the byte limit (cut after a sentence end where possible). */
export function markedSsmlChunks(words: string[]): MarkedSsml[] {
  const limit = GOOGLE_MAX_INPUT_BYTES - "<speak></speak>".length;
  const piece = (w: string, i: number) => `<mark name="w${i}"/>${esc(w)}`;
  const out: MarkedSsml[] = [];
  let first = 0;
  while (first < words.length) {
    let bytes = 0;
    let end = first;
    let lastSentenceEnd = -1;
    while (end < words.length) {
      const add = Buffer.byteLength(piece(words[end]!, end)) + (end > first ? 1 : 0);
      if (bytes + add > limit && end > first) break;
      bytes += add;
      if (/[.!?]["')\]]*$/.test(words[end]!)) lastSentenceEnd = end;
      end++;
    }
    if (end < words.length && lastSentenceEnd >= first) end = lastSentenceEnd + 1;
    const body = words.slice(first, end).map((w, k) => piece(w, first + k)).join(" ");
    out.push({ ssml: `<speak>${body}</speak>`, first, count: end - first });
    first = end;
  }
  return out;
}

/** Turns what googleapis throws into a TtsError (or the abort reason). */
function googleError(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const e = err as { status?: number; code?: number | string; message?: string };
  const status = typeof e.status === "number" ? e.status : typeof e.code === "number" ? e.code : 0;
  if (status) return httpTtsError("Google Text-to-Speech", status, "GOOGLE_TTS_API_KEY (or your Application Default Credentials)", e.message ?? "");
  return new TtsError(`Google Text-to-Speech could not be reached (${e.message ?? "network error"}); the job will retry later.`, true);
}

/** The Google provider. `env` supplies GOOGLE_TTS_API_KEY. */
export function googleProvider(s: VoiceSettings["google"], env: NodeJS.ProcessEnv = process.env): SpeechProvider {
  const key = env.GOOGLE_TTS_API_KEY;
  const auth = key ?? new google.auth.GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const client: texttospeech_v1.Texttospeech = google.texttospeech({
    version: "v1",
    auth,
    ...(s.rootUrl ? { rootUrl: s.rootUrl } : {}),
  });
  const beta: texttospeech_v1beta1.Texttospeech = google.texttospeech({
    version: "v1beta1",
    auth,
    ...(s.rootUrl ? { rootUrl: s.rootUrl } : {}),
  });
  const voice = { languageCode: s.languageCode, name: s.voice };
  const audioConfig = { audioEncoding: "LINEAR16", sampleRateHertz: SAMPLE_RATE, speakingRate: s.speakingRate, pitch: s.pitch };
  return {
    name: "google",
    voice: s.voice,
    cacheKey: { languageCode: s.languageCode, speakingRate: s.speakingRate, pitch: s.pitch, sampleRate: SAMPLE_RATE },
    async synthesize(text: string, signal: AbortSignal): Promise<Pcm> {
      const parts: Pcm[] = [];
      for (const ssml of ssmlChunks(text)) {
        signal.throwIfAborted();
        let audio: string | null | undefined;
        try {
          const res = await client.text.synthesize(
            {
              requestBody: { input: { ssml }, voice, audioConfig },
            },
            { signal, retry: false },
          );
          audio = res.data.audioContent;
        } catch (err) {
          throw googleError(err, signal);
        }
        if (!audio) throw new TtsError("Google Text-to-Speech returned no audioContent", true);
        parts.push(parseWav(Buffer.from(audio, "base64")));
      }
      return joinPcm(parts);
    },
    async speak(spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech> {
      const parts: Pcm[] = [];
      const words: WordTime[] = [];
      let at = 0;
      for (const req of markedSsmlChunks(spoken.words)) {
        signal.throwIfAborted();
        let data: texttospeech_v1beta1.Schema$SynthesizeSpeechResponse;
        try {
          const res = await beta.text.synthesize(
            { requestBody: { input: { ssml: req.ssml }, voice, audioConfig, enableTimePointing: ["SSML_MARK"] } },
            { signal, retry: false },
          );
          data = res.data;
        } catch (err) {
          throw googleError(err, signal);
        }
        if (!data.audioContent) throw new TtsError("Google Text-to-Speech returned no audioContent", true);
        const pcm = parseWav(Buffer.from(data.audioContent, "base64"));
        const dur = pcmDuration(pcm);
        if (data.timepoints?.length) words.push(...timesFromMarks(data.timepoints, req.count, dur, at, req.first));
        else {
          // Some voices (Chirp, Journey) ignore marks: spread the words over the voiced audio instead.
          words.push(...placeInVoiced(spoken.words.slice(req.first, req.first + req.count), pcm, at));
        }
        parts.push(pcm);
        at += dur;
      }
      return { pcm: joinPcm(parts), words };
    },
  };
}
