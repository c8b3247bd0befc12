/**
 * A loopback fake of Factory I/O's Web API (Ultimate edition, docs.factoryio.com/manual/web-api),
 * holding the tags of one scene, for tests of the Factory I/O plant adapter.
 *
 * It speaks the wire protocol as documented and as third-party clients observe it:
 *  - `GET /api/tags` (query filters `name` with `*`/`?` wildcards, case-insensitive; `type`; `kind`),
 *    `GET /api/tags/{id}`, `GET /api/tags/by-name/{name}`;
 *  - `GET /api/tag/values` with a JSON body of ids (no body: every tag), answering
 *    `[{id, value}]` or `{id, code: 404, error}` per item; `PUT /api/tag/values` with
 *    `[{id, value}]`, answering only the failed items (406 for an input tag, 404 for an unknown
 *    id); the same under `/by-name` with `name` instead of `id`;
 *  - `PUT /api/tag/values-force` (`[{id, value}]`, inputs allowed) and
 *    `PUT /api/tag/values-release` (`[id]`), and their `/by-name` forms.
 * Batch calls answer HTTP 200 whatever the items say, as Factory I/O does.
 *
 * `type` and `kind` are capitalised ("Bit", "Input") as running Factory I/O instances answer;
 * the documentation writes them in lower case. `casing: "docs"` switches to the documented form.
 *
 * Scene control follows the driver tags: outputs `FACTORY I/O (Run)`, `(Pause)`, `(Reset)`;
 * inputs `FACTORY I/O (Running)`, `(Paused)`, `(Reset)`. A rising edge on the Reset output puts
 * every input back to its initial value and calls `onReset`.
 *
 * Whatever breaks the protocol (a missing or non-JSON body, a wrong content type, an unknown
 * route) is answered 400/404 and listed in {@link FakeFactoryIo.problems}; tests assert it stays
 * empty. Every request is recorded in {@link FakeFactoryIo.requests}.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeTagValue = boolean | number;

export interface FakeTag {
  name: string;
  id: string;
  address: number;
  type: "bit" | "int" | "float";
  kind: "input" | "output";
  value: FakeTagValue;
  openCircuit: boolean;
  shortCircuit: boolean;
  isForced: boolean;
  forcedValue: FakeTagValue;
  /** Not part of the API: the value a Reset restores. */
  initial: FakeTagValue;
}

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** What a physics callback may do to the scene, once per value read. */
export interface FakeSceneIo {
  /** The value the controller sees (the forced value when forced). */
  get(name: string): FakeTagValue;
  /** Sets an input as the scene's sensors would (a forced input keeps its forced value). */
  setInput(name: string, value: FakeTagValue): void;
  readonly running: boolean;
}

type TagSpec = [name: string, kind: "input" | "output", type?: "bit" | "int" | "float", initial?: FakeTagValue];

/** "Sorting by Height (Basic)" as issue 12 lists it. Stop and Emergency stop are normally closed. */
export const SORTING_BY_HEIGHT_TAGS: TagSpec[] = [
  ["Pallet sensor", "input"],
  ["Low sensor", "input"],
  ["High sensor", "input"],
  ["Loaded", "input"],
  ["At left entry", "input"],
  ["At left exit", "input"],
  ["At right entry", "input"],
  ["At right exit", "input"],
  ["Start", "input"],
  ["Stop", "input", "bit", true],
  ["Reset", "input"],
  ["Emergency stop", "input", "bit", true],
  ["Auto", "input"],
  ["Manual", "input"],
  ["Conveyor entry", "output"],
  ["Load", "output"],
  ["Unload", "output"],
  ["Transf. left", "output"],
  ["Transf. right", "output"],
  ["Conveyor left", "output"],
  ["Conveyor right", "output"],
  ["Counter", "output", "int", 0],
  ["Start light", "output"],
  ["Stop light", "output"],
  ["Reset light", "output"],
  ["Emitter", "output"],
  ["Remover left", "output"],
  ["Remover right", "output"],
];

/** The scene control tags every scene carries. */
export const CONTROL_TAGS: TagSpec[] = [
  ["FACTORY I/O (Run)", "output"],
  ["FACTORY I/O (Pause)", "output"],
  ["FACTORY I/O (Reset)", "output"],
  ["FACTORY I/O (Running)", "input"],
  ["FACTORY I/O (Paused)", "input"],
  ["FACTORY I/O (Reset)", "input"],
];

const RUN = "FACTORY I/O (Run)";
const RESET = "FACTORY I/O (Reset)";
const RUNNING = "FACTORY I/O (Running)";

export interface FakeFactoryIoOptions {
  /** The scene's tags; the control tags are added. Default: Sorting by Height (Basic). */
  tags?: TagSpec[];
  /** "observed" (default): "Bit"/"Input" as real instances answer; "docs": "bit"/"input". */
  casing?: "observed" | "docs";
}

export class FakeFactoryIo {
  readonly tags: FakeTag[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Protocol violations seen. Tests assert this stays empty. */
  readonly problems: string[] = [];
  /** Called before every value read answers: a test's tiny physics. */
  physics: ((io: FakeSceneIo) => void) | null = null;
  /** Called when the Reset output rises (after the inputs went back to their initial values). */
  onReset: (() => void) | null = null;
  /** How many `/api/tag/values` reads answer Running = FALSE after Run rises (a slow start). */
  startDelayReads = 0;
  private readonly casing: "observed" | "docs";
  private server: Server | null = null;
  private pendingStartReads = 0;

  constructor(options: FakeFactoryIoOptions = {}) {
    this.casing = options.casing ?? "observed";
    const specs = [...(options.tags ?? SORTING_BY_HEIGHT_TAGS), ...CONTROL_TAGS];
    const nextAddress = { input: 0, output: 0 };
    specs.forEach(([name, kind, type = "bit", initial], i) => {
      const value = initial ?? (type === "bit" ? false : 0);
      this.tags.push({
        name,
        // Factory I/O ids are GUIDs; these are fixed so a failing test reads the same every run.
        id: `5e4c0000-0000-4000-8000-${(i + 1).toString(16).padStart(12, "0")}`,
        address: nextAddress[kind]++,
        type,
        kind,
        value,
        openCircuit: false,
        shortCircuit: false,
        isForced: false,
        forcedValue: type === "bit" ? false : 0,
        initial: value,
      });
    });
  }

  /** Starts listening on 127.0.0.1 and returns the base URL (no trailing slash). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.problems.push(`fake crashed: ${String(err)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** The tag of that name and kind (the control tag "FACTORY I/O (Reset)" exists as both). */
  tag(name: string, kind?: "input" | "output"): FakeTag {
    const tag = this.tags.find((t) => t.name === name && (kind === undefined || t.kind === kind));
    if (!tag) throw new Error(`fake scene has no ${kind ?? ""} tag "${name}"`);
    return tag;
  }

  /** The value the controller sees. */
  valueOf(name: string, kind?: "input" | "output"): FakeTagValue {
    const tag = this.tag(name, kind);
    return tag.isForced ? tag.forcedValue : tag.value;
  }

  get running(): boolean {
    return this.tag(RUNNING).value === true;
  }

  /** Tags forced right now, by name. */
  forcedTags(): string[] {
    return this.tags.filter((t) => t.isForced).map((t) => t.name);
  }

  /** Removes a tag, as editing the scene while connected would. */
  removeTag(name: string): void {
    this.tags.splice(this.tags.indexOf(this.tag(name)), 1);
  }

  /** Requests to one route, e.g. `"PUT /api/tag/values-force"`. */
  requestsTo(route: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === route);
  }

  // --- HTTP ---

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "GET";
    const path = decodeURIComponent(url.pathname);
    const contentType = req.headers["content-type"];
    let body: unknown;
    if (raw.length > 0) {
      if (!contentType?.startsWith("application/json")) {
        this.problems.push(`${method} ${path}: body sent with content-type ${contentType ?? "(none)"}`);
      }
      try {
        body = JSON.parse(raw);
      } catch {
        this.problems.push(`${method} ${path}: body is not JSON`);
        return this.json(res, 400, { error: "Invalid JSON." });
      }
    }
    this.requests.push({ method, path, query: Object.fromEntries(url.searchParams), contentType, body });

    if (method === "GET" && path === "/api/tags") return this.json(res, 200, this.filterTags(url.searchParams).map((t) => this.wire(t)));
    if (method === "GET" && path.startsWith("/api/tags/by-name/")) {
      const name = path.slice("/api/tags/by-name/".length);
      return this.json(res, 200, this.tags.filter((t) => wildcard(name).test(t.name)).map((t) => this.wire(t)));
    }
    if (method === "GET" && path.startsWith("/api/tags/")) {
      const tag = this.tags.find((t) => t.id === path.slice("/api/tags/".length));
      return tag ? this.json(res, 200, this.wire(tag)) : this.json(res, 404, { error: "Tag not found." });
    }
    const route = /^\/api\/tag\/(values|values-force|values-release)(\/by-name)?$/.exec(path);
    if (route) {
      const [, op, byName] = route;
      const key = byName ? "name" : "id";
      if (op === "values" && method === "GET") return this.readValues(res, body, key);
      if (method === "PUT") return this.writeBatch(res, op as "values" | "values-force" | "values-release", body, key);
    }
    this.problems.push(`unknown route ${method} ${path}`);
    return this.json(res, 404, { error: "Not found." });
  }

  private readValues(res: ServerResponse, body: unknown, key: "id" | "name"): void {
    this.tick();
    if (body === undefined) return this.json(res, 200, this.tags.map((t) => ({ [key]: t[key], value: this.seen(t) })));
    if (!Array.isArray(body) || !body.every((x) => typeof x === "string")) {
      this.problems.push(`GET values: body must be an array of ${key}s, got ${JSON.stringify(body)}`);
      return this.json(res, 400, { error: `Expected an array of tag ${key}s.` });
    }
    this.json(
      res,
      200,
      body.map((k: string) => {
        const tag = this.tags.find((t) => t[key] === k);
        return tag ? { [key]: k, value: this.seen(tag) } : { [key]: k, code: 404, error: notFound(key, k) };
      }),
    );
  }

  private writeBatch(res: ServerResponse, op: "values" | "values-force" | "values-release", body: unknown, key: "id" | "name"): void {
    const isRelease = op === "values-release";
    const shapeOk =
      Array.isArray(body) &&
      body.every((x) =>
        isRelease ? typeof x === "string" : typeof x === "object" && x !== null && typeof (x as Record<string, unknown>)[key] === "string" && "value" in x,
      );
    if (!shapeOk) {
      this.problems.push(`PUT ${op}: bad body ${JSON.stringify(body)}`);
      return this.json(res, 400, { error: isRelease ? `Expected an array of tag ${key}s.` : `Expected an array of {${key}, value}.` });
    }
    const errors: Record<string, unknown>[] = [];
    for (const item of body as unknown[]) {
      const k = isRelease ? (item as string) : ((item as Record<string, unknown>)[key] as string);
      // A name may be both an input and an output (the control tag Reset): writes go to the output.
      const candidates = this.tags.filter((t) => t[key] === k);
      const tag = op === "values" ? (candidates.find((t) => t.kind === "output") ?? candidates[0]) : candidates[0];
      if (!tag) {
        errors.push({ [key]: k, code: 404, error: notFound(key, k) });
        continue;
      }
      if (isRelease) {
        tag.isForced = false;
        continue;
      }
      const value = (item as Record<string, unknown>).value;
      if (!fits(tag.type, value)) {
        errors.push({ [key]: k, code: 400, error: `Invalid value for a ${tag.type} tag.` });
        continue;
      }
      if (op === "values-force") {
        tag.isForced = true;
        tag.forcedValue = value as FakeTagValue;
        continue;
      }
      if (tag.kind === "input") {
        errors.push({ [key]: k, code: 406, error: "Not allowed to set value of an input tag." });
        continue;
      }
      this.setOutput(tag, value as FakeTagValue);
    }
    this.json(res, 200, errors);
  }

  // --- the scene ---

  private setOutput(tag: FakeTag, value: FakeTagValue): void {
    const rose = tag.value === false && value === true;
    tag.value = value;
    if (tag.name === RUN) {
      if (value === true && rose) this.pendingStartReads = this.startDelayReads;
      if (value === false) this.tag(RUNNING).value = false;
    }
    if (tag.name === RESET && rose) {
      for (const t of this.tags) if (t.kind === "input" && !t.name.startsWith("FACTORY I/O")) t.value = t.initial;
      this.onReset?.();
    }
  }

  /** Advances the scene by one value read: the start delay, then the test's physics. */
  private tick(): void {
    if (this.tag(RUN).value === true && !this.running) {
      if (this.pendingStartReads > 0) this.pendingStartReads--;
      else this.tag(RUNNING).value = true;
    }
    if (!this.physics) return;
    this.physics({
      get: (name) => this.valueOf(name),
      setInput: (name, value) => {
        this.tag(name, "input").value = value;
      },
      running: this.running,
    });
  }

  private seen(tag: FakeTag): FakeTagValue {
    return tag.isForced ? tag.forcedValue : tag.value;
  }

  private filterTags(params: URLSearchParams): FakeTag[] {
    const name = params.get("name");
    const type = params.get("type")?.toLowerCase();
    const kind = params.get("kind")?.toLowerCase();
    return this.tags.filter((t) => (!name || wildcard(name).test(t.name)) && (!type || t.type === type) && (!kind || t.kind === kind));
  }

  private wire(tag: FakeTag): Record<string, unknown> {
    const cap = (s: string) => (this.casing === "docs" ? s : s[0]!.toUpperCase() + s.slice(1));
    return {
      name: tag.name,
      id: tag.id,
      address: tag.address,
      type: cap(tag.type),
      kind: cap(tag.kind),
      value: tag.value,
      openCircuit: tag.openCircuit,
      shortCircuit: tag.shortCircuit,
      isForced: tag.isForced,
      forcedValue: tag.forcedValue,
    };
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  }
}

function notFound(key: "id" | "name", k: string): string {
  return `Tag with ${key} '${k}' not found.`;
}

function fits(type: FakeTag["type"], value: unknown): boolean {
  if (type === "bit") return typeof value === "boolean";
  if (type === "int") return typeof value === "number" && Number.isInteger(value);
  return typeof value === "number" && Number.isFinite(value);
}

/** The documented name filter: case-insensitive, `*` any run, `?` one character. */
function wildcard(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "i");
}
