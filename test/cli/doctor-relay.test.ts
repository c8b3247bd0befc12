import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../worker/config.ts";
import { checkRelay, machineProbes, runDoctor } from "../../worker/doctor/checks.ts";
import { freePort } from "../../worker/dev/local-relay.ts";

const dir = mkdtempSync(join(tmpdir(), "doctor-relay-"));
const servers: Array<{ close(cb?: () => void): unknown }> = [];
const sockets: Socket[] = [];

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

/** Answers like the relay does on /healthz; /v1/stats with the given status. */
function relayLike(statsStatus: number) {
  return createHttpServer((req, res) => {
    if (req.url === "/healthz") return void res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true,"service":"agent-factory-relay"}');
    if (req.url === "/v1/stats") {
      const ok = statsStatus === 200 && req.headers.authorization === "Bearer right-token";
      return void res
        .writeHead(ok ? 200 : statsStatus === 200 ? 401 : statsStatus, { "content-type": "application/json" })
        .end(ok ? '{"counts":{"queued":0,"leased":0,"done":1,"dead":0}}' : '{"error":"unauthorized","message":"no"}');
    }
    res.writeHead(404).end();
  });
}

async function diagnose(relayUrl: string, token = "right-token", timeoutMs = 5000) {
  const config = loadConfig({ cwd: dir, env: { RELAY_URL: relayUrl, WORKER_TOKEN: token } });
  return checkRelay({ ...machineProbes(config, () => "ffmpeg"), timeoutMs }, config);
}

let tls: { key: string; cert: string };
beforeAll(() => {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
  tls = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe("doctor tells apart why the relay cannot be reached", () => {
  it("a host name that does not resolve: check the spelling of the host", async () => {
    const [r] = await diagnose("https://relay.invalid");
    expect(r).toMatchObject({ name: "Relay reachable", status: "fail" });
    expect(r!.detail).toMatch(/host name relay\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\)/);
    expect(r!.fix).toMatch(/relay\.invalid/);
  });

  it("a closed port on this machine: start the local relay", async () => {
    const port = await freePort();
    const [r] = await diagnose(`http://127.0.0.1:${port}`);
    expect(r!.detail).toBe(`nothing listens at 127.0.0.1:${port} (connection refused)`);
    expect(r!.fix).toContain("npm run relay:dev");
  });

  it("a server that answers 404: not the relay, and a path in the URL is named", async () => {
    const port = await listen(createHttpServer((_req, res) => res.writeHead(404).end("Not Found")));
    const [plain] = await diagnose(`http://127.0.0.1:${port}`);
    expect(plain!.detail).toBe(`http://127.0.0.1:${port}/healthz answered 404: this URL is not the relay`);
    const [withPath] = await diagnose(`http://127.0.0.1:${port}/dashboard`);
    expect(withPath!.fix).toContain('drop "/dashboard"');
  });

  it("a TLS server with a self-signed certificate: a TLS failure, not the token", async () => {
    const port = await listen(createHttpsServer(tls, (_req, res) => res.end("{}")));
    const [r] = await diagnose(`https://127.0.0.1:${port}`);
    expect(r!.detail).toMatch(/^the TLS \(https\) handshake with 127\.0\.0\.1:\d+ failed: .*self[- ]signed/i);
    expect(r!.fix).toMatch(/certificate/);
  });

  it("https:// to a plain http server: use http://", async () => {
    const port = await listen(relayLike(200));
    const [r] = await diagnose(`https://127.0.0.1:${port}`);
    expect(r!.detail).toMatch(/TLS \(https\) handshake/);
    expect(r!.fix).toMatch(/does not speak https: use http:\/\//);
  });

  it("a server that accepts but never answers: a timeout", async () => {
    const port = await listen(createTcpServer((s) => void sockets.push(s)));
    const [r] = await diagnose(`http://127.0.0.1:${port}`, "right-token", 300);
    expect(r!.detail).toBe(`no answer from 127.0.0.1:${port} within 300 ms`);
    expect(r!.fix).toMatch(/accepts connections but does not answer/);
  });

  it("the relay with a wrong token: 401, and where the right token lives", async () => {
    const port = await listen(relayLike(200));
    const [reach, token] = await diagnose(`http://127.0.0.1:${port}`, "wrong-token");
    expect(reach).toMatchObject({ status: "ok" });
    expect(token).toMatchObject({ name: "Worker token", status: "fail", detail: "the relay rejected the worker token (401)" });
    expect(token!.fix).toMatch(/WORKER_TOKENS/);
    const [, good] = await diagnose(`http://127.0.0.1:${port}`, "right-token");
    expect(good).toMatchObject({ status: "ok", detail: expect.stringContaining("accepted") });
  });

  it("a relay without worker tokens: 503, upload the secrets", async () => {
    const port = await listen(relayLike(503));
    const [, token] = await diagnose(`http://127.0.0.1:${port}`);
    expect(token).toMatchObject({ status: "fail", detail: "the relay has no worker tokens yet (503)" });
    expect(token!.fix).toContain("wrangler secret bulk");
  });
});

describe("doctor on dead jobs", () => {
  const job = (id: string, state: string, createdAt: number, attempts = 1) => ({
    id, type: "sync_and_generate_content", state, payload: { repository: "me/kb", branch: "main" }, dedupeKey: null,
    attempts, maxAttempts: 5, runAt: createdAt, createdAt, updatedAt: createdAt, lastError: state === "dead" ? "kb broken" : null,
    leasedBy: null, leaseExpiresAt: null,
  });
  /** A relay-like server with one dead job, and (when `fixed`) a later done job of the same branch. */
  function withDeadJob(fixed: boolean) {
    const dead = job("j-dead", "dead", 1000);
    const all = fixed ? [job("j-fixed", "done", 2000), dead] : [dead];
    return createHttpServer((req, res) => {
      const json = (body: unknown) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.url === "/healthz") return json({ ok: true, service: "agent-factory-relay" });
      if (req.url === "/v1/stats") return json({ counts: { queued: 0, leased: 0, done: fixed ? 1 : 0, dead: 1 } });
      if (req.url?.startsWith("/v1/jobs?")) return json({ jobs: req.url.includes("state=dead") ? [dead] : all, nextCursor: null });
      res.writeHead(404).end();
    });
  }

  it("warns about a dead job that still needs the owner, not about one a later push superseded", async () => {
    const open = await listen(withDeadJob(false));
    expect((await diagnose(`http://127.0.0.1:${open}`)).find((r) => r.name === "Dead jobs")).toMatchObject({ status: "warn", detail: "1 job(s) gave up" });
    const fixed = await listen(withDeadJob(true));
    expect((await diagnose(`http://127.0.0.1:${fixed}`)).find((r) => r.name === "Dead jobs")).toBeUndefined();
  });
});

describe("doctor outside a set-up folder", () => {
  it("says no factory.config.json was found and where it looked, instead of blaming the relay", async () => {
    const empty = mkdtempSync(join(tmpdir(), "doctor-empty-"));
    const config = loadConfig({ cwd: empty, env: {} });
    const results = await runDoctor({ ...machineProbes(config, () => "ffmpeg"), extra: [] });
    const c = results.find((r) => r.name === "Configuration");
    expect(c).toMatchObject({ status: "fail", detail: `no factory.config.json at ${join(empty, "factory.config.json")}, and RELAY_URL is not set` });
    expect(c!.fix).toContain("npx factory init");
    expect(results.some((r) => r.name.startsWith("Relay"))).toBe(false);
  });
});
