/**
 * The cloned voice: `factory voice clone` against the loopback ElevenLabs fake stores the voice id
 * in factory.config.json, and the provider then narrates with it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneAndStore } from "../../worker/commands/voice.ts";
import { VoiceSettings } from "../../worker/media/settings.ts";
import { elevenLabsProvider } from "../../worker/media/tts/elevenlabs.ts";
import { TtsError } from "../../worker/media/tts/errors.ts";
import { pcmDuration } from "../../worker/media/wav.ts";
import { FakeElevenLabs, SECONDS_PER_CHAR } from "../fakes/elevenlabs.ts";

const fake = new FakeElevenLabs();
const signal = new AbortController().signal;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await fake.start();
  dir = await mkdtemp(join(tmpdir(), "media-eleven-"));
  await writeFile(join(dir, "take-1.wav"), Buffer.alloc(4000, 1));
  await writeFile(join(dir, "take-2.mp3"), Buffer.alloc(3000, 2));
  env = { ELEVENLABS_API_KEY: fake.apiKey, ELEVENLABS_BASE_URL: fake.url };
});
afterAll(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("factory voice clone", () => {
  it("uploads the samples as multipart files and stores the voice id, keeping the rest of the config", async () => {
    const config = join(dir, "factory.config.json");
    await writeFile(config, JSON.stringify({ workDir: "/srv/factory", voice: { elevenlabs: { stability: 0.3 } } }));
    const { voiceId } = await cloneAndStore({
      samples: [join(dir, "take-1.wav"), join(dir, "take-2.mp3")],
      name: "Narrator",
      description: "calm",
      config,
      env,
      signal,
    });
    expect(fake.clones.at(-1)).toEqual({
      name: "Narrator",
      description: "calm",
      files: [
        { name: "take-1.wav", type: "audio/wav", size: 4000 },
        { name: "take-2.mp3", type: "audio/mpeg", size: 3000 },
      ],
    });
    expect(JSON.parse(await readFile(config, "utf8"))).toEqual({
      workDir: "/srv/factory",
      voice: { provider: "elevenlabs", elevenlabs: { stability: 0.3, voiceId } },
    });
    expect(fake.problems).toEqual([]);
  });

  it("does not call ElevenLabs when the config is broken or a sample is not audio", async () => {
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ nope");
    const before = fake.clones.length;
    await expect(cloneAndStore({ samples: [join(dir, "take-1.wav")], name: "x", config: broken, env, signal })).rejects.toThrow(/not valid JSON/);
    await expect(cloneAndStore({ samples: [join(dir, "broken.json")], name: "x", config: join(dir, "new.json"), env, signal })).rejects.toThrow(/not an audio file/);
    expect(fake.clones.length).toBe(before);
  });

  it("runs as a CLI command and tells the user which config now narrates with the clone", async () => {
    const config = join(dir, "cli.config.json");
    const { stdout } = await promisify(execFile)(process.execPath, ["bin/factory.mjs", "voice", "clone", join(dir, "take-1.wav"), "--name", "CLI voice"], {
      env: { ...process.env, ...env, FACTORY_CONFIG: config },
    });
    const stored = JSON.parse(await readFile(config, "utf8"));
    expect(stored.voice.provider).toBe("elevenlabs");
    expect(stdout).toContain(`Created voice ${stored.voice.elevenlabs.voiceId}`);
    expect(fake.clones.at(-1)!.name).toBe("CLI voice");
  });
});

describe("ElevenLabs provider", () => {
  it("asks for 24 kHz PCM with the configured model and settings, and measures what comes back", async () => {
    fake.voices.add("voice-narrator");
    const s = VoiceSettings.parse({ elevenlabs: { voiceId: "voice-narrator", baseUrl: fake.url } }).elevenlabs;
    const text = "A normally open contact passes power when its bit is on.";
    const pcm = await elevenLabsProvider(s, env).synthesize(text, signal);
    expect(fake.speech.at(-1)).toEqual({
      voiceId: "voice-narrator",
      outputFormat: "pcm_24000",
      text,
      modelId: "eleven_multilingual_v2",
      voiceSettings: { stability: 0.5, similarity_boost: 0.75 },
    });
    expect(pcm.sampleRate).toBe(24000);
    expect(pcmDuration(pcm)).toBeCloseTo(text.length * SECONDS_PER_CHAR, 3);
  });

  it("says what to do when there is no key, no voice id, or the key is refused", async () => {
    const s = VoiceSettings.parse({ elevenlabs: { voiceId: "voice-narrator", baseUrl: fake.url } }).elevenlabs;
    expect(() => elevenLabsProvider(s, {})).toThrow(/ELEVENLABS_API_KEY is not set/);
    expect(() => elevenLabsProvider({ ...s, voiceId: undefined }, env)).toThrow(/factory voice clone/);
    const err = await elevenLabsProvider(s, { ELEVENLABS_API_KEY: "wrong" }).synthesize("Hi.", signal).catch((e) => e);
    expect(err).toBeInstanceOf(TtsError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("HTTP 401");
    expect(err.message).not.toContain("wrong");
  });
});
