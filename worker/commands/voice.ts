/**
 * `factory voice clone <samples…>`: creates an ElevenLabs instant voice clone from recordings and
 * stores its id in factory.config.json (voice.provider = "elevenlabs", voice.elevenlabs.voiceId),
 * so the next run narrates with it.
 */
import { existsSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import type { Command } from "commander";
import { jsonErrorWhere } from "../kb/json-error.ts";
import { VoiceSettings } from "../media/settings.ts";
import { cloneVoice, type VoiceSample } from "../media/tts/elevenlabs.ts";

const AUDIO_TYPES: Record<string, string> = {
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".m4a": "audio/mp4",
  ".ogg": "audio/ogg",
  ".flac": "audio/flac",
  ".webm": "audio/webm",
};

/** The config file: FACTORY_CONFIG, else ./factory.config.json (as worker/config.ts reads it). */
export function configPath(env: NodeJS.ProcessEnv, explicit?: string): string {
  return resolve(explicit ?? env.FACTORY_CONFIG ?? "factory.config.json");
}

async function readSamples(files: string[]): Promise<VoiceSample[]> {
  if (files.length === 0) throw new Error("Give at least one sample recording: factory voice clone narrator-1.mp3 narrator-2.mp3");
  return Promise.all(
    files.map(async (f) => {
      const type = AUDIO_TYPES[extname(f).toLowerCase()];
      if (!type) throw new Error(`${f} is not an audio file ElevenLabs takes (use ${Object.keys(AUDIO_TYPES).join(", ")}).`);
      const data = await readFile(f).catch(() => {
        throw new Error(`Cannot read sample ${f}: check the path.`);
      });
      if (data.length === 0) throw new Error(`Sample ${f} is empty.`);
      return { name: basename(f), type, data };
    }),
  );
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  if (!existsSync(path)) return {};
  const text = await readFile(path, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON (${jsonErrorWhere(text)}); fix it before cloning, so the voice id can be stored.`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error(`${path} must hold a JSON object.`);
  return value as Record<string, unknown>;
}

export interface CloneOptions {
  samples: string[];
  name: string;
  description?: string;
  config?: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

/**
 * Clones the voice and stores its id; returns the id and the config file written. The config is
 * read and checked before the (billable) clone call, and written atomically after it.
 */
export async function cloneAndStore(o: CloneOptions): Promise<{ voiceId: string; configFile: string }> {
  const file = configPath(o.env, o.config);
  const config = await readConfig(file);
  const voiceIn = (config.voice ?? {}) as Record<string, unknown>;
  const elevenIn = (voiceIn.elevenlabs ?? {}) as Record<string, unknown>;
  const current = VoiceSettings.parse({ ...voiceIn, provider: "elevenlabs" });
  const baseUrl = o.env.ELEVENLABS_BASE_URL ?? current.elevenlabs.baseUrl;
  const samples = await readSamples(o.samples);
  const voiceId = await cloneVoice({ baseUrl, name: o.name, ...(o.description ? { description: o.description } : {}), samples }, o.env, o.signal);
  const next = { ...config, voice: { ...voiceIn, provider: "elevenlabs", elevenlabs: { ...elevenIn, voiceId } } };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`Voice ${voiceId} was created but ${file} could not be written (${(err as Error).message}). Set voice.elevenlabs.voiceId to "${voiceId}" by hand.`);
  }
  return { voiceId, configFile: file };
}

/** Registers `factory voice clone`. */
export function registerVoiceCommands(program: Command): void {
  const voice = program.command("voice").description("narration voices");
  voice
    .command("clone")
    .description("create an ElevenLabs voice clone from sample recordings and use it for narration (needs ELEVENLABS_API_KEY)")
    .argument("<samples...>", "clean recordings of the narrator (mp3, wav, m4a, ogg, flac), one to a few minutes in all")
    .option("--name <name>", "name of the voice in ElevenLabs", "Agent Factory narrator")
    .option("--description <text>", "description stored with the voice")
    .option("--config <file>", "config file to update (default: $FACTORY_CONFIG or ./factory.config.json)")
    .action(async (samples: string[], opts: { name: string; description?: string; config?: string }) => {
      const ac = new AbortController();
      process.once("SIGINT", () => ac.abort(new Error("interrupted")));
      try {
        const { voiceId, configFile } = await cloneAndStore({ samples, ...opts, env: process.env, signal: ac.signal });
        console.log(`Created voice ${voiceId}; ${configFile} now narrates with it (voice.provider = "elevenlabs").`);
      } catch (err) {
        console.error(`factory voice clone: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    });
}
