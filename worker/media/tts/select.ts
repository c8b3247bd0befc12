/** Picks the configured voice provider. */
import type { VoiceSettings } from "../settings.ts";
import { elevenLabsProvider } from "./elevenlabs.ts";
import { espeakProvider } from "./espeak.ts";
import { fliteProvider } from "./flite.ts";
import { googleProvider } from "./google.ts";
import type { SpeechProvider } from "./provider.ts";

/** The provider `voice.provider` names; throws a TtsError when its credentials are missing. */
export function speechProvider(voice: VoiceSettings, env: NodeJS.ProcessEnv = process.env): SpeechProvider {
  switch (voice.provider) {
    case "google":
      return googleProvider(voice.google, env);
    case "elevenlabs":
      return elevenLabsProvider(voice.elevenlabs, env);
    case "espeak":
      return espeakProvider(voice.espeak);
    default:
      return fliteProvider(voice.flite);
  }
}
