/**
 * The offline voice: eSpeak NG compiled to WebAssembly (the `espeak-ng` npm package), so a fresh
 * machine narrates with nothing but `npm install`. It sounds robotic; it is the default because it
 * needs no account, and Google or a cloned voice replace it by one setting.
 */
import ESpeakNg from "espeak-ng";
import type { VoiceSettings } from "../settings.ts";
import { parseWav, type Pcm } from "../wav.ts";
import type { SpeechProvider } from "./provider.ts";

/** The eSpeak NG provider. Each call runs a fresh WASM instance: its `main` runs once per instance. */
export function espeakProvider(s: VoiceSettings["espeak"]): SpeechProvider {
  return {
    name: "espeak",
    voice: s.voice,
    cacheKey: { speed: s.speed, pitch: s.pitch, engine: "espeak-ng@1.0.2" },
    async synthesize(text: string, signal: AbortSignal): Promise<Pcm> {
      signal.throwIfAborted();
      // A leading "-" would be read as an option by espeak's argument parser.
      const safe = text.replace(/\s+/g, " ").trim().replace(/^-/, " -");
      const errors: string[] = [];
      const instance = await ESpeakNg({
        arguments: ["-w", "out.wav", "-v", s.voice, "-s", String(s.speed), "-p", String(s.pitch), safe],
        print: () => {},
        printErr: (line: string) => errors.push(line),
      });
      let wav: Uint8Array;
      try {
        wav = instance.FS.readFile("out.wav");
      } catch {
        throw new Error(
          `eSpeak NG produced no audio (${errors.join(" ").slice(0, 200) || "no message"}). Check voice.espeak.voice ("${s.voice}") names an eSpeak NG voice such as "en-us".`,
        );
      }
      return parseWav(wav);
    },
  };
}
