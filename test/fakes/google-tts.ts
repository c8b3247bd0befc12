/**
 * A loopback fake of Google Cloud Text-to-Speech (`POST /v1/text:synthesize` and
 * `POST /v1beta1/text:synthesize`), for the real googleapis client pointed at it with `rootUrl`.
 *
 * Every request is checked as the documented REST protocol and our provider promise it:
 *  - API key in the `key` query parameter (else a real-shaped 403 PERMISSION_DENIED);
 *  - JSON body with `input.ssml` (a `<speak>` document, at most 5,000 bytes), `voice.languageCode`
 *    and `voice.name`, `audioConfig.audioEncoding` = LINEAR16 and a `sampleRateHertz`.
 * Problems are answered 400 INVALID_ARGUMENT and listed in {@link FakeGoogleTts.problems}.
 *
 * The answer is `{ audioContent }`: base64 of a WAV (as LINEAR16 responses are: a RIFF header, then
 * PCM) holding a tone of 60 ms per character of text, so durations are predictable. On v1beta1,
 * `enableTimePointing: ["SSML_MARK"]` adds `timepoints: [{ markName, timeSeconds }]`: for each
 * `<mark name="…"/>`, the time of the text before it (60 ms per character, marks take no time).
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeWav } from "../../worker/media/wav.ts";

/** Seconds of audio the fake makes per character of spoken text. */
export const SECONDS_PER_CHAR = 0.06;

export interface GoogleTtsRequest {
  ssml: string;
  voice: { languageCode: string; name: string };
  audioConfig: { audioEncoding: string; sampleRateHertz: number; speakingRate?: number; pitch?: number };
  /** "v1beta1" when sent there. */
  version?: "v1beta1";
  enableTimePointing?: string[];
}

export class FakeGoogleTts {
  readonly apiKey = "AIza-test-key-000000000000000000000";
  readonly requests: GoogleTtsRequest[] = [];
  readonly problems: string[] = [];
  /** Statuses to answer with before answering normally (e.g. [500]). */
  failNext: number[] = [];
  private server: Server | null = null;

  /** The `rootUrl` to hand googleapis (ends with a slash, as its default does). */
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
          res.end(JSON.stringify(body));
        };
        const error = (status: number, state: string, message: string) => send(status, { error: { code: status, message, status: state } });
        const url = new URL(req.url ?? "/", "http://x");
        const beta = url.pathname === "/v1beta1/text:synthesize";
        if (req.method !== "POST" || (url.pathname !== "/v1/text:synthesize" && !beta)) {
          this.problems.push(`unexpected ${req.method} ${url.pathname}`);
          return error(404, "NOT_FOUND", "unknown method");
        }
        if (url.searchParams.get("key") !== this.apiKey) {
          return error(403, "PERMISSION_DENIED", "The request is missing a valid API key.");
        }
        const failure = this.failNext.shift();
        if (failure) return error(failure, failure === 429 ? "RESOURCE_EXHAUSTED" : "INTERNAL", "scripted failure");
        let body: {
          input?: { ssml?: string; text?: string };
          voice?: GoogleTtsRequest["voice"];
          audioConfig?: GoogleTtsRequest["audioConfig"];
          enableTimePointing?: unknown;
        };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          this.problems.push("body is not JSON");
          return error(400, "INVALID_ARGUMENT", "invalid JSON");
        }
        const ssml = body.input?.ssml;
        const p: string[] = [];
        if (!req.headers["content-type"]?.startsWith("application/json")) p.push(`content-type ${req.headers["content-type"]}`);
        if (typeof ssml !== "string" || !/^<speak>[\s\S]*<\/speak>$/.test(ssml)) p.push("input.ssml is not a <speak> document");
        else if (Buffer.byteLength(ssml, "utf8") > 5000) p.push(`input.ssml is ${Buffer.byteLength(ssml, "utf8")} bytes (limit 5000)`);
        if (!body.voice?.languageCode || !body.voice?.name) p.push("voice.languageCode/name missing");
        if (body.audioConfig?.audioEncoding !== "LINEAR16") p.push(`audioEncoding ${body.audioConfig?.audioEncoding}`);
        if (!body.audioConfig?.sampleRateHertz) p.push("sampleRateHertz missing");
        const pointing = body.enableTimePointing;
        if (pointing !== undefined) {
          if (!beta) p.push("enableTimePointing is a v1beta1 field");
          else if (!Array.isArray(pointing) || pointing.some((x) => x !== "SSML_MARK" && x !== "TIMEPOINT_TYPE_UNSPECIFIED")) p.push(`enableTimePointing ${JSON.stringify(pointing)}`);
        }
        if (p.length) {
          this.problems.push(...p);
          return error(400, "INVALID_ARGUMENT", p.join("; "));
        }
        this.requests.push({ ssml: ssml!, voice: body.voice!, audioConfig: body.audioConfig!, ...(beta ? { version: "v1beta1" as const } : {}), ...(Array.isArray(pointing) ? { enableTimePointing: pointing as string[] } : {}) });
        // Marks are instants: each one's time is that of the (unescaped) text spoken before it.
        const timepoints: { markName: string; timeSeconds: number }[] = [];
        let spokenChars = 0;
        for (const m of ssml!.matchAll(/<mark name="([^"]*)"\/>|<[^>]+>|([^<]+)/g)) {
          if (m[1] !== undefined) timepoints.push({ markName: m[1], timeSeconds: +(spokenChars * SECONDS_PER_CHAR).toFixed(3) });
          else if (m[2] !== undefined) spokenChars += m[2].length;
        }
        const text = ssml!.replace(/<[^>]+>/g, "");
        const rate = body.audioConfig!.sampleRateHertz;
        const n = Math.round(text.length * SECONDS_PER_CHAR * rate);
        const samples = new Int16Array(n);
        for (let i = 0; i < n; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate));
        const audioContent = encodeWav({ sampleRate: rate, channels: 1, samples }).toString("base64");
        const wantsMarks = Array.isArray(pointing) && pointing.includes("SSML_MARK");
        send(200, wantsMarks ? { audioContent, timepoints, audioConfig: body.audioConfig } : { audioContent });
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    await once(this.server, "close");
  }
}
