/**
 * A loopback fake of the two ElevenLabs REST endpoints the factory uses:
 *  - `POST /v1/voices/add` (multipart/form-data: `name`, optional `description`, one or more
 *    `files`), answering `{ voice_id, requires_verification }`;
 *  - `POST /v1/text-to-speech/{voice_id}?output_format=pcm_24000` (JSON: `text`, `model_id`,
 *    `voice_settings`), answering raw 16-bit little-endian mono PCM, 60 ms per character;
 *  - `POST /v1/text-to-speech/{voice_id}/with-timestamps?output_format=pcm_24000` (same body),
 *    answering JSON `{ audio_base64, alignment, normalized_alignment }`: the same PCM in base64 and,
 *    per character of `text`, its start and end in seconds (`characters`,
 *    `character_start_times_seconds`, `character_end_times_seconds`), after {@link LEAD_SEC} of silence.
 * Every request must carry the `xi-api-key` header (else the API's 401 `invalid_api_key` body);
 * anything else that does not match is answered 400/404 and listed in {@link FakeElevenLabs.problems}.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const SECONDS_PER_CHAR = 0.06;
/** Silence before the first character in with-timestamps answers (real voices start with a breath). */
export const LEAD_SEC = 0.1;

export interface CloneRequest {
  name: string;
  description: string | null;
  files: { name: string; type: string; size: number }[];
}

export interface SpeechRequest {
  voiceId: string;
  outputFormat: string;
  text: string;
  modelId: string;
  voiceSettings: { stability: number; similarity_boost: number };
  /** Sent to the with-timestamps endpoint. */
  timestamps?: true;
}

export class FakeElevenLabs {
  readonly apiKey = "el-test-key-0000000000";
  readonly clones: CloneRequest[] = [];
  readonly speech: SpeechRequest[] = [];
  readonly problems: string[] = [];
  /** Voice ids that exist (clones add theirs). */
  readonly voices = new Set<string>();
  url = "";
  private server: Server | null = null;
  private next = 1;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => void this.handle(req.method ?? "", req.url ?? "/", req.headers, Buffer.concat(chunks), res));
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    await once(this.server, "close");
  }

  private async handle(
    method: string,
    rawUrl: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
    res: import("node:http").ServerResponse,
  ): Promise<void> {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const reject = (status: number, problem: string) => {
      this.problems.push(problem);
      json(status, { detail: { status: "invalid_request", message: problem } });
    };
    const url = new URL(rawUrl, "http://x");
    if (headers["xi-api-key"] !== this.apiKey) {
      return json(401, { detail: { status: "invalid_api_key", message: "Invalid API key" } });
    }
    if (method === "POST" && url.pathname === "/v1/voices/add") {
      const ct = String(headers["content-type"] ?? "");
      if (!ct.startsWith("multipart/form-data; boundary=")) return reject(400, `voices/add content-type ${ct}`);
      const form = await new Request("http://x/", { method: "POST", headers: { "content-type": ct }, body }).formData();
      const name = form.get("name");
      const files = form.getAll("files").filter((f): f is File => typeof f !== "string");
      if (typeof name !== "string" || !name) return reject(400, "voices/add without a name");
      if (files.length === 0 || files.some((f) => f.size === 0 || !f.name)) return reject(400, "voices/add without non-empty named files");
      const description = form.get("description");
      this.clones.push({
        name,
        description: typeof description === "string" ? description : null,
        files: files.map((f) => ({ name: f.name, type: f.type, size: f.size })),
      });
      const id = `voice${String(this.next++).padStart(4, "0")}`;
      this.voices.add(id);
      return json(200, { voice_id: id, requires_verification: false });
    }
    const tts = /^\/v1\/text-to-speech\/([^/]+?)(\/with-timestamps)?$/.exec(url.pathname);
    if (method === "POST" && tts) {
      const voiceId = decodeURIComponent(tts[1]!);
      if (!this.voices.has(voiceId)) return json(404, { detail: { status: "voice_not_found", message: "A voice with the voice_id was not found." } });
      const format = url.searchParams.get("output_format") ?? "";
      const rate = /^pcm_(16000|22050|24000|44100|48000)$/.exec(format);
      if (!rate) return reject(400, `output_format ${format}`);
      if (!String(headers["content-type"]).startsWith("application/json")) return reject(400, "text-to-speech body is not JSON");
      const b = JSON.parse(body.toString("utf8")) as { text?: string; model_id?: string; voice_settings?: SpeechRequest["voiceSettings"] };
      if (!b.text || !b.model_id || typeof b.voice_settings?.stability !== "number") return reject(400, "text, model_id or voice_settings missing");
      if (b.text.length > 5000) return reject(400, `text is ${b.text.length} characters`);
      const timed = Boolean(tts[2]);
      this.speech.push({ voiceId, outputFormat: format, text: b.text, modelId: b.model_id, voiceSettings: b.voice_settings, ...(timed ? { timestamps: true } : {}) });
      const sr = Number(rate[1]);
      const lead = timed ? Math.round(LEAD_SEC * sr) : 0;
      const n = lead + Math.round(b.text.length * SECONDS_PER_CHAR * sr);
      const pcm = Buffer.alloc(n * 2);
      for (let i = lead; i < n; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 200 * i) / sr)), i * 2);
      if (!timed) {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(pcm);
        return;
      }
      const chars = [...b.text];
      const alignment = {
        characters: chars,
        character_start_times_seconds: chars.map((_, i) => +(LEAD_SEC + i * SECONDS_PER_CHAR).toFixed(3)),
        character_end_times_seconds: chars.map((_, i) => +(LEAD_SEC + (i + 1) * SECONDS_PER_CHAR).toFixed(3)),
      };
      return json(200, { audio_base64: pcm.toString("base64"), alignment, normalized_alignment: alignment });
    }
    reject(404, `unexpected ${method} ${url.pathname}`);
  }
}
