/**
 * A small typed argument builder over child_process.spawn for ffmpeg (fluent-ffmpeg is archived).
 *
 * - the binary: `FFMPEG_PATH`, else a newer ffmpeg on PATH, else `@ffmpeg-installer/ffmpeg`'s;
 * - `-progress pipe:1` is parsed into a 0..1 fraction when the output duration is known;
 * - an AbortSignal kills the process;
 * - a failure carries the tail of ffmpeg's stderr, because the last lines are where ffmpeg says why.
 */
import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";

/** ffmpeg exited non-zero or could not start. `stderrTail` holds ffmpeg's last words. */
export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "FfmpegError";
  }
}

/** "ffmpeg version 7.1.1 Copyright (c) 2000-2025 …" → version and the build's year. */
export function parseFfmpegVersion(out: string): { version: string; year: number | null } | null {
  const m = /ffmpeg version (\S+)/.exec(out);
  if (!m) return null;
  const y = /Copyright \(c\) \d{4}-(\d{4})/.exec(out);
  return { version: m[1]!, year: y ? Number(y[1]) : null };
}

/** The year of the build @ffmpeg-installer ships (its banner says 2000-2018). */
const NPM_FFMPEG_YEAR = 2018;

/** Asks the ffmpeg on PATH for its banner; null when there is none. */
function systemFfmpegBanner(): string | null {
  try {
    return execFileSync("ffmpeg", ["-hide_banner", "-version"], { encoding: "utf8", timeout: 3000, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return null;
  }
}

let systemChoice: { banner: () => string | null; path: string | null } | null = null;

/**
 * The ffmpeg binary: `FFMPEG_PATH` if set; else an ffmpeg on PATH that is newer than the npm
 * build (asked once per process); else the one `@ffmpeg-installer/ffmpeg` installed.
 * `FACTORY_FFMPEG=npm` keeps the npm build whatever is on PATH.
 */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env, banner: () => string | null = systemFfmpegBanner): string {
  if (env.FFMPEG_PATH) return env.FFMPEG_PATH;
  if (env.FACTORY_FFMPEG !== "npm") {
    if (!systemChoice || systemChoice.banner !== banner) {
      const v = parseFfmpegVersion(banner() ?? "");
      systemChoice = { banner, path: v?.year && v.year > NPM_FFMPEG_YEAR ? "ffmpeg" : null };
    }
    if (systemChoice.path) return systemChoice.path;
  }
  try {
    const req = createRequire(import.meta.url);
    return (req("@ffmpeg-installer/ffmpeg") as { path: string }).path;
  } catch {
    return "ffmpeg";
  }
}

/** Options of one input file. */
export interface InputSpec {
  /** `-f`: force the demuxer (e.g. "concat", "wav"). */
  format?: string;
  /** Anything else that goes before `-i` (e.g. ["-safe", "0"]). */
  options?: string[];
}

/** Options of one output file. Every field maps to one ffmpeg flag; `extra` is the escape hatch. */
export interface OutputSpec {
  format?: string;
  map?: string[];
  videoCodec?: string;
  profile?: string;
  preset?: string;
  tune?: string;
  crf?: number;
  pixFmt?: string;
  /** `-vsync`: "vfr" keeps one encoded frame per still instead of repeating it at a fixed rate. */
  vsync?: "cfr" | "vfr" | "passthrough";
  gop?: number;
  audioCodec?: string;
  audioBitrate?: string;
  audioRate?: number;
  audioChannels?: number;
  /** `-af` (single-input audio filter). */
  audioFilter?: string;
  /** `-movflags +faststart`: moov atom at the front so playback starts before the download ends. */
  faststart?: boolean;
  /** `-t`: cut the output at this many seconds. */
  durationSec?: number;
  extra?: string[];
}

/** Builds an ffmpeg argument list; {@link FfmpegCommand.args} is pure, so tests and benchmarks can reuse it. */
export class FfmpegCommand {
  private readonly inputs: string[] = [];
  private readonly outputs: string[] = [];
  private complex: string | null = null;

  /** Adds an input file. */
  input(path: string, spec: InputSpec = {}): this {
    if (spec.options) this.inputs.push(...spec.options);
    if (spec.format) this.inputs.push("-f", spec.format);
    this.inputs.push("-i", path);
    return this;
  }

  /** Sets `-filter_complex`. */
  filterComplex(graph: string): this {
    this.complex = graph;
    return this;
  }

  /** Adds an output file with its encoding options. */
  output(path: string, o: OutputSpec = {}): this {
    const a = this.outputs;
    for (const m of o.map ?? []) a.push("-map", m);
    if (o.videoCodec) a.push("-c:v", o.videoCodec);
    if (o.profile) a.push("-profile:v", o.profile);
    if (o.preset) a.push("-preset", o.preset);
    if (o.tune) a.push("-tune", o.tune);
    if (o.crf !== undefined) a.push("-crf", String(o.crf));
    if (o.pixFmt) a.push("-pix_fmt", o.pixFmt);
    if (o.vsync) a.push("-vsync", o.vsync);
    if (o.gop !== undefined) a.push("-g", String(o.gop));
    if (o.audioFilter) a.push("-af", o.audioFilter);
    if (o.audioCodec) a.push("-c:a", o.audioCodec);
    if (o.audioBitrate) a.push("-b:a", o.audioBitrate);
    if (o.audioRate !== undefined) a.push("-ar", String(o.audioRate));
    if (o.audioChannels !== undefined) a.push("-ac", String(o.audioChannels));
    if (o.faststart) a.push("-movflags", "+faststart");
    if (o.durationSec !== undefined) a.push("-t", o.durationSec.toFixed(3));
    if (o.extra) a.push(...o.extra);
    if (o.format) a.push("-f", o.format);
    a.push(path);
    return this;
  }

  /** The full argument list (without the binary). */
  args(): string[] {
    const head = ["-hide_banner", "-nostdin", "-nostats", "-y"];
    return [...head, ...this.inputs, ...(this.complex ? ["-filter_complex", this.complex] : []), ...this.outputs];
  }
}

/** Starts a new command. */
export function ffmpeg(): FfmpegCommand {
  return new FfmpegCommand();
}

/** How to run one command. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Length of the output in seconds, so `-progress` can become a fraction. */
  durationSec?: number;
  onProgress?: (fraction: number) => void;
  /** Binary to run; default {@link ffmpegPath}(). */
  bin?: string;
}

const TAIL_BYTES = 4000;

/** Parses one `-progress` block line ("out_time_us=1234567") into seconds, or null. */
export function parseProgressLine(line: string): number | null {
  const m = /^out_time_(?:us|ms)=(\d+)$/.exec(line.trim());
  return m ? Number(m[1]) / 1e6 : null; // both keys are microseconds (out_time_ms is misnamed)
}

/** Keeps the last lines of ffmpeg's stderr, trimmed to what explains a failure. */
export function stderrTail(stderr: string, lines = 12): string {
  return stderr.trimEnd().split(/\r?\n/).slice(-lines).join("\n");
}

/**
 * Runs ffmpeg with `args` (from {@link FfmpegCommand.args}). Resolves with ffmpeg's stderr
 * (callers parse measurements out of it); rejects with {@link FfmpegError} or the abort reason.
 */
export function runFfmpeg(args: string[], opts: RunOptions = {}): Promise<{ stderr: string }> {
  const bin = opts.bin ?? ffmpegPath();
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const fullArgs = opts.onProgress ? ["-progress", "pipe:1", ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, fullArgs, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let tail = "";
    let settled = false;
    const onAbort = () => {
      child.kill("SIGKILL");
      finish(() => reject(signal!.reason));
    };
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      f();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s: string) => {
      // Keep everything for parsers (ffmpeg's stderr is small with -nostats), and a tail for errors.
      stderr += s;
      tail = (tail + s).slice(-TAIL_BYTES);
    });
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (s: string) => {
      pending += s;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const t = parseProgressLine(line);
        if (t !== null && opts.durationSec && opts.onProgress) {
          opts.onProgress(Math.min(1, Math.max(0, t / opts.durationSec)));
        }
      }
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      const why =
        err.code === "ENOENT"
          ? `ffmpeg was not found at ${bin}. Run "npm install" (it brings @ffmpeg-installer/ffmpeg) or set FFMPEG_PATH to an ffmpeg binary.`
          : err.code === "EACCES"
            ? `ffmpeg at ${bin} is not executable. Fix its permissions (chmod +x) or set FFMPEG_PATH to another ffmpeg binary.`
            : `ffmpeg could not start (${err.message}). Check FFMPEG_PATH (${bin}).`;
      finish(() => reject(new FfmpegError(why, "", null)));
    });
    child.on("close", (code) => {
      if (code === 0) return finish(() => resolve({ stderr }));
      const last = stderrTail(tail);
      finish(() =>
        reject(new FfmpegError(`ffmpeg failed (exit ${code}); its last words:\n${last}`, last, code)),
      );
    });
  });
}
