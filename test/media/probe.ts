/** ffprobe (from @ffprobe-installer/ffprobe) as JSON, and the MP4 top-level box order. */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";

const ffprobeBin = (createRequire(import.meta.url)("@ffprobe-installer/ffprobe") as { path: string }).path;

export interface ProbeStream {
  codec_type: "video" | "audio";
  codec_name: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  duration: string;
}

/** Streams and format of a media file. */
export async function probe(file: string): Promise<{ streams: ProbeStream[]; format: { duration: string; format_name: string } }> {
  const { stdout } = await promisify(execFile)(ffprobeBin, ["-v", "error", "-show_streams", "-show_format", "-of", "json", file]);
  return JSON.parse(stdout);
}

/** Names of an MP4's top-level boxes in file order ("ftyp", "moov", "mdat", …). */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const b = await readFile(file);
  const names: string[] = [];
  let off = 0;
  while (off + 8 <= b.length) {
    let size = b.readUInt32BE(off);
    names.push(b.toString("ascii", off + 4, off + 8));
    if (size === 1) size = Number(b.readBigUInt64BE(off + 8));
    if (size < 8) break;
    off += size;
  }
  return names;
}
