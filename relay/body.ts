/**
 * Reading request bodies within bounds. A body is refused as soon as it is known to be too
 * big: by its `Content-Length` before a byte is read, else while streaming, so an unsigned or
 * unauthenticated sender cannot make the relay buffer more than the limit. JSON from a caller
 * has its nesting depth checked on the raw bytes before it is parsed, so no deep document can
 * exhaust a stack anywhere later (structured clone, JSON.stringify, zod).
 */
import { HttpError } from "./errors.ts";

/** How a size refusal reads: what was too big and its limit. */
export interface BodyLimit {
  maxBytes: number;
  /** e.g. "The webhook body" — the message goes on "is over <limit>: <advice>". */
  what: string;
  advice: string;
}

/** `n` bytes in words: "25 MiB", "64 KiB", "900 bytes". */
export function byteWords(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** 413 `payload_too_large` naming the limit. */
export function tooLarge(limit: BodyLimit): HttpError {
  return new HttpError(413, "payload_too_large", `${limit.what} is over ${byteWords(limit.maxBytes)}: ${limit.advice}`);
}

/** The body's bytes, or 413 as soon as it is known to exceed `limit.maxBytes`. */
export async function readCapped(request: Request, limit: BodyLimit): Promise<Uint8Array> {
  const declared = request.headers.get("Content-Length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit.maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge(limit);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit.maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * The deepest nesting of `[` and `{` in JSON text, counted on its UTF-8 bytes outside strings
 * (those bytes never occur inside a multi-byte character), stopping early past `max`.
 */
export function jsonDepth(bytes: Uint8Array, max = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return deepest;
}

/** Parses JSON bytes, or throws 400 `bad_request` for bad UTF-8, bad JSON or nesting over `maxDepth`. */
export function parseJsonBounded(bytes: Uint8Array, maxDepth: number, what: string, advice: string): unknown {
  if (jsonDepth(bytes, maxDepth) > maxDepth) {
    throw new HttpError(400, "bad_request", `${what} nests deeper than ${maxDepth} levels: flatten it.`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HttpError(400, "bad_request", `${what} is not valid UTF-8: ${advice}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_request", `${what} is not JSON: ${advice}`);
  }
}

/** Bytes of `value` as JSON (UTF-8). Call only on depth-checked values. */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) ?? "";
  return new TextEncoder().encode(text).byteLength;
}
