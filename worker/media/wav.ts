/**
 * 16-bit PCM in memory and as WAV files. Narration stays PCM until the final encode, so durations
 * are exact sample counts (not a container's guess) and clips join without re-encoding.
 */

/** Mono or interleaved 16-bit samples at a sample rate. */
export interface Pcm {
  sampleRate: number;
  channels: number;
  samples: Int16Array;
}

/** Seconds of audio in `pcm`. */
export function pcmDuration(pcm: Pcm): number {
  return pcm.samples.length / pcm.channels / pcm.sampleRate;
}

/** Reads a PCM WAV (RIFF, format 1, 16-bit). Throws a precise error for anything else. */
export function parseWav(buf: Uint8Array): Pcm {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12 || b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error("not a WAV file (no RIFF/WAVE header)");
  }
  let off = 12;
  let fmt: { channels: number; sampleRate: number; bits: number; format: number } | null = null;
  while (off + 8 <= b.length) {
    const id = b.toString("ascii", off, off + 4);
    let size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === "fmt ") {
      fmt = {
        format: b.readUInt16LE(body),
        channels: b.readUInt16LE(body + 2),
        sampleRate: b.readUInt32LE(body + 4),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!fmt) throw new Error("WAV data chunk before its fmt chunk");
      if (fmt.format !== 1 || fmt.bits !== 16) {
        throw new Error(`WAV is format ${fmt.format}/${fmt.bits}-bit; only 16-bit PCM is supported`);
      }
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: take what is there.
      if (size === 0 || body + size > b.length) size = b.length - body;
      size -= size % 2;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples: pcmFromRaw(b.subarray(body, body + size), fmt.sampleRate).samples };
    }
    off = body + size + (size % 2);
  }
  throw new Error("WAV has no data chunk");
}

/** Encodes `pcm` as a canonical 44-byte-header WAV. */
export function encodeWav(pcm: Pcm): Buffer {
  const dataBytes = pcm.samples.length * 2;
  const b = Buffer.alloc(44 + dataBytes);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write("WAVE", 8, "ascii");
  b.write("fmt ", 12, "ascii");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(pcm.channels, 22);
  b.writeUInt32LE(pcm.sampleRate, 24);
  b.writeUInt32LE(pcm.sampleRate * pcm.channels * 2, 28);
  b.writeUInt16LE(pcm.channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "ascii");
  b.writeUInt32LE(dataBytes, 40);
  Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, dataBytes).copy(b, 44);
  return b;
}

/** Wraps raw little-endian 16-bit mono samples (as ElevenLabs' `pcm_*` formats send them). */
export function pcmFromRaw(raw: Uint8Array, sampleRate: number): Pcm {
  const even = raw.byteLength - (raw.byteLength % 2);
  const samples = new Int16Array(even / 2);
  // An aligned copy (Int16Array needs 2-byte alignment); every supported platform is little-endian.
  new Uint8Array(samples.buffer).set(raw.subarray(0, even));
  return { sampleRate, channels: 1, samples };
}

/**
 * Joins clips of the same format. Each join gets a few milliseconds of fade-out/fade-in so two
 * chunks that do not meet at a zero crossing do not click.
 */
export function joinPcm(parts: Pcm[], fadeMs = 5): Pcm {
  const first = parts[0];
  if (!first) throw new Error("nothing to join");
  for (const p of parts) {
    if (p.sampleRate !== first.sampleRate || p.channels !== first.channels) {
      throw new Error(`cannot join ${p.sampleRate} Hz/${p.channels} ch audio to ${first.sampleRate} Hz/${first.channels} ch`);
    }
  }
  const total = parts.reduce((n, p) => n + p.samples.length, 0);
  const out = new Int16Array(total);
  const fade = Math.floor((first.sampleRate * fadeMs) / 1000) * first.channels;
  let at = 0;
  parts.forEach((p, i) => {
    out.set(p.samples, at);
    const n = Math.min(fade, Math.floor(p.samples.length / 2));
    if (i > 0) for (let k = 0; k < n; k++) out[at + k] = Math.round(out[at + k]! * (k / n));
    if (i < parts.length - 1) {
      const end = at + p.samples.length;
      for (let k = 0; k < n; k++) out[end - 1 - k] = Math.round(out[end - 1 - k]! * (k / n));
    }
    at += p.samples.length;
  });
  return { sampleRate: first.sampleRate, channels: first.channels, samples: out };
}
