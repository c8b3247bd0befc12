/**
 * Loudness normalisation to an integrated target (YouTube plays at −14 LUFS), done on the PCM in
 * memory: ITU-R BS.1770 integrated loudness (K-weighting, 400 ms blocks, absolute and relative
 * gates), one linear gain, and a look-ahead peak limiter for the few peaks the gain pushes over
 * the ceiling, repeated until the result is within 0.1 LU.
 *
 * Why not ffmpeg's two-pass loudnorm: its measuring pass decodes and upsamples the whole mix to
 * 192 kHz, which cost more than encoding the whole lesson's video; this takes milliseconds.
 * Tests check the result independently with ffmpeg's ebur128 filter ({@link integratedLoudness}).
 */
import { ffmpeg, runFfmpeg, type RunOptions } from "./ffmpeg.ts";
import type { Pcm } from "./wav.ts";

type Biquad = { b: [number, number, number]; a: [number, number, number] };

/** The two K-weighting stages for a sample rate (coefficients as libebur128 derives them). */
function kWeighting(fs: number): [Biquad, Biquad] {
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / fs);
  const Vh = 10 ** (G / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = {
    b: [(Vh + (Vb * K) / Q + K * K) / a0, (2 * (K * K - Vh)) / a0, (Vh - (Vb * K) / Q + K * K) / a0],
    a: [1, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0],
  };
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / fs);
  a0 = 1 + K / Q + K * K;
  const highpass: Biquad = { b: [1, -2, 1], a: [1, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0] };
  return [shelf, highpass];
}

function filter(x: Float32Array, { b, a }: Biquad): Float32Array {
  const y = new Float32Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const v = b[0] * xi + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2;
    x2 = x1; x1 = xi; y2 = y1; y1 = v;
    y[i] = v;
  }
  return y;
}

/** K-weighted samples (the loudness meter's view of the signal). */
function kWeighted(x: Float32Array, fs: number): Float32Array {
  const [shelf, highpass] = kWeighting(fs);
  return filter(filter(x, shelf), highpass);
}

/**
 * Gated integrated loudness of K-weighted samples `k`, scaled by `gain` and, per sample, by the
 * limiter's envelope `env` (K-weighting is linear, and the envelope moves slowly next to the
 * filter, so scaling the weighted signal stands in for weighting the scaled one).
 */
function gatedLoudness(k: Float32Array, fs: number, gain = 1, env: Float32Array | null = null): number {
  // 400 ms blocks overlapping by 75% = four consecutive 100 ms hops: sum squares per hop once.
  const hop = Math.round(fs * 0.1);
  const hops = Math.floor(k.length / hop);
  const hopSum = new Float64Array(hops);
  const g2 = gain * gain;
  for (let h = 0, i = 0; h < hops; h++) {
    let acc = 0;
    const end = i + hop;
    if (env) {
      for (; i < end; i++) {
        const v = k[i]! * env[i]!;
        acc += v * v;
      }
    } else {
      for (; i < end; i++) acc += k[i]! * k[i]!;
    }
    hopSum[h] = acc * g2;
  }
  const power: number[] = [];
  for (let h = 0; h + 4 <= hops; h++) power.push((hopSum[h]! + hopSum[h + 1]! + hopSum[h + 2]! + hopSum[h + 3]!) / (4 * hop));
  const lufs = (p: number) => -0.691 + 10 * Math.log10(p);
  const mean = (ps: number[]) => ps.reduce((s, p) => s + p, 0) / ps.length;
  const abs = power.filter((p) => lufs(p) > -70);
  if (abs.length === 0) return -Infinity;
  const relGate = lufs(mean(abs)) - 10;
  return lufs(mean(abs.filter((p) => lufs(p) > relGate)));
}

/** Integrated loudness in LUFS (ITU-R BS.1770, mono) of float samples in −1..1; -Infinity for silence. */
export function integratedLufs(samples: Float32Array, fs: number): number {
  return gatedLoudness(kWeighted(samples, fs), fs);
}

/**
 * The limiter's gain per sample for `x * gain` to stay under `ceiling`: a 5 ms look-ahead ramp
 * down before each peak and an 80 ms recovery after it, written into `env` (reused between
 * attempts: a fresh array per attempt was most of the garbage). Null when nothing needs limiting.
 */
function limiterEnvelope(x: Float32Array, gain: number, ceiling: number, fs: number, env: Float32Array): Float32Array | null {
  const n = x.length;
  const limit = ceiling / gain; // |x| above this needs limiting
  let any = false;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[i]!);
    if (v > limit) {
      env[i] = limit / v;
      any = true;
    } else env[i] = 1;
  }
  if (!any) return null;
  const attack = 1 / Math.max(1, Math.round(fs * 0.005));
  const release = 1 / Math.max(1, Math.round(fs * 0.08));
  // Backward pass: ramp down over 5 ms before each peak. Forward pass: recover over 80 ms after it.
  for (let i = n - 2; i >= 0; i--) {
    const r = env[i + 1]! + attack;
    if (r < env[i]!) env[i] = r;
  }
  let g = 1;
  for (let i = 0; i < n; i++) {
    g += release;
    if (env[i]! < g) g = env[i]!;
    env[i] = g;
  }
  return env;
}

/** Result of {@link normalizeLoudness}. */
export interface Normalized {
  pcm: Pcm;
  inputLufs: number;
  outputLufs: number;
  gainDb: number;
}

/**
 * Normalises mono 16-bit PCM to `targetLufs` with sample peaks at most `ceilingDb` dBFS.
 * Throws when the audio is silent, because no gain can make silence speak.
 */
export function normalizeLoudness(pcm: Pcm, targetLufs: number, ceilingDb = -1.5): Normalized {
  if (pcm.channels !== 1) throw new Error("normalizeLoudness expects mono narration");
  const n = pcm.samples.length;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = pcm.samples[i]! / 32768;
  const k = kWeighted(x, pcm.sampleRate);
  const inputLufs = gatedLoudness(k, pcm.sampleRate);
  if (!Number.isFinite(inputLufs)) {
    throw new Error("The narration is silent (loudness -inf LUFS): check the voice settings produce speech.");
  }
  const ceiling = 10 ** (ceilingDb / 20);
  let gainDb = targetLufs - inputLufs;
  const envBuf = new Float32Array(n);
  let env = limiterEnvelope(x, 10 ** (gainDb / 20), ceiling, pcm.sampleRate, envBuf);
  let out = gatedLoudness(k, pcm.sampleRate, 10 ** (gainDb / 20), env);
  // Limiting lowers the level, more so the higher the gain: find the gain by the secant method
  // (output loudness grows with gain at a slope between 0 and 1 dB/dB).
  let prev: { gainDb: number; out: number } | null = null;
  for (let i = 0; i < 6 && Math.abs(out - targetLufs) > 0.1; i++) {
    const slope = prev && gainDb !== prev.gainDb ? (out - prev.out) / (gainDb - prev.gainDb) : 1;
    prev = { gainDb, out };
    gainDb += (targetLufs - out) / Math.min(1, Math.max(0.1, slope));
    env = limiterEnvelope(x, 10 ** (gainDb / 20), ceiling, pcm.sampleRate, envBuf);
    out = gatedLoudness(k, pcm.sampleRate, 10 ** (gainDb / 20), env);
  }
  const gain = 10 ** (gainDb / 20);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.round(x[i]! * gain * (env ? env[i]! : 1) * 32768);
    samples[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return { pcm: { ...pcm, samples }, inputLufs, outputLufs: out, gainDb };
}

/** Integrated loudness (LUFS) of a media file's audio, measured by ffmpeg's ebur128 filter. */
export async function integratedLoudness(file: string, opts: RunOptions = {}): Promise<number> {
  const args = ffmpeg().input(file).output("-", { extra: ["-vn", "-af", "ebur128"], format: "null" }).args();
  const { stderr } = await runFfmpeg(args, opts);
  const summary = stderr.slice(stderr.lastIndexOf("Summary:"));
  const m = /I:\s+(-?[\d.]+|-inf)\s+LUFS/.exec(summary);
  if (!m) throw new Error(`ebur128 printed no integrated loudness for ${file}`);
  return Number(m[1]);
}
