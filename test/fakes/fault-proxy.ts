/**
 * A loopback reverse proxy that puts an outage in front of a fake: while an outage is on, every
 * request is answered with the status and body the real service sends when it is overloaded
 * (Anthropic's 529 overloaded_error, YouTube's 503 backendError); otherwise the request goes to
 * the fake unchanged. The outage is a time window on the proxy's clock or a number of answers,
 * so a test never has to wait out a real minute.
 */
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What an outage answers. */
export interface OutageReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Anthropic's documented overload error. */
export const ANTHROPIC_OVERLOADED: OutageReply = {
  status: 529,
  body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
  headers: { "request-id": "req_fault_proxy" },
};

/** YouTube Data API's 503 backend error, in the API's error shape. */
export const YOUTUBE_BACKEND_ERROR: OutageReply = {
  status: 503,
  body: { error: { code: 503, message: "Backend Error", errors: [{ message: "Backend Error", domain: "global", reason: "backendError" }] } },
};

export class FaultProxy {
  private server: Server | null = null;
  private until = 0;
  private left = 0;
  private reply: OutageReply | null = null;
  /** Answers given by the outage, and requests passed through. */
  faulted = 0;
  passed = 0;
  /** The proxy's clock, injectable. */
  now: () => number = () => Date.now();

  /** @param target origin of the fake, e.g. http://127.0.0.1:1234 */
  constructor(private readonly target: string) {}

  /** Starts on 127.0.0.1; returns the proxy's origin (no trailing slash). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return this.origin;
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Answers `reply` for `ms` from now (on the proxy's clock), or for the next `answers` requests. */
  outage(reply: OutageReply, o: { ms?: number; answers?: number }): void {
    this.reply = reply;
    this.until = o.ms !== undefined ? this.now() + o.ms : 0;
    this.left = o.answers ?? 0;
  }

  /** Ends the outage now. */
  heal(): void {
    this.reply = null;
    this.until = 0;
    this.left = 0;
  }

  get failing(): boolean {
    return this.reply !== null && (this.now() < this.until || this.left > 0);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.failing && this.reply) {
      if (this.left > 0) this.left--;
      this.faulted++;
      for await (const _ of req) void _; // read the body, as a server does before answering
      res.writeHead(this.reply.status, { "content-type": "application/json", ...this.reply.headers });
      res.end(JSON.stringify(this.reply.body));
      return;
    }
    this.passed++;
    const url = new URL(req.url ?? "/", this.target);
    const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  }
}
