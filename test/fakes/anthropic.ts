/**
 * A loopback fake of the Anthropic Messages API (POST /v1/messages), for tests and the token benchmark.
 *
 * The real @anthropic-ai/sdk is pointed at it with `baseURL`. Every request is checked the way
 * the content agent promises to call the API:
 *  - the key (`Authorization: Bearer …` as SDK 1.x sends it, or `x-api-key`) is the expected one
 *    (otherwise a real-shaped 401 authentication_error) and
 *    `anthropic-version` is sent;
 *  - the model is the configured one, `max_tokens` is set;
 *  - the system prompt is a text block marked `cache_control: {type: "ephemeral"}`;
 *  - the script tool is offered and forced with `tool_choice`;
 *  - the user turn holds the expected atom's body and none of the forbidden texts (other atoms' bodies);
 *  - a repair turn answers the previous tool call with an `is_error` tool_result.
 * What does not match is answered 400 and listed in {@link FakeAnthropic.problems}, which tests assert is empty.
 *
 * Replies are scripted ({@link FakeReply}); with none queued the fake answers with a valid script
 * built from the atom's headings. Usage is computed from the real request size with
 * {@link estimateTokens}, and the cached prefix (tools + system) is billed as a cache write the
 * first time and a cache read afterwards, as the API does (only above the minimum cacheable length).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Token estimate used by the fake: 3.5 characters a token, a deliberately pessimistic rule of thumb for English and JSON. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

/** The shortest prefix the API caches for Sonnet/Opus models (tokens). */
export const MIN_CACHEABLE_TOKENS = 1024;

export type FakeReply =
  /** A valid script for the atom in the request (or the given tool input). */
  | { kind: "script"; input?: unknown }
  /** A tool call whose input breaks the schema: no sections, a 200-character YouTube title. */
  | { kind: "invalid" }
  /** An API error in the documented shape, e.g. 429 with retry-after, 529 overloaded, 401. */
  | { kind: "error"; status: number; retryAfter?: string };

export interface RecordedRequest {
  body: any;
  headers: IncomingMessage["headers"];
  usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number };
  reply: FakeReply["kind"] | "rejected";
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

export class FakeAnthropic {
  readonly apiKey = "sk-ant-test-0000000000000000";
  model = "claude-sonnet-4-6";
  /** Replies to give, in order; when empty, a valid script. */
  readonly replies: FakeReply[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly problems: string[] = [];
  /** Text the user turn must contain (the atom's body), when set. */
  expectInPrompt: string | null = null;
  /** Texts no request may contain (other atoms' bodies). */
  forbidden: string[] = [];
  /** The forced tool every request must offer; the learning agent's tests set "submit_st_program". */
  toolName = "submit_video_script";
  /** The tool input of a "script" reply without one; by default a script built from the atom's headings. */
  defaultInput: ((prompt: string) => unknown) | null = null;
  private readonly cachedPrefixes = new Set<string>();
  private seq = 0;

  private constructor(private readonly server: Server) {}

  /** Starts the fake on 127.0.0.1 with a free port. */
  static async start(): Promise<FakeAnthropic> {
    const server = createServer();
    const fake = new FakeAnthropic(server);
    server.on("request", (req, res) => void fake.handle(req, res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return fake;
  }

  /** The base URL to give the SDK. */
  get baseURL(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", "request-id": `req_fake_${++this.seq}`, ...headers });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.send(res, status, { type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } }, headers);
  }

  /** Checks a request against the agent's promises; returns the problems found. */
  private check(body: any): string[] {
    const p: string[] = [];
    if (body?.model !== this.model) p.push(`model is ${JSON.stringify(body?.model)}, expected ${this.model}`);
    if (typeof body?.max_tokens !== "number") p.push("max_tokens missing");
    const system = body?.system;
    if (!Array.isArray(system) || system[0]?.type !== "text" || system[0]?.cache_control?.type !== "ephemeral") {
      p.push("system prompt is not a text block with cache_control {type: ephemeral}");
    }
    const tool = Array.isArray(body?.tools) ? body.tools.find((t: any) => t?.name === this.toolName) : undefined;
    if (!tool?.input_schema || tool.input_schema.type !== "object") p.push(`${this.toolName} tool with an object input_schema missing`);
    if (body?.tool_choice?.type !== "tool" || body?.tool_choice?.name !== this.toolName) p.push(`tool_choice does not force ${this.toolName}`);
    const messages = body?.messages;
    if (!Array.isArray(messages) || messages[0]?.role !== "user" || typeof messages[0]?.content !== "string") {
      p.push("first message must be the user's atom prompt");
    } else {
      if (this.expectInPrompt !== null && !messages[0].content.includes(this.expectInPrompt)) p.push("the atom's body is not in the prompt");
      if (messages.length !== 1 && messages.length !== 3) p.push(`unexpected conversation length ${messages.length}`);
      if (messages.length === 3) {
        const result = Array.isArray(messages[2]?.content) ? messages[2].content.find((b: any) => b?.type === "tool_result") : undefined;
        const toolUse = Array.isArray(messages[1]?.content) ? messages[1].content.find((b: any) => b?.type === "tool_use") : undefined;
        if (!result || result.is_error !== true || result.tool_use_id !== toolUse?.id) p.push("repair turn must answer the tool call with an is_error tool_result");
      }
    }
    const all = JSON.stringify(body);
    for (const f of this.forbidden) if (f && all.includes(f)) p.push(`request contains forbidden text: ${f.slice(0, 40)}…`);
    return p;
  }

  private usage(body: any, outputText: string): RecordedRequest["usage"] {
    const prefix = JSON.stringify(body.tools ?? []) + JSON.stringify(body.system ?? []);
    const prefixTokens = estimateTokens(prefix);
    const rest = estimateTokens(JSON.stringify(body.messages ?? []));
    const usage = { input_tokens: rest, output_tokens: estimateTokens(outputText), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (prefixTokens < MIN_CACHEABLE_TOKENS) usage.input_tokens += prefixTokens;
    else if (this.cachedPrefixes.has(prefix)) usage.cache_read_input_tokens = prefixTokens;
    else {
      this.cachedPrefixes.add(prefix);
      usage.cache_creation_input_tokens = prefixTokens;
    }
    return usage;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/v1/messages") {
      this.problems.push(`unexpected ${req.method} ${req.url}`);
      return this.error(res, 404, "not found");
    }
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      this.problems.push("request body is not JSON");
      return this.error(res, 400, "body is not JSON");
    }
    const record: RecordedRequest = { body, headers: req.headers, usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, reply: "rejected" };
    this.requests.push(record);
    if (!req.headers["anthropic-version"]) this.problems.push("anthropic-version header missing");
    // SDK 1.x sends the key as a bearer token; older clients used x-api-key. Both are the documented auth.
    const key = req.headers["x-api-key"] ?? req.headers.authorization?.replace(/^Bearer /, "");
    if (key !== this.apiKey) return this.error(res, 401, "invalid x-api-key");
    const problems = this.check(body);
    if (problems.length) {
      this.problems.push(...problems);
      return this.error(res, 400, problems.join("; "));
    }
    const reply = this.replies.shift() ?? { kind: "script" };
    record.reply = reply.kind;
    if (reply.kind === "error") {
      const headers: Record<string, string> = reply.retryAfter !== undefined ? { "retry-after": reply.retryAfter } : {};
      const message = reply.status === 529 ? "Overloaded" : reply.status === 429 ? "Number of request tokens has exceeded your per-minute rate limit" : "error";
      return this.error(res, reply.status, reply.status === 401 ? "invalid x-api-key" : message, headers);
    }
    const input = reply.kind === "invalid" ? invalidDraft() : (reply.input ?? (this.defaultInput ?? draftFromPrompt)(body.messages[0].content));
    const output = JSON.stringify(input);
    record.usage = this.usage(body, output);
    this.send(res, 200, {
      id: `msg_fake_${this.seq}`,
      type: "message",
      role: "assistant",
      model: this.model,
      content: [{ type: "tool_use", id: `toolu_fake_${this.seq}`, name: this.toolName, input }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: record.usage,
    });
  }
}

/** A plausible model answer: one section per `## ` heading of the atom in the prompt. */
export function draftFromPrompt(prompt: string): unknown {
  const title = /^Title: (.+)$/m.exec(prompt)?.[1] ?? "Lesson";
  const headings = [...prompt.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);
  return {
    title,
    hook: `Here is the practical problem ${title} solves on a real machine.`,
    sections: (headings.length ? headings : [title]).map((h) => ({
      heading: h.slice(0, 60),
      narration: `In this part we look at ${h.toLowerCase()}. `.repeat(8).trim(),
      bullets: [`${h.slice(0, 60)}: the key idea`, "What to check on the machine"],
      visualHint: `A simple diagram of ${h.toLowerCase()}.`,
    })),
    outro: `That was ${title}.`,
    youtube: { title: title.slice(0, 70), description: `Learn ${title}.\n\nSources:\n- see the atom`, tags: ["plc", "automation", "training"] },
  };
}

/** An answer that breaks the schema in two places. */
export function invalidDraft(): unknown {
  return {
    title: "Broken",
    hook: "A hook.",
    sections: [],
    outro: "Bye.",
    youtube: { title: "x".repeat(200), description: "d", tags: [] },
  };
}
