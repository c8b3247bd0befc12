/**
 * Google Cloud Text-to-Speech through googleapis. Text is cut at sentence ends into SSML requests
 * under the API's 5,000-byte input limit; the LINEAR16 chunks are joined as PCM with short fades,
 * so the joins do not click.
 *
 * Credentials: GOOGLE_TTS_API_KEY if set, else Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS or gcloud's login).
 */
import { google, type texttospeech_v1 } from "googleapis";
import type { VoiceSettings } from "../settings.ts";
import { esc } from "../slides.ts";
import { joinPcm, parseWav, type Pcm } from "../wav.ts";
import { httpTtsError, TtsError } from "./errors.ts";
import { splitSentences, type SpeechProvider } from "./provider.ts";

/** Google's limit on one request's input, in bytes. */
export const GOOGLE_MAX_INPUT_BYTES = 5000;
const SAMPLE_RATE = 24000;

/** SSML requests for `text`, each under the byte limit including its `<speak>` wrapper. */
export function ssmlChunks(text: string): string[] {
  const wrapper = "<speak></speak>".length;
  return splitSentences(esc(text.replace(/\s+/g, " ").trim()), GOOGLE_MAX_INPUT_BYTES - wrapper).map((c) => `<speak>${c}</speak>`);
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
              requestBody: {
                input: { ssml },
                voice: { languageCode: s.languageCode, name: s.voice },
                audioConfig: { audioEncoding: "LINEAR16", sampleRateHertz: SAMPLE_RATE, speakingRate: s.speakingRate, pitch: s.pitch },
              },
            },
            { signal, retry: false },
          );
          audio = res.data.audioContent;
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          const e = err as { status?: number; code?: number | string; message?: string };
          const status = typeof e.status === "number" ? e.status : typeof e.code === "number" ? e.code : 0;
          if (status) throw httpTtsError("Google Text-to-Speech", status, "GOOGLE_TTS_API_KEY (or your Application Default Credentials)", e.message ?? "");
          throw new TtsError(`Google Text-to-Speech could not be reached (${e.message ?? "network error"}); the job will retry later.`, true);
        }
        if (!audio) throw new TtsError("Google Text-to-Speech returned no audioContent", true);
        parts.push(parseWav(Buffer.from(audio, "base64")));
      }
      return joinPcm(parts);
    },
  };
}
