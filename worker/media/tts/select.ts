/** Picks the configured voice provider. */
import type { VoiceSettings } from "../settings.ts";
import { elevenLabsProvider } from "./elevenlabs.ts";
import { espeakProvider } from "./espeak.ts";
import { fliteProvider } from "./flite.ts";
import { piperProvider } from "./piper.ts";
import { googleProvider } from "./google.ts";
import type { SpeechProvider } from "./provider.ts";
import { TtsError } from "./errors.ts";

/** The provider `voice.provider` names; throws a TtsError when its credentials are missing. */
export function speechProvider(voice: VoiceSettings, env: NodeJS.ProcessEnv = process.env): SpeechProvider {
  switch (voice.provider) {
    case "google":
      return googleProvider(voice.google, env);
    case "elevenlabs":
      return elevenLabsProvider(voice.elevenlabs, env);
    case "espeak":
      return espeakProvider(voice.espeak);
    case "piper":
      if (!voice.piper.model) throw new TtsError("voice.provider is \"piper\" but voice.piper.model names no voice: set it to the .onnx file you downloaded (docs/media.md, Piper).", false);
      return piperProvider({ model: voice.piper.model, config: voice.piper.config, speaker: voice.piper.speaker, lengthScale: voice.piper.lengthScale });
    default:
      return fliteProvider(voice.flite);
  }
}
