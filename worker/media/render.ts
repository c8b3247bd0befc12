/**
 * Renders a narrated script into its upload set: the 16:9 lesson, the 9:16 Short, the thumbnail
 * and the caption files.
 *
 * Speed comes from frames: the picture changes only when a caption or a section changes, so each
 * still is one encoded frame (concat demuxer with per-image durations, `-vsync vfr`), repeated only
 * every `maxFrameIntervalSec` so no frame lasts very long. Captions are drawn into the stills, so burning
 * them in costs a still per cue, not a subtitle filter on every frame.
 *
 * Everything is made in a temp folder beside the final one and renamed into place at the end, so a
 * failure leaves no half-written artifact, and the folder name is the hash of the inputs, so an
 * unchanged script renders nothing.
 */
import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MediaAssets, NarrationClip, VideoScript } from "../../shared/models.ts";
import { captionCharsPerLine } from "./caption-art.ts";
import { drawCaptionTrack, stackGraph } from "./caption-track.ts";
import { buildCues, toSrt, toVtt, type Cue } from "./captions.ts";
import { ffmpeg, runFfmpeg, type OutputSpec } from "./ffmpeg.ts";
import { loadFonts, type FontPair } from "./fonts.ts";
import { contentHash } from "./hash.ts";
import { normalizeLoudness } from "./loudness.ts";
import type { VideoSettings } from "./settings.ts";
import { LANDSCAPE, PORTRAIT, logoHref, thumbnailSvg, writePng, type Layout, type SlideContent } from "./slides.ts";
import { slideVisual, stepStarts, visualTheme } from "./slide-visual.ts";
import { visualSteps } from "./visuals/index.ts";
import { drawStills, type Still } from "./stills.ts";
import { encodeWav, joinPcm, parseWav } from "./wav.ts";

/** Bump when a change here changes the pictures or the encode: every cached render is remade. */
export const RENDER_VERSION = 2;

/** The files a render leaves, relative to the artifacts dir. */
export interface RenderFiles {
  lesson: string;
  short?: string;
  thumbnail: string;
  captionsSrt: string;
  captionsVtt: string;
}

export interface RenderInput {
  script: VideoScript;
  narration: MediaAssets["narration"];
  video: VideoSettings;
  artifactsDir: string;
  signal: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

export interface RenderResult {
  files: RenderFiles;
  /** True when every file was already there for these inputs. */
  cached: boolean;
  durationSec: number;
  shortSec: number | null;
}

// Still lives with the code that draws it (stills.ts); re-exported for render's callers.
export type { Still } from "./stills.ts";

/** What decides a render's pictures and sound; its hash names the output folder. */
export function renderInputs(script: VideoScript, narration: MediaAssets["narration"], video: VideoSettings): unknown {
  return {
    v: RENDER_VERSION,
    title: script.title,
    sections: script.sections.map((s) => ({ heading: s.heading, bullets: s.bullets, visual: s.visual ?? null })),
    clips: narration.clips.map((c) => ({ part: c.part, path: c.path, durationSec: c.durationSec, text: c.text })),
    video,
  };
}

/** What the slide of a narration clip shows; `progress` is where the part ends, 0..1. */
export function partContent(script: VideoScript, clip: NarrationClip, progress: number): SlideContent {
  const n = script.sections.length;
  const short = script.short;
  if (short && clip.part === "short-hook") return { kind: "title", label: "", heading: short.title, bullets: [], progress };
  if (short && clip.part === "short-body") {
    return { kind: "section", label: "", heading: short.title, bullets: [], progress, ...(short.visual ? { visual: short.visual } : {}) };
  }
  if (short && clip.part === "short-end") return { kind: "recap", label: "Full lesson", heading: script.title, bullets: [], progress };
  if (clip.part === "hook") return { kind: "title", label: "Lesson", heading: script.title, bullets: [], progress };
  if (clip.part === "outro") {
    return { kind: "recap", label: "Recap", heading: "What you learned", bullets: script.sections.slice(0, 5).map((s) => s.heading), progress };
  }
  const i = Number(clip.part.replace("section-", ""));
  const s = script.sections[i];
  if (!s) throw new Error(`narration part ${clip.part} has no section in the script`);
  return { kind: "section", label: `Part ${i + 1} of ${n}`, heading: s.heading, bullets: s.bullets, progress, ...(s.visual ? { visual: s.visual } : {}) };
}

/** How long `clips` last played back to back, in seconds. */
function clipsSec(clips: readonly NarrationClip[]): number {
  return clips.reduce((s, c) => s + c.durationSec, 0);
}

/** The slide of every clip, in order. */
export function partContents(script: VideoScript, clips: NarrationClip[]): SlideContent[] {
  const total = clipsSec(clips);
  let t = 0;
  return clips.map((clip) => {
    t += clip.durationSec;
    return partContent(script, clip, t / total);
  });
}

/**
 * The stills of a video: with captions burned in, one per spoken word of each cue (the word
 * highlighted from its start to the next word's), else one per part. Each part's stills cover it
 * from its first to its last sample, so pictures never drift from the sound.
 */
export function buildStills(clips: NarrationClip[], cues: Cue[], burn: boolean): Still[] {
  if (burn) return wordStills(clips, cues);
  let t = 0;
  return clips.map((clip, i) => {
    const start = t;
    t += clip.durationSec;
    return { clip: i, caption: null, start, end: t };
  });
}

/**
 * The slide stills of a video: one per part, or, for a part with a diagram, one per build-up
 * step, each step starting as the narration reaches its share of the words.
 */
export function slideStills(clips: NarrationClip[], parts: readonly SlideContent[]): Still[] {
  const out: Still[] = [];
  let t = 0;
  clips.forEach((clip, i) => {
    const t1 = t + clip.durationSec;
    const visual = parts[i]?.visual;
    const starts = visual ? stepStarts(visual, (clip.words ?? []).map(([w]) => w), clip.durationSec) : [0];
    starts.forEach((s, k) => {
      const start = t + s;
      const end = k + 1 < starts.length ? t + starts[k + 1]! : t1;
      if (end - start > 0.0005) out.push({ clip: i, caption: null, start, end, ...(k > 0 ? { step: k } : {}) });
    });
    t = t1;
  });
  return out;
}

/**
 * The SVG of a lesson's thumbnail: its title beside its first diagram (at its last build-up step)
 * or, without one, its outline; the background pattern seeded by the atom.
 */
export function lessonThumbnailSvg(script: VideoScript, style: VideoSettings["style"], fonts: FontPair, logo: string): string {
  const key = script.sections.find((x) => x.visual)?.visual;
  const keyVisual = key ? slideVisual(key, { x: 0, y: 0, width: 440, height: 480 }, visualSteps(key) - 1, visualTheme(style, fonts)) : undefined;
  return thumbnailSvg(script.title, style, fonts, logo, { sections: script.sections.map((x) => x.heading), seed: script.atomId, ...(keyVisual ? { keyVisual } : {}) });
}

/** Shortest time a word keeps the highlight to itself (see wordStills). */
export const MIN_HIGHLIGHT_SEC = 0.25;

function wordStills(clips: NarrationClip[], cues: Cue[]): Still[] {
  const out: Still[] = [];
  const push = (st: Still) => {
    if (st.end - st.start > 0.0005) out.push(st);
  };
  let t0 = 0;
  clips.forEach((clip, ci) => {
    const t1 = t0 + clip.durationSec;
    const mine = cues.filter((c) => c.clip === ci);
    if (mine.length === 0) push({ clip: ci, caption: null, start: t0, end: t1 });
    mine.forEach((c, k) => {
      const from = k === 0 ? t0 : Math.max(t0, c.start);
      const to = k === mine.length - 1 ? t1 : Math.min(t1, mine[k + 1]!.start);
      const still = (start: number, end: number, highlight: number): Still => ({ clip: ci, caption: c.text, lines: c.lines, highlight, start, end });
      const starts = c.words.map((w) => Math.min(to, Math.max(from, w.start)));
      push(still(from, starts[0] ?? to, -1));
      // A word heard for less than MIN_HIGHLIGHT_SEC ("a", "the") keeps the highlight on the word before it:
      // a flicker reads worse than a short lag, and every change is an encoded frame.
      let shown = -1;
      c.words.forEach((_, m) => {
        const end = m + 1 < starts.length ? starts[m + 1]! : to;
        if (shown >= 0 && end - starts[m]! < MIN_HIGHLIGHT_SEC && m + 1 < starts.length) {
          out.at(-1)!.end = end;
          return;
        }
        push(still(starts[m]!, end, m));
        shown = m;
      });
    });
    t0 = t1;
  });
  return out;
}

/**
 * The concat demuxer's list (file names relative to the list): each still for its duration, re-sent every `maxInterval` seconds,
 * and a last short frame just before the end so the video track lasts as long as the audio.
 */
export function concatList(files: string[], stills: Still[], maxInterval: number, tailFrameSec = 0.04): string {
  const lines = ["ffconcat version 1.0"];
  stills.forEach((s, i) => {
    const isLast = i === stills.length - 1;
    const dur = s.end - s.start - (isLast ? tailFrameSec : 0);
    const n = Math.max(1, Math.ceil(dur / maxInterval));
    for (let k = 0; k < n; k++) lines.push(`file '${files[i]}'`, `duration ${(dur / n).toFixed(6)}`);
    if (isLast) lines.push(`file '${files[i]}'`, `duration ${tailFrameSec.toFixed(6)}`, `file '${files[i]}'`);
  });
  return `${lines.join("\n")}\n`;
}

/** The clips a Short holds: the hook and the whole sections that fit in `maxSec` (at least the hook). */
export function shortClips(clips: NarrationClip[], maxSec: number): NarrationClip[] {
  const out: NarrationClip[] = [];
  let t = 0;
  for (const c of clips) {
    if (out.length > 0 && (t + c.durationSec > maxSec || c.part === "outro")) break;
    out.push(c);
    t += c.durationSec;
  }
  return out;
}

/** How the picture is encoded: H.264 High, yuv420p, one frame per still (VFR). */
export function videoSpec(video: VideoSettings): OutputSpec {
  return {
    videoCodec: "libx264",
    profile: "high",
    preset: video.preset,
    tune: "stillimage",
    crf: video.crf,
    pixFmt: "yuv420p",
    vsync: "vfr",
    gop: 5,
    // No B-frames: they buy nothing on stills, and their reordering delay lengthens a VFR track.
    extra: ["-bf", "0"],
  };
}

/** How the sound is encoded: AAC-LC, 48 kHz, mono (narration is mono; stereo would double the encode). */
export function audioSpec(video: VideoSettings): OutputSpec {
  return { audioCodec: "aac", audioBitrate: video.audioBitrate, audioRate: 48000, audioChannels: 1 };
}

/** Mixes music under the voice, ducked by a sidechain compressor, into a 48 kHz mono WAV. */
async function mixMusic(voiceWav: string, music: string, musicDb: number, out: string, signal: AbortSignal): Promise<void> {
  const graph =
    `[0:a]aresample=48000,aformat=channel_layouts=mono,asplit=2[vk][vm];` +
    `[1:a]aresample=48000,aformat=channel_layouts=mono,volume=${musicDb}dB[mu];` +
    `[mu][vk]sidechaincompress=threshold=0.03:ratio=8:attack=30:release=500[duck];` +
    `[vm][duck]amix=inputs=2:duration=first:dropout_transition=0,volume=2[aout]`;
  const args = ffmpeg()
    .input(voiceWav)
    .input(music, { options: ["-stream_loop", "-1"] })
    .filterComplex(graph)
    .output(out, { map: ["[aout]"], audioCodec: "pcm_s16le", format: "wav" })
    .args();
  await runFfmpeg(args, { signal });
}

async function ensureWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new Error(`Cannot write the render to ${dir} (${code}). Make WORK_DIR writable, or set WORK_DIR to a folder this user can write.`);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

interface VideoJob {
  name: "lesson" | "short";
  layout: Layout;
  clips: NarrationClip[];
  cues: Cue[];
}

interface JobContext {
  script: VideoScript;
  video: VideoSettings;
  artifactsDir: string;
  work: string;
  out: string;
  fonts: FontPair;
  logo: string;
  signal: AbortSignal;
  onProgress: (fraction: number) => void;
  /**
   * Encoded sound to reuse instead of making it: the Short's narration is the lesson's first
   * parts, so its sound is the start of the lesson's AAC, stream-copied (one AAC encode per atom).
   */
  reuseAudio?: EncodedSound;
}

/** An AAC file and the encode writing it (which may still be running). */
interface EncodedSound {
  file: string;
  done: Promise<unknown>;
}

/**
 * Renders one video (lesson or Short) to `c.out`, using `c.work` for its intermediate files;
 * returns its encoded sound (kept in `c.work`) so the Short can reuse it.
 */
async function renderVideo(job: VideoJob, c: JobContext): Promise<EncodedSound> {
  const { video, work, signal } = c;
  const dur = clipsSec(job.clips);
  // Pictures first: resvg draws the slides on the thread pool while this thread prepares the sound.
  // Burned captions are a stream of their own (caption-track.ts): the slides are full frames only when they change.
  const burn = video.burnCaptions && job.cues.length > 0;
  const parts = partContents(c.script, job.clips);
  const stills = slideStills(job.clips, parts);
  const drawing = drawStills({
    dir: work,
    prefix: job.name,
    parts,
    stills,
    withCaption: video.burnCaptions,
    layout: job.layout,
    style: video.style,
    fonts: c.fonts,
    logo: c.logo,
    signal,
  });
  drawing.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  const sound = c.reuseAudio ?? (await encodeSound(job, c));
  const videoMp4 = join(work, `${job.name}-video.mp4`);
  const stillNames = await drawing;
  const list = join(work, `${job.name}.ffconcat`);
  await writeFile(list, concatList(stillNames, stills, burn ? Infinity : video.maxFrameIntervalSec));
  const picture = ffmpeg().input(list, { format: "concat", options: ["-safe", "0"] });
  const trackFiles: string[] = [];
  if (burn) {
    const captions = buildStills(job.clips, job.cues, true);
    const track = await drawCaptionTrack({ dir: work, prefix: job.name, slideFiles: stillNames, slides: stills, captions, layout: job.layout, style: video.style, fonts: c.fonts, signal });
    const bandList = join(work, `${job.name}-band.ffconcat`);
    const timeline = track.segments.map((g): Still => ({ clip: g.slide, caption: null, start: g.start, end: g.end }));
    await writeFile(bandList, concatList(track.files, timeline, video.maxFrameIntervalSec));
    picture.input(bandList, { format: "concat", options: ["-safe", "0"] }).filterComplex(stackGraph(job.layout));
    trackFiles.push(...track.files, bandList);
  }
  picture.output(videoMp4, { ...videoSpec(video), map: [burn ? "[v]" : "0:v"], durationSec: dur, format: "mp4" });
  await runFfmpeg(picture.args(), { signal, durationSec: dur, onProgress: c.onProgress });
  await sound.done;
  const mux = ffmpeg()
    .input(videoMp4)
    .input(sound.file)
    .output(c.out, { map: ["0:v", "1:a"], extra: ["-c", "copy"], faststart: true, durationSec: dur, format: "mp4" });
  await runFfmpeg(mux.args(), { signal });
  await Promise.all([...stillNames.map((n) => join(work, n)), ...trackFiles.map((n) => join(work, n)), list, videoMp4].map((f) => rm(f, { force: true })));
  return sound;
}

/**
 * Joins the clips, mixes in music, normalises loudness, and starts the AAC encode in the
 * background; the caller awaits `done` before it muxes.
 */
async function encodeSound(job: VideoJob, c: JobContext): Promise<EncodedSound> {
  const { video, work, signal } = c;
  let pcm = joinPcm(await Promise.all(job.clips.map(async (clip) => parseWav(await readFile(join(c.artifactsDir, clip.path))))));
  if (video.music) {
    const voiceWav = join(work, `${job.name}-voice.wav`);
    const mixWav = join(work, `${job.name}-mix.wav`);
    await writeFile(voiceWav, encodeWav(pcm));
    await mixMusic(voiceWav, video.music, video.musicVolumeDb, mixWav, signal);
    pcm = parseWav(await readFile(mixWav));
  }
  const audioWav = join(work, `${job.name}-audio.wav`);
  await writeFile(audioWav, encodeWav(normalizeLoudness(pcm, video.loudnessLufs).pcm));
  const audioM4a = join(work, `${job.name}-audio.m4a`);
  // The AAC encode is single-threaded and as slow as the whole picture: run it beside the stills and x264.
  const args = ffmpeg().input(audioWav).output(audioM4a, { ...audioSpec(video), format: "mp4" }).args();
  const done = runFfmpeg(args, { signal }).finally(() => rm(audioWav, { force: true }));
  done.catch(() => {}); // awaited before the mux; this only keeps an early failure from going unhandled
  return { file: audioM4a, done };
}

/** Renders (or finds already rendered) the upload set for one narrated script. */
export async function render(input: RenderInput): Promise<RenderResult> {
  const { script, narration, video, artifactsDir } = input;
  // Our own controller too, so a failure in one branch stops the ffmpeg running beside it.
  const stop = new AbortController();
  const signal = AbortSignal.any([input.signal, stop.signal]);
  const progress = input.onProgress ?? (() => {});
  const fonts: FontPair = loadFonts(video.style);
  const logo = logoHref(video.style);
  if (video.music && !(await exists(video.music))) {
    throw new Error(`Music file ${video.music} not found. Fix video.music or remove it to render without music.`);
  }
  const hash = contentHash(renderInputs(script, narration, video)).slice(0, 16);
  const relDir = join("media", script.atomId, hash);
  const outDir = join(artifactsDir, relDir);
  // The lesson's own parts, and the Short's: its own three parts when the script has one,
  // else the lesson's first parts (older scripts).
  const lessonClips = narration.clips.filter((c) => !c.part.startsWith("short-"));
  const ownShort = narration.clips.filter((c) => c.part.startsWith("short-"));
  const lessonSec = clipsSec(lessonClips);
  const shortPart = video.makeShort ? (ownShort.length > 0 ? ownShort : shortClips(lessonClips, video.shortMaxSec)) : [];
  const rel = (f: string) => join(relDir, f);
  const files: RenderFiles = {
    lesson: rel("lesson.mp4"),
    ...(video.makeShort ? { short: rel("short.mp4") } : {}),
    thumbnail: rel("thumbnail.png"),
    captionsSrt: rel("captions.srt"),
    captionsVtt: rel("captions.vtt"),
  };
  const shortSec = video.makeShort ? clipsSec(shortPart) : null;
  const all = Object.values(files) as string[];
  if ((await Promise.all(all.map((f) => exists(join(artifactsDir, f))))).every(Boolean)) {
    return { files, cached: true, durationSec: lessonSec, shortSec };
  }

  const tmp = `${outDir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await ensureWritable(tmp);
  try {
    // Each layout's lines hold what its caption width holds (the files use the lesson's).
    const cueOptions = (L: Layout) => ({ maxChars: Math.min(video.captionMaxChars, captionCharsPerLine(L)), maxLines: 2 });
    const cues = buildCues(lessonClips, cueOptions(LANDSCAPE));
    await writeFile(join(tmp, "captions.srt"), toSrt(cues));
    await writeFile(join(tmp, "captions.vtt"), toVtt(cues));
    await writePng(join(tmp, "thumbnail.png"), lessonThumbnailSvg(script, video.style, fonts, logo), fonts);

    const jobs: VideoJob[] = [{ name: "lesson", layout: LANDSCAPE, clips: lessonClips, cues }];
    if (video.makeShort) jobs.push({ name: "short", layout: PORTRAIT, clips: shortPart, cues: buildCues(shortPart, cueOptions(PORTRAIT)) });
    const work = join(tmp, "work");
    await mkdir(work);
    const totalSec = jobs.reduce((s, j) => s + clipsSec(j.clips), 0);
    let doneSec = 0;
    let lessonSound: EncodedSound | undefined;
    for (const job of jobs) {
      signal.throwIfAborted();
      const dur = clipsSec(job.clips);
      const sound = await renderVideo(job, {
        script,
        video,
        artifactsDir,
        work,
        out: join(tmp, `${job.name}.mp4`),
        fonts,
        logo,
        signal,
        onProgress: (f) => progress((doneSec + f * dur) / totalSec, `encoding ${job.name}`),
        // A Short cut from the lesson's first parts reuses the start of the lesson's sound.
        ...(job.name === "short" && lessonSound && ownShort.length === 0 ? { reuseAudio: lessonSound } : {}),
      });
      if (job.name === "lesson") lessonSound = sound;
      doneSec += dur;
    }
    await rm(work, { recursive: true, force: true });
    // Replace any incomplete folder left by hand, then move the finished one into place.
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
  } catch (err) {
    stop.abort(err);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  progress(1, "rendered");
  return { files, cached: false, durationSec: lessonSec, shortSec };
}
