/**
 * YouTube's resumable upload protocol, spoken over an authenticated OAuth2 client.
 *
 * googleapis' `videos.insert` sends the whole file in one multipart request and cannot pick up
 * an existing session, so a worker killed at 90 % would start again and could make a second
 * video. Here the protocol is done by hand
 * (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
 *
 *  1. POST the metadata to `/upload/youtube/v3/videos?uploadType=resumable&part=…` with
 *     `X-Upload-Content-Length`/`-Type`; the answer's `Location` is the session URI. The caller
 *     records it durably before sending a byte.
 *  2. PUT the bytes in chunks with `Content-Range: bytes a-b/N`; `308` + `Range` means "send the
 *     rest", `200`/`201` carries the video resource.
 *  3. After any interruption, PUT an empty body with `Content-Range: bytes * /N` (no space) to ask
 *     how much arrived, and go on from there. `404`/`410` means the session is gone (they last about a week).
 */
import { open } from "node:fs/promises";
import type { Auth } from "googleapis";

type GaxiosOptions = Auth.gaxios.GaxiosOptions;
type GaxiosResponse<T> = Auth.gaxios.GaxiosResponse<T>;

/** The part of OAuth2Client this module uses: requests with a fresh bearer token. */
export interface AuthedHttp {
  request<T = unknown>(opts: GaxiosOptions): Promise<GaxiosResponse<T>>;
}

/** Chunks must be multiples of 256 KiB (except the last). */
export const CHUNK_QUANTUM = 256 * 1024;

/** The session URI answered 404/410: it expired or never existed. */
export class SessionGoneError extends Error {
  constructor() {
    super("the upload session has expired");
    this.name = "SessionGoneError";
  }
}

/** An HTTP answer that is not part of the protocol's happy paths. */
export class UploadHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`YouTube answered ${status} during the upload: ${describeBody(body)}`);
    this.name = "UploadHttpError";
  }
}

/** What a status query found. */
export type SessionState =
  | { state: "complete"; resource: UploadedVideo }
  | { state: "partial"; received: number };

/** The fields of the video resource the final answer carries that we use. */
export interface UploadedVideo {
  id: string;
  status?: { privacyStatus?: string; publishAt?: string; uploadStatus?: string };
  snippet?: { title?: string };
}

export interface StartSessionInput {
  /** e.g. https://youtube.googleapis.com/ (ends with "/"). */
  rootUrl: string;
  parts: string[];
  metadata: unknown;
  size: number;
  mimeType: string;
}

/** Step 1: opens a session and returns its URI. Record it before calling {@link sendFrom}. */
export async function startSession(http: AuthedHttp, input: StartSessionInput): Promise<string> {
  const url = new URL("upload/youtube/v3/videos", input.rootUrl);
  url.searchParams.set("uploadType", "resumable");
  url.searchParams.set("part", input.parts.join(","));
  const res = await http.request<string>({
    url: url.href,
    method: "POST",
    headers: {
      "Content-Type": "application/json; charset=UTF-8",
      "X-Upload-Content-Length": String(input.size),
      "X-Upload-Content-Type": input.mimeType,
    },
    data: JSON.stringify(input.metadata),
    responseType: "text",
    validateStatus: () => true,
    retry: false,
  });
  if (res.status !== 200 && res.status !== 201) throw new UploadHttpError(res.status, parseBody(res.data));
  const location = res.headers.get("location");
  if (!location) throw new UploadHttpError(res.status, "no Location header in the session answer");
  return location;
}

/** Step 3: asks the session how many bytes it holds, or whether the video already exists. */
export async function querySession(http: AuthedHttp, sessionUri: string, size: number, signal?: AbortSignal): Promise<SessionState> {
  const res = await put(http, sessionUri, { "Content-Range": `bytes */${size}` }, undefined, signal);
  return interpret(res);
}

export interface SendOptions {
  sessionUri: string;
  /** Absolute path of the file being uploaded. */
  file: string;
  size: number;
  mimeType: string;
  /** Where to begin (what the session already holds). */
  offset: number;
  /** Bytes per PUT; rounded down to a multiple of 256 KiB. */
  chunkSize: number;
  onProgress?: (sent: number, size: number) => void;
  signal?: AbortSignal;
  /** Consecutive failures without progress tolerated before giving up (default 5). */
  maxStalls?: number;
}

/** Step 2: sends the bytes from `offset`, recovering from dropped connections via status queries. */
export async function sendFrom(http: AuthedHttp, o: SendOptions): Promise<UploadedVideo> {
  const chunkSize = Math.max(CHUNK_QUANTUM, Math.floor(o.chunkSize / CHUNK_QUANTUM) * CHUNK_QUANTUM);
  const maxStalls = o.maxStalls ?? 5;
  const fh = await open(o.file, "r");
  try {
    let offset = o.offset;
    let stalls = 0;
    let lastError: unknown = null;
    for (;;) {
      o.signal?.throwIfAborted();
      if (stalls > maxStalls) throw lastError ?? new Error("the upload made no progress");
      let state: SessionState;
      try {
        if (offset >= o.size) {
          state = await querySession(http, o.sessionUri, o.size, o.signal);
        } else {
          const length = Math.min(chunkSize, o.size - offset);
          const buf = Buffer.alloc(length);
          const { bytesRead } = await fh.read(buf, 0, length, offset);
          if (bytesRead !== length) throw new Error(`${o.file} changed during the upload (short read)`);
          const res = await put(
            http,
            o.sessionUri,
            { "Content-Range": `bytes ${offset}-${offset + length - 1}/${o.size}`, "Content-Type": o.mimeType },
            buf,
            o.signal,
          );
          state = interpret(res);
        }
      } catch (err) {
        o.signal?.throwIfAborted();
        if (err instanceof SessionGoneError || !isTransient(err)) throw err;
        // The connection dropped or the server stumbled: ask what arrived and go on from there.
        lastError = err;
        stalls += 1;
        try {
          state = await querySession(http, o.sessionUri, o.size, o.signal);
        } catch (queryErr) {
          if (queryErr instanceof SessionGoneError || !isTransient(queryErr)) throw queryErr;
          lastError = queryErr;
          continue;
        }
      }
      if (state.state === "complete") {
        o.onProgress?.(o.size, o.size);
        return state.resource;
      }
      if (state.received > offset) stalls = 0;
      offset = state.received;
      o.onProgress?.(offset, o.size);
    }
  } finally {
    await fh.close();
  }
}

async function put(
  http: AuthedHttp,
  sessionUri: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal?: AbortSignal,
): Promise<GaxiosResponse<string>> {
  return http.request<string>({
    ...(signal ? { signal } : {}),
    url: sessionUri,
    method: "PUT",
    headers: body ? headers : { ...headers, "Content-Length": "0" },
    data: body,
    responseType: "text",
    validateStatus: () => true,
    retry: false,
  });
}

function interpret(res: GaxiosResponse<string>): SessionState {
  if (res.status === 200 || res.status === 201) {
    const resource = parseBody(res.data) as UploadedVideo | null;
    if (!resource?.id) throw new UploadHttpError(res.status, "the final answer has no video id");
    return { state: "complete", resource };
  }
  if (res.status === 308) {
    const range = res.headers.get("range");
    const m = range ? /bytes=0-(\d+)/.exec(range) : null;
    return { state: "partial", received: m ? Number(m[1]) + 1 : 0 };
  }
  if (res.status === 404 || res.status === 410) throw new SessionGoneError();
  throw new UploadHttpError(res.status, parseBody(res.data));
}

/** Network failures and 5xx answers are worth a status query; everything else is not. */
export function isTransient(err: unknown): boolean {
  if (err instanceof UploadHttpError) return err.status >= 500 || err.status === 429;
  // gaxios errors carry the request config; several gaxios copies exist, so no instanceof.
  const e = err as { name?: string; config?: unknown; response?: { status?: number } } | null;
  if (!e || e.config === undefined || e.name === "AbortError") return false;
  // No response: node-fetch's FetchError for resets, refusals and half-read bodies.
  if (!e.response) return true;
  const status = e.response.status ?? 0;
  return status >= 500 || status === 429;
}

function parseBody(data: unknown): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function describeBody(body: unknown): string {
  const msg = (body as { error?: { message?: unknown } } | null)?.error?.message;
  if (typeof msg === "string") return msg;
  return typeof body === "string" ? body.slice(0, 200) : JSON.stringify(body)?.slice(0, 200) ?? "";
}
