/**
 * A loopback fake of the YouTube Data API v3 and Google's OAuth token endpoint, for tests.
 *
 * It speaks the documented wire protocol so the real googleapis client (and our own resumable
 * uploader over OAuth2Client.request) can be pointed at it with `rootUrl`:
 *  - resumable upload: POST /upload/youtube/v3/videos?uploadType=resumable&part=… → 200 + Location;
 *    PUT bytes with `Content-Range: bytes a-b/N` → 308 + Range while incomplete, 200 + video at the end;
 *    status query `PUT` with `Content-Range: bytes * /N` (no space) and an empty body;
 *  - thumbnails.set, captions.insert/list, playlists.list/insert, playlistItems.list/insert,
 *    videos.list/update, channels.list (the uploads playlist);
 *  - the token endpoint (refresh_token and authorization_code grants, invalid_grant);
 *  - quotaExceeded 403s in the API's error shape.
 *
 * Every request is checked (bearer token, `part` parameters, bodies against the parts named).
 * What does not match the protocol is answered 400 and listed in {@link FakeYouTube.problems},
 * which every test asserts is empty.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeVideo {
  kind: "youtube#video";
  id: string;
  snippet: { title: string; description: string; tags?: string[]; categoryId?: string; publishedAt: string };
  status: { uploadStatus: string; privacyStatus: string; publishAt?: string; selfDeclaredMadeForKids?: boolean; embeddable?: boolean; license?: string };
  /** Not part of the API: the uploaded bytes, for assertions. */
  bytes: Buffer;
}

interface Session {
  id: string;
  metadata: { snippet: FakeVideo["snippet"]; status: FakeVideo["status"] };
  size: number;
  contentType: string;
  chunks: Buffer[];
  received: number;
  videoId: string | null;
  expired: boolean;
}

/** How the next upload PUT misbehaves. */
export type PutFault =
  /** Read this many bytes of the body, then drop the connection (the client sees a network error). */
  | { kind: "cut"; afterBytes: number }
  /** Read this many bytes, then stop reading and hold the connection open until the client goes away. */
  | { kind: "hold"; afterBytes: number };

const QUOTA_MESSAGE =
  'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.';

export class FakeYouTube {
  readonly clientId = "fake-client-id.apps.googleusercontent.com";
  readonly clientSecret = "fake-client-secret";
  /** The refresh token the fake accepts. */
  refreshToken = "1//fake-refresh-token";
  /** Authorization codes the token endpoint exchanges (code → expected redirect_uri). */
  readonly authCodes = new Map<string, string>();
  /** Access tokens handed out; API calls must carry one of them. */
  readonly accessTokens = new Set<string>();
  readonly videos = new Map<string, FakeVideo>();
  /** videos.update calls with part=snippet (each costs 50 units on YouTube). */
  snippetUpdates = 0;
  readonly sessions = new Map<string, Session>();
  readonly playlists = new Map<string, { id: string; snippet: { title: string; description: string }; status: { privacyStatus: string } }>();
  readonly playlistItems: { id: string; playlistId: string; videoId: string }[] = [];
  readonly captions: { id: string; videoId: string; language: string; name: string; body: string }[] = [];
  readonly thumbnails = new Map<string, Buffer>();
  /** Protocol violations seen. Tests assert this stays empty. */
  readonly problems: string[] = [];
  /** Every request, as "METHOD path?query", in order. */
  readonly log: string[] = [];
  /** When true, every API call answers 403 quotaExceeded. */
  quotaExhausted = false;
  /** When true, the token endpoint answers invalid_grant to refresh requests (an expired Testing-app token). */
  revokeRefreshToken = false;
  /** The fake's clock (video publishedAt), injectable like every clock in tests. */
  now: () => number = () => Date.now();
  /** The next upload PUT's fault, consumed by it. */
  nextPutFault: PutFault | null = null;
  /** Resolves with the session id when a "hold" fault has read its bytes. */
  private holdWaiters: ((sessionId: string) => void)[] = [];

  private server: Server | null = null;
  private seq = 0;
  private origin = "";

  /** Starts listening on 127.0.0.1 and returns the root URL (ends with "/"). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.problems.push(`handler crashed: ${String(err)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.rootUrl;
  }

  get rootUrl(): string {
    return `${this.origin}/`;
  }

  get tokenUrl(): string {
    return `${this.origin}/token`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** Resolves when an upload PUT under a "hold" fault has received its bytes and is being held. */
  waitForHold(): Promise<string> {
    return new Promise((resolve) => this.holdWaiters.push(resolve));
  }

  /** Makes a session URI stale, as Google does after about a week. */
  expireSession(id: string): void {
    const s = this.sessions.get(id);
    if (s) s.expired = true;
  }

  /** Videos whose upload completed. */
  uploadedVideos(): FakeVideo[] {
    return [...this.videos.values()];
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(8, "0")}`;
  }

  private problem(res: ServerResponse, msg: string): void {
    this.problems.push(msg);
    json(res, 400, { error: { code: 400, message: `fake: ${msg}`, errors: [{ reason: "badRequest", message: msg }] } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    const path = url.pathname;

    if (path === "/token" && req.method === "POST") return this.token(req, res);

    // Session URIs carry their own authority; everything else needs a bearer token.
    const isSessionPut = req.method === "PUT" && path === "/upload/youtube/v3/videos";
    if (!isSessionPut) {
      const auth = req.headers.authorization ?? "";
      const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
      if (!this.accessTokens.has(token)) {
        await readBody(req);
        this.problems.push(`${req.method} ${path}: no valid bearer token`);
        return json(res, 401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
      }
      if (this.quotaExhausted) {
        await readBody(req);
        return json(res, 403, {
          error: { code: 403, message: QUOTA_MESSAGE, errors: [{ message: QUOTA_MESSAGE, domain: "youtube.quota", reason: "quotaExceeded" }] },
        });
      }
    }

    const route = `${req.method} ${path}`;
    switch (route) {
      case "POST /upload/youtube/v3/videos":
        return this.startUpload(req, res, url);
      case "PUT /upload/youtube/v3/videos":
        return this.putUpload(req, res, url);
      case "POST /upload/youtube/v3/thumbnails/set":
        return this.setThumbnail(req, res, url);
      case "POST /upload/youtube/v3/captions":
        return this.insertCaption(req, res, url);
      case "GET /youtube/v3/captions":
        return this.listCaptions(res, url);
      case "GET /youtube/v3/videos":
        return this.listVideos(res, url);
      case "PUT /youtube/v3/videos":
        return this.updateVideo(req, res, url);
      case "GET /youtube/v3/playlists":
        return this.listPlaylists(res, url);
      case "POST /youtube/v3/playlists":
        return this.insertPlaylist(req, res, url);
      case "GET /youtube/v3/playlistItems":
        return this.listPlaylistItems(res, url);
      case "POST /youtube/v3/playlistItems":
        return this.insertPlaylistItem(req, res, url);
      case "GET /youtube/v3/channels":
        return this.listChannels(res, url);
      default:
        await readBody(req);
        return this.problem(res, `unexpected request ${route}`);
    }
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString("utf8"));
    if (form.get("client_id") !== this.clientId || form.get("client_secret") !== this.clientSecret) {
      return json(res, 401, { error: "invalid_client", error_description: "The OAuth client was not found." });
    }
    const grant = form.get("grant_type");
    if (grant === "refresh_token") {
      if (this.revokeRefreshToken || form.get("refresh_token") !== this.refreshToken) {
        return json(res, 400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
      }
      return json(res, 200, this.issueAccessToken(false));
    }
    if (grant === "authorization_code") {
      const code = form.get("code") ?? "";
      const redirect = this.authCodes.get(code);
      if (redirect === undefined || redirect !== form.get("redirect_uri")) {
        return json(res, 400, { error: "invalid_grant", error_description: "Malformed auth code." });
      }
      if (!form.get("code_verifier")) return this.problem(res, "authorization_code grant without a PKCE code_verifier");
      this.authCodes.delete(code);
      return json(res, 200, this.issueAccessToken(true));
    }
    return this.problem(res, `unsupported grant_type ${grant}`);
  }

  private issueAccessToken(withRefresh: boolean): Record<string, unknown> {
    const access = `ya29.fake-${this.nextId("")}`;
    this.accessTokens.add(access);
    return {
      access_token: access,
      expires_in: 3599,
      token_type: "Bearer",
      scope: "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube",
      ...(withRefresh ? { refresh_token: this.refreshToken } : {}),
    };
  }

  private async startUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readJson(req);
    if (url.searchParams.get("uploadType") !== "resumable") return this.problem(res, "video upload is not uploadType=resumable");
    const parts = partsOf(url);
    if (!parts.has("snippet") || !parts.has("status")) return this.problem(res, `videos.insert part=${url.searchParams.getAll("part").join(",")} lacks snippet,status`);
    const size = Number(req.headers["x-upload-content-length"]);
    const contentType = String(req.headers["x-upload-content-type"] ?? "");
    if (!Number.isInteger(size) || size <= 0) return this.problem(res, "X-Upload-Content-Length missing");
    if (!contentType.startsWith("video/")) return this.problem(res, `X-Upload-Content-Type is ${contentType}`);
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return this.problem(res, "metadata is not JSON");
    const meta = body as { snippet?: FakeVideo["snippet"]; status?: FakeVideo["status"] } | null;
    if (!meta?.snippet?.title || meta.snippet.title.length > 100) return this.problem(res, "snippet.title missing or over 100 characters");
    if (/[<>]/.test(meta.snippet.title) || /[<>]/.test(meta.snippet.description ?? "")) return this.problem(res, "title/description contain < or >, which YouTube rejects");
    if (!meta.status?.privacyStatus) return this.problem(res, "status.privacyStatus missing");
    if (meta.status.publishAt && meta.status.privacyStatus !== "private") return this.problem(res, "publishAt needs privacyStatus private");
    const id = this.nextId("upl");
    this.sessions.set(id, { id, metadata: { snippet: meta.snippet, status: meta.status }, size, contentType, chunks: [], received: 0, videoId: null, expired: false });
    res.writeHead(200, { Location: `${this.origin}/upload/youtube/v3/videos?uploadType=resumable&upload_id=${id}` }).end();
  }

  private async putUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const session = this.sessions.get(url.searchParams.get("upload_id") ?? "");
    if (!session || session.expired) {
      await readBody(req);
      return json(res, 404, { error: { code: 404, message: "Upload session not found or expired." } });
    }
    const range = String(req.headers["content-range"] ?? "");
    const query = /^bytes \*\/(\d+)$/.exec(range);
    const chunk = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (query) {
      const extra = await readBody(req);
      if (extra.length > 0) return this.problem(res, "status query with a body");
      if (Number(query[1]) !== session.size) return this.problem(res, `status query for ${query[1]} bytes, session has ${session.size}`);
      return this.uploadState(res, session);
    }
    if (!chunk) {
      await readBody(req);
      return this.problem(res, `upload PUT without a valid Content-Range (${range})`);
    }
    const [start, end, total] = [Number(chunk[1]), Number(chunk[2]), Number(chunk[3])];
    if (total !== session.size) return this.problem(res, `Content-Range total ${total} != ${session.size}`);
    if (start !== session.received) {
      await readBody(req);
      return this.problem(res, `chunk starts at ${start} but the server has ${session.received} bytes`);
    }
    if (Number(req.headers["content-length"]) !== end - start + 1) return this.problem(res, "Content-Length does not match Content-Range");
    if (session.videoId) {
      await readBody(req);
      return this.uploadState(res, session);
    }

    const fault = this.nextPutFault;
    this.nextPutFault = null;
    let taken = 0;
    let stopped = false;
    await new Promise<void>((resolve) => {
      req.on("data", (buf: Buffer) => {
        if (stopped) return;
        const room = fault ? fault.afterBytes - taken : buf.length;
        const part = buf.subarray(0, Math.max(0, Math.min(room, buf.length)));
        if (part.length) {
          session.chunks.push(Buffer.from(part));
          session.received += part.length;
          taken += part.length;
        }
        if (fault && taken >= fault.afterBytes) {
          stopped = true;
          if (fault.kind === "cut") {
            req.socket.destroy();
          } else {
            req.pause();
            for (const w of this.holdWaiters.splice(0)) w(session.id);
          }
          resolve();
        }
      });
      req.on("end", () => resolve());
      req.on("close", () => resolve());
    });
    if (stopped) return; // the connection is gone or held; the client must query the status.
    return this.uploadState(res, session);
  }

  /** 308 + Range while incomplete; 200 + the video once every byte is in. */
  private uploadState(res: ServerResponse, s: Session): void {
    if (s.received === s.size && !s.videoId) {
      const id = this.nextId("vid");
      this.videos.set(id, {
        kind: "youtube#video",
        id,
        snippet: { ...s.metadata.snippet, publishedAt: new Date(this.now()).toISOString() },
        status: { ...s.metadata.status, uploadStatus: "uploaded" },
        bytes: Buffer.concat(s.chunks),
      });
      s.videoId = id;
    }
    if (s.videoId) return json(res, 200, publicVideo(this.videos.get(s.videoId)!));
    const headers: Record<string, string> = { "Content-Length": "0" };
    if (s.received > 0) headers.Range = `bytes=0-${s.received - 1}`;
    res.writeHead(308, headers).end();
  }

  private async setThumbnail(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readBody(req);
    const videoId = url.searchParams.get("videoId") ?? "";
    if (!this.videos.has(videoId)) return json(res, 404, { error: { code: 404, message: "Video not found." } });
    if (!String(req.headers["content-type"]).startsWith("image/")) return this.problem(res, "thumbnail is not an image");
    if (body.length === 0) return this.problem(res, "empty thumbnail");
    this.thumbnails.set(videoId, body);
    json(res, 200, { kind: "youtube#thumbnailSetResponse", items: [{ default: { url: `https://i.ytimg.com/vi/${videoId}/default.jpg` } }] });
  }

  private async insertCaption(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readBody(req)).toString("utf8");
    if (!partsOf(url).has("snippet")) return this.problem(res, "captions.insert without part=snippet");
    const ct = String(req.headers["content-type"] ?? "");
    const boundary = /boundary=([^;]+)/.exec(ct)?.[1];
    if (!ct.startsWith("multipart/related") || !boundary) return this.problem(res, "captions.insert is not multipart/related");
    const parts = body.split(`--${boundary}`).slice(1, -1).map((p) => p.replace(/^\r\n/, "").split("\r\n\r\n"));
    const meta = JSON.parse(parts[0]?.[1]?.trim() ?? "null") as { snippet?: { videoId?: string; language?: string; name?: string } } | null;
    const media = parts[1]?.slice(1).join("\r\n\r\n").replace(/\r\n$/, "") ?? "";
    if (!meta?.snippet?.videoId || !meta.snippet.language) return this.problem(res, "caption snippet lacks videoId or language");
    if (!this.videos.has(meta.snippet.videoId)) return json(res, 404, { error: { code: 404, message: "Video not found." } });
    if (!/^1\r?\n\d\d:\d\d:\d\d,\d{3} --> /.test(media)) return this.problem(res, "caption body is not SRT");
    const id = this.nextId("cap");
    this.captions.push({ id, videoId: meta.snippet.videoId, language: meta.snippet.language, name: meta.snippet.name ?? "", body: media });
    json(res, 200, { kind: "youtube#caption", id, snippet: meta.snippet });
  }

  private listCaptions(res: ServerResponse, url: URL): void {
    const videoId = url.searchParams.get("videoId");
    if (!videoId || !partsOf(url).has("snippet")) return this.problem(res, "captions.list needs part=snippet and videoId");
    const items = this.captions.filter((c) => c.videoId === videoId).map((c) => ({ id: c.id, snippet: { videoId, language: c.language, name: c.name } }));
    json(res, 200, { kind: "youtube#captionListResponse", items });
  }

  private listVideos(res: ServerResponse, url: URL): void {
    // googleapis sends a repeated field as repeated parameters (id=a&id=b); a comma list is also valid.
    const ids = url.searchParams.getAll("id").flatMap((v) => v.split(",")).filter(Boolean);
    if (ids.length === 0 || ids.length > 50) return this.problem(res, "videos.list needs 1-50 ids");
    if (partsOf(url).size === 0) return this.problem(res, "videos.list without part");
    const items = ids.flatMap((id) => (this.videos.has(id) ? [publicVideo(this.videos.get(id)!)] : []));
    json(res, 200, { kind: "youtube#videoListResponse", items, pageInfo: { totalResults: items.length } });
  }

  private async updateVideo(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readJson(req)) as { id?: string; status?: FakeVideo["status"]; snippet?: Partial<FakeVideo["snippet"]> } | null;
    const parts = partsOf(url);
    if (parts.size !== 1 || !(parts.has("status") || parts.has("snippet"))) return this.problem(res, `videos.update part=${url.searchParams.getAll("part").join(",")}, expected status or snippet`);
    const video = this.videos.get(body?.id ?? "");
    if (!video) return json(res, 404, { error: { code: 404, message: "Video not found." } });
    if (parts.has("snippet")) {
      // YouTube replaces the whole snippet: title and categoryId are required, the rest is reset if omitted.
      const sn = body!.snippet;
      if (!sn?.title || !sn.categoryId) return this.problem(res, "videos.update part=snippet without title and categoryId");
      if (Buffer.byteLength(sn.description ?? "") > 5000 || /[<>]/.test(sn.description ?? "")) return this.problem(res, "description over 5000 bytes or with < >");
      this.snippetUpdates++;
      video.snippet = { ...sn, title: sn.title, description: sn.description ?? "", publishedAt: video.snippet.publishedAt };
      return json(res, 200, publicVideo(video));
    }
    const status = body!.status;
    if (!status?.privacyStatus) return this.problem(res, "videos.update without status.privacyStatus (it would reset to defaults)");
    if (status.publishAt && status.privacyStatus !== "private") return this.problem(res, "publishAt needs privacyStatus private");
    if (status.selfDeclaredMadeForKids === undefined) return this.problem(res, "videos.update dropped selfDeclaredMadeForKids (send the whole status back)");
    video.status = { ...status, uploadStatus: video.status.uploadStatus };
    if (!status.publishAt) delete video.status.publishAt;
    json(res, 200, publicVideo(video));
  }

  private listPlaylists(res: ServerResponse, url: URL): void {
    if (url.searchParams.get("mine") !== "true" || !partsOf(url).has("snippet")) return this.problem(res, "playlists.list needs mine=true&part=snippet");
    json(res, 200, { kind: "youtube#playlistListResponse", items: [...this.playlists.values()] });
  }

  private async insertPlaylist(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readJson(req)) as { snippet?: { title?: string; description?: string }; status?: { privacyStatus?: string } } | null;
    const parts = partsOf(url);
    if (!parts.has("snippet") || !parts.has("status")) return this.problem(res, "playlists.insert needs part=snippet,status");
    if (!body?.snippet?.title || !body.status?.privacyStatus) return this.problem(res, "playlist needs a title and a privacyStatus");
    const id = this.nextId("PL");
    const pl = { id, snippet: { title: body.snippet.title, description: body.snippet.description ?? "" }, status: { privacyStatus: body.status.privacyStatus } };
    this.playlists.set(id, pl);
    json(res, 200, { kind: "youtube#playlist", ...pl });
  }

  private listPlaylistItems(res: ServerResponse, url: URL): void {
    const playlistId = url.searchParams.get("playlistId") ?? "";
    const videoId = url.searchParams.get("videoId");
    if (!partsOf(url).has("snippet")) return this.problem(res, "playlistItems.list without part=snippet");
    if (playlistId === "UUfake-uploads") {
      const items = [...this.videos.values()].reverse().map((v) => ({
        id: `upl-item-${v.id}`,
        snippet: { title: v.snippet.title, publishedAt: v.snippet.publishedAt, resourceId: { kind: "youtube#video", videoId: v.id } },
      }));
      return json(res, 200, { items });
    }
    if (!this.playlists.has(playlistId)) return json(res, 404, { error: { code: 404, message: "Playlist not found." } });
    const items = this.playlistItems
      .filter((i) => i.playlistId === playlistId && (!videoId || i.videoId === videoId))
      .map((i) => ({ id: i.id, snippet: { playlistId, resourceId: { kind: "youtube#video", videoId: i.videoId } } }));
    json(res, 200, { items });
  }

  private async insertPlaylistItem(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = (await readJson(req)) as { snippet?: { playlistId?: string; resourceId?: { kind?: string; videoId?: string } } } | null;
    if (!partsOf(url).has("snippet")) return this.problem(res, "playlistItems.insert without part=snippet");
    const s = body?.snippet;
    if (!s?.playlistId || s.resourceId?.kind !== "youtube#video" || !s.resourceId.videoId) return this.problem(res, "playlist item needs playlistId and resourceId {kind: youtube#video, videoId}");
    if (!this.playlists.has(s.playlistId) || !this.videos.has(s.resourceId.videoId)) return json(res, 404, { error: { code: 404, message: "Not found." } });
    const id = this.nextId("PLI");
    this.playlistItems.push({ id, playlistId: s.playlistId, videoId: s.resourceId.videoId });
    json(res, 200, { kind: "youtube#playlistItem", id, snippet: s });
  }

  private listChannels(res: ServerResponse, url: URL): void {
    if (url.searchParams.get("mine") !== "true" || !partsOf(url).has("contentDetails")) return this.problem(res, "channels.list needs mine=true&part=contentDetails");
    json(res, 200, { items: [{ id: "UCfake", contentDetails: { relatedPlaylists: { uploads: "UUfake-uploads" } } }] });
  }
}

/** `part` may come comma-separated or repeated (googleapis repeats it); the API takes both. */
function partsOf(url: URL): Set<string> {
  return new Set(url.searchParams.getAll("part").flatMap((p) => p.split(",")).filter(Boolean));
}

function publicVideo(v: FakeVideo): Omit<FakeVideo, "bytes"> {
  const { bytes: _bytes, ...rest } = v;
  return rest;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8", "Content-Length": Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString("utf8");
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
