import { evictDurableObject, reset, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { BASE, enqueue, lease, queue, TOKEN } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

async function connect(worker = "w1"): Promise<WebSocket> {
  const res = await SELF.fetch(`${BASE}/v1/jobs/ws?worker=${worker}`, {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  return ws;
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.addEventListener("message", (e) => resolve(e.data as string), { once: true }));
}

describe("the WebSocket wake-up channel", () => {
  it("tells a connected worker that a job is ready when one is enqueued", async () => {
    const ws = await connect();
    const message = nextMessage(ws);
    const id = await enqueue();
    expect(JSON.parse(await message)).toEqual({ type: "ready" });
    expect((await lease()).job.id).toBe(id);
    ws.close();
  });

  it("says ready at once to a worker that connects while a job is waiting", async () => {
    await enqueue();
    const res = await SELF.fetch(`${BASE}/v1/jobs/ws?worker=late`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${TOKEN}` },
    });
    const ws = res.webSocket!;
    const message = nextMessage(ws);
    ws.accept();
    expect(JSON.parse(await message)).toEqual({ type: "ready" });
    ws.close();
  });

  it("answers keep-alive pings without waking the object, and still notifies after hibernation", async () => {
    const ws = await connect();
    const pong = nextMessage(ws);
    ws.send("ping");
    expect(await pong).toBe("pong");
    await evictDurableObject(queue(), { webSockets: "hibernate" });
    const message = nextMessage(ws);
    await enqueue();
    expect(JSON.parse(await message)).toEqual({ type: "ready" });
    ws.close();
  });

  it("refuses a socket without a token (401) and a plain GET (426)", async () => {
    const noAuth = await SELF.fetch(`${BASE}/v1/jobs/ws`, { headers: { Upgrade: "websocket" } });
    expect(noAuth.status).toBe(401);
    const plain = await SELF.fetch(`${BASE}/v1/jobs/ws`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(plain.status).toBe(426);
  });
});
