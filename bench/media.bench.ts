/**
 * Media benchmark: how fast a 1080p lesson WITH DIAGRAMS (the seal-in atom: a ladder built up
 * step by step, tables) renders, as a multiple of realtime, and as a ratio to one bare ffmpeg
 * command that makes the same file from the same frames (the slide stills and the caption band
 * stream, stacked by the same filter) and the same audio, measured in the same run because this
 * 2-core machine is shared and noisy; peak memory.
 *
 *   node --import tsx bench/media.bench.ts
 *
 * The narration (eSpeak NG) is made once before timing: it is cached by hash in real runs too.
 * "render" is everything the render step does for the lesson: stills drawn by resvg, loudness,
 * AAC and H.264 encodes, mux with +faststart, thumbnail and captions.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { writeOffline } from "../worker/agents/offline.ts";
import { loadKnowledgeBase } from "../worker/kb/load.ts";
import { captionCharsPerLine } from "../worker/media/caption-art.ts";
import { drawCaptionTrack, stackGraph } from "../worker/media/caption-track.ts";
import { buildCues } from "../worker/media/captions.ts";
import { ffmpegPath, runFfmpeg } from "../worker/media/ffmpeg.ts";
import { loadFonts } from "../worker/media/fonts.ts";
import { normalizeLoudness } from "../worker/media/loudness.ts";
import { audioSpec, buildStills, concatList, partContents, render, slideStills, videoSpec, type Still } from "../worker/media/render.ts";
import { ffmpeg } from "../worker/media/ffmpeg.ts";
import { VideoSettings, VoiceSettings } from "../worker/media/settings.ts";
import { LANDSCAPE, logoHref } from "../worker/media/slides.ts";
import { drawStills } from "../worker/media/stills.ts";
import { espeakProvider } from "../worker/media/tts/espeak.ts";
import { narrate } from "../worker/media/tts/provider.ts";
import { encodeWav, joinPcm, parseWav } from "../worker/media/wav.ts";

const RUNS = Number(process.env.RUNS ?? 3);
const signal = new AbortController().signal;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), "media-bench-"));
const video = VideoSettings.parse({ makeShort: false });
const { kb } = await loadKnowledgeBase(".");
const atom = kb!.atoms.find((a) => a.id === "seal-in-circuit")!;
const script = writeOffline({ atom, prerequisites: [], courses: [] }, "bench");
const t0 = performance.now();
const { narration } = await narrate(script, espeakProvider(VoiceSettings.parse({}).espeak), { artifactsDir: dir, signal });
const narrateSec = (performance.now() - t0) / 1000;
const dur = narration.totalSec;

// Inputs of the bare command: the same frames and normalised audio render() makes.
const base = join(dir, "baseline");
await mkdir(base);
const fonts = loadFonts(video.style);
const logo = logoHref(video.style);
const cues = buildCues(narration.clips, { maxChars: Math.min(video.captionMaxChars, captionCharsPerLine(LANDSCAPE)), maxLines: 2 });
const parts = partContents(script, narration.clips);
const stills = slideStills(narration.clips, parts);
const names = await drawStills({ dir: base, prefix: "s", parts, stills, withCaption: true, layout: LANDSCAPE, style: video.style, fonts, logo, signal });
await writeFile(join(base, "list.ffconcat"), concatList(names, stills, Infinity));
const captions = buildStills(narration.clips, cues, true);
const track = await drawCaptionTrack({ dir: base, prefix: "s", slideFiles: names, slides: stills, captions, layout: LANDSCAPE, style: video.style, fonts, signal });
const timeline = track.segments.map((g): Still => ({ clip: g.slide, caption: null, start: g.start, end: g.end }));
await writeFile(join(base, "band.ffconcat"), concatList(track.files, timeline, video.maxFrameIntervalSec));
const pcm = joinPcm(await Promise.all(narration.clips.map(async (c) => parseWav(await readFile(join(dir, c.path))))));
await writeFile(join(base, "audio.wav"), encodeWav(normalizeLoudness(pcm, video.loudnessLufs).pcm));

/**
 * CPU seconds used so far by this process and its finished children (Linux /proc/self/stat
 * cutime+cstime). Wall time on a shared 2-core machine swings with other people's load; CPU time
 * says what the work itself costs.
 */
async function cpuSeconds(): Promise<number> {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const fields = (await readFile("/proc/self/stat", "utf8")).split(") ")[1]!.split(" ");
    children = (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (USER_HZ = 100)
  } catch {
    children = NaN;
  }
  return (own.user + own.system) / 1e6 + children;
}

async function measure(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c = await cpuSeconds();
  const t = performance.now();
  await f();
  return { wall: (performance.now() - t) / 1000, cpu: (await cpuSeconds()) - c };
}
const timeRender = async () => {
  await rm(join(dir, "media"), { recursive: true, force: true });
  return measure(() => render({ script, narration, video, artifactsDir: dir, signal }));
};
const bareArgs = ffmpeg()
  .input(join(base, "list.ffconcat"), { format: "concat", options: ["-safe", "0"] })
  .input(join(base, "band.ffconcat"), { format: "concat", options: ["-safe", "0"] })
  .input(join(base, "audio.wav"))
  .filterComplex(stackGraph(LANDSCAPE))
  .output(join(base, "out.mp4"), { ...videoSpec(video), ...audioSpec(video), map: ["[v]", "2:a"], faststart: true, durationSec: dur, format: "mp4" })
  .args();
const timeBare = () => measure(() => runFfmpeg(bareArgs, { signal }));

// Interleaved, so drifting load from other processes hits both alike.
const ours: { wall: number; cpu: number }[] = [];
const bare: { wall: number; cpu: number }[] = [];
await timeRender(); // warm-up: page cache, resvg font parsing
for (let i = 0; i < RUNS; i++) {
  bare.push(await timeBare());
  ours.push(await timeRender());
}

// Peak memory of the ffmpeg children, through /usr/bin/time when the machine has it.
let ffmpegPeakMb = "n/a";
if (existsSync("/usr/bin/time")) {
  const log = join(dir, "rss.log");
  const wrapper = join(dir, "ffmpeg-wrapper.sh");
  await writeFile(wrapper, `#!/bin/sh\nexec /usr/bin/time -a -o '${log}' -f %M '${ffmpegPath()}' "$@"\n`);
  await chmod(wrapper, 0o755);
  process.env.FFMPEG_PATH = wrapper;
  await timeRender();
  delete process.env.FFMPEG_PATH;
  const kb = (await readFile(log, "utf8")).split("\n").map(Number).filter((n) => n > 0);
  ffmpegPeakMb = (Math.max(...kb) / 1024).toFixed(0);
}
const nodePeakMb = (process.resourceUsage().maxRSS / 1024).toFixed(0);

const r = median(ours.map((x) => x.wall));
const b = median(bare.map((x) => x.wall));
const rc = median(ours.map((x) => x.cpu));
const bc = median(bare.map((x) => x.cpu));
const load = (await readFile("/proc/loadavg", "utf8").catch(() => "n/a")).split(" ")[0];
console.log(`lesson with diagrams (${atom.id}): ${dur.toFixed(1)} s of narration, ${stills.length} slide stills (diagram steps), ${track.files.length} caption band frames, 1920x1080; load average ${load} on ${os.cpus().length} cores`);
console.log(`narration (eSpeak NG WASM, once, cached afterwards): ${narrateSec.toFixed(2)} s`);
console.log(`render      (median of ${RUNS}): wall ${r.toFixed(2)} s = ${(dur / r).toFixed(1)}x realtime, CPU ${rc.toFixed(2)} s   walls ${ours.map((x) => x.wall.toFixed(2)).join(" ")}`);
console.log(`bare ffmpeg (median of ${RUNS}): wall ${b.toFixed(2)} s = ${(dur / b).toFixed(1)}x realtime, CPU ${bc.toFixed(2)} s   walls ${bare.map((x) => x.wall.toFixed(2)).join(" ")}`);
console.log(`ratio render / bare ffmpeg: wall ${(r / b).toFixed(2)}, CPU ${(rc / bc).toFixed(2)} (goal <= 1.2); realtime goal >= 30x`);
console.log(`peak memory: node ${nodePeakMb} MB, largest ffmpeg child ${ffmpegPeakMb} MB`);
if (!process.env.KEEP) await rm(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
