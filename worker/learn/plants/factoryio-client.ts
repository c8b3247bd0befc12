/**
 * A thin HTTP client for Factory I/O's Web API (docs.factoryio.com/manual/web-api).
 *
 * It uses undici's `request()` rather than `fetch`: `GET /api/tag/values` takes the ids to read
 * in a JSON body, and the Fetch standard (so Node's fetch) refuses a body on GET. Every call
 * has a timeout; a network failure becomes a {@link FactoryIoError} that says what to check
 * (Ultimate edition, `app.web_server = True`, the address, the firewall), because the person
 * reading it is a teacher at a Windows PC, not a network engineer.
 *
 * Batch calls answer HTTP 200 even when items fail; the failed items are returned to the caller
 * as {@link ItemError}s, never dropped.
 */
import { Agent, request, type Dispatcher } from "undici";
import { describe, FactoryIoError, parseTagList, type FioTag, type ItemError } from "./factoryio-tags.ts";
import type { TagValue } from "./types.ts";

export interface FactoryIoClientOptions {
  /** e.g. http://localhost:7410 or http://192.168.1.20:7410 */
  baseUrl: string;
  /** An undici dispatcher; by default the client makes (and closes) its own keep-alive Agent. */
  dispatcher?: Dispatcher;
  /** Per request, connection included (ms). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

export class FactoryIoClient {
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: Agent | null;
  private readonly timeoutMs: number;

  constructor(options: FactoryIoClientOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.ownDispatcher = options.dispatcher ? null : new Agent({ connect: { timeout: this.timeoutMs }, keepAliveTimeout: 10_000 });
    this.dispatcher = options.dispatcher ?? this.ownDispatcher!;
  }

  /** `GET /api/tags`: every tag of the open scene. */
  async listTags(signal?: AbortSignal): Promise<FioTag[]> {
    return parseTagList(await this.call("GET", "/api/tags", undefined, signal));
  }

  /** `GET /api/tag/values` with the ids in the body: values by id, and the items that failed. */
  async readValues(ids: readonly string[], signal?: AbortSignal): Promise<{ values: Map<string, unknown>; errors: ItemError[] }> {
    const body = await this.call("GET", "/api/tag/values", ids, signal);
    const values = new Map<string, unknown>();
    const errors = itemErrors(body, "GET /api/tag/values");
    for (const item of body as Record<string, unknown>[]) {
      if (typeof item.code !== "number" && typeof item.id === "string") values.set(item.id, item.value);
    }
    for (const id of ids) {
      if (!values.has(id) && !errors.some((e) => e.key === id)) errors.push({ key: id, code: 0, error: "missing from the answer" });
    }
    return { values, errors };
  }

  /** `PUT /api/tag/values`: sets output tags; returns the items Factory I/O refused. */
  async writeValues(items: readonly { id: string; value: TagValue }[], signal?: AbortSignal): Promise<ItemError[]> {
    if (items.length === 0) return [];
    return itemErrors(await this.call("PUT", "/api/tag/values", items, signal), "PUT /api/tag/values");
  }

  /** `PUT /api/tag/values-force`: forces tags (inputs included) to values until released. */
  async forceValues(items: readonly { id: string; value: TagValue }[], signal?: AbortSignal): Promise<ItemError[]> {
    if (items.length === 0) return [];
    return itemErrors(await this.call("PUT", "/api/tag/values-force", items, signal), "PUT /api/tag/values-force");
  }

  /** `PUT /api/tag/values-release`: ends forcing; the tags follow the scene (or the controller) again. */
  async releaseValues(ids: readonly string[], signal?: AbortSignal): Promise<ItemError[]> {
    if (ids.length === 0) return [];
    return itemErrors(await this.call("PUT", "/api/tag/values-release", ids, signal), "PUT /api/tag/values-release");
  }

  /** Closes the connections this client opened (not a dispatcher it was given). */
  async close(): Promise<void> {
    await this.ownDispatcher?.close();
  }

  private async call(method: "GET" | "PUT", path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.dispatcher,
        signal: combined,
        headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(this.baseUrl, err, timeout.aborted ? this.timeoutMs : null);
    }
    if (status === 204 || (status === 200 && text.trim() === "")) return [];
    if (status !== 200) {
      throw new FactoryIoError(
        `${this.baseUrl} answered HTTP ${status} to ${method} ${path}${snippet(text)}. ` +
          (status === 404 && path === "/api/tags"
            ? "Something answers at that address, but not Factory I/O's Web API: check the address and port (default 7410)."
            : "Factory I/O's Web API refused the request."),
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new FactoryIoError(
        `${this.baseUrl} answered ${method} ${path} with something other than JSON${snippet(text)}: ` +
          "another program is using that address; check the address and port (Factory I/O's default is 7410).",
      );
    }
  }
}

/** Accepts "localhost:7410" and trailing slashes; refuses what is not an http(s) URL. */
export function normaliseBaseUrl(raw: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(raw.trim()) ? raw.trim() : `http://${raw.trim()}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new FactoryIoError(`"${raw}" is not an address. Give Factory I/O's address like http://localhost:7410 or http://192.168.1.20:7410.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FactoryIoError(`"${raw}" is not an http address. Give Factory I/O's address like http://localhost:7410.`);
  }
  if (url.pathname !== "/" || url.search) {
    throw new FactoryIoError(`"${raw}" has a path; give only the address and port, like http://localhost:7410.`);
  }
  return url.origin;
}

function itemErrors(body: unknown, what: string): ItemError[] {
  if (!Array.isArray(body)) throw new FactoryIoError(`${what} answered ${describe(body)}, not a list: this is not Factory I/O's Web API.`);
  const errors: ItemError[] = [];
  for (const raw of body) {
    const item = raw as Record<string, unknown> | null;
    if (item === null || typeof item !== "object") throw new FactoryIoError(`${what} answered an item ${describe(raw)}: this is not Factory I/O's Web API.`);
    if (typeof item.code === "number" || typeof item.error === "string") {
      const key = typeof item.id === "string" ? item.id : typeof item.name === "string" ? item.name : "?";
      errors.push({ key, code: typeof item.code === "number" ? item.code : 0, error: typeof item.error === "string" ? item.error : "" });
    }
  }
  return errors;
}

const CHECKLIST =
  "Check that: Factory I/O is running with the scene open; it is the Ultimate edition (only it has the Web API); " +
  "its web server is on (type app.web_server = True in Factory I/O's console, again after every restart of Factory I/O); " +
  "the address and port (default 7410) in FACTORY_IO_URL or learn.factoryIoUrl are right";

function networkError(baseUrl: string, err: unknown, timedOutAfter: number | null): FactoryIoError {
  const code = errorCode(err);
  const remote = !/^https?:\/\/(localhost|127\.|\[::1\])/.test(baseUrl);
  const firewall = remote ? "; the Windows firewall on the Factory I/O PC lets in TCP port 7410 (see docs/factory-io.md)" : "";
  if (code === "ECONNREFUSED") return new FactoryIoError(`Nothing answers at ${baseUrl} (connection refused). ${CHECKLIST}${firewall}.`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new FactoryIoError(`The computer name in ${baseUrl} is unknown on this network. Use the Factory I/O PC's IP address (ipconfig on that PC), e.g. http://192.168.1.20:7410.`);
  if (timedOutAfter !== null || code === "UND_ERR_CONNECT_TIMEOUT" || code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH") {
    return new FactoryIoError(
      `No answer from ${baseUrl}${timedOutAfter !== null ? ` within ${timedOutAfter} ms` : ""}${code ? ` (${code})` : ""}. ${CHECKLIST}` +
        (remote ? "; both computers are on the same network; the Windows firewall on the Factory I/O PC lets in TCP port 7410 (see docs/factory-io.md)." : "."),
    );
  }
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE") {
    return new FactoryIoError(`The connection to ${baseUrl} was cut (${code}): was Factory I/O closed or the scene changed? ${CHECKLIST}.`);
  }
  return new FactoryIoError(`Could not talk to Factory I/O at ${baseUrl} (${code || (err instanceof Error ? err.message : String(err))}). ${CHECKLIST}${firewall}.`);
}

function errorCode(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_ABORTED") return code;
  }
  return "";
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t ? ` ("${t.length > 80 ? `${t.slice(0, 77)}...` : t}")` : "";
}
