import { reset, runInDurableObject, SELF } from "cloudflare:test";
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

  it("answers keep-alive pings without waking the object: sockets are hibernatable, pings auto-answered", async () => {
    // The runtime answers "ping" itself (no event reaches the object) only for a socket accepted
    // through the hibernation API; the test pool has no way to force a hibernation, so both halves
    // of that contract are checked on the object's state, and the reply on the wire.
    const ws = await connect();
    const pong = nextMessage(ws);
    ws.send("ping");
    expect(await pong).toBe("pong");
    const { auto, hibernatable } = await runInDurableObject(queue(), async (_instance, state) => ({
      auto: state.getWebSocketAutoResponse(),
      hibernatable: state.getWebSockets("w1").length,
    }));
    expect({ request: auto?.request, response: auto?.response }).toEqual({ request: "ping", response: "pong" });
    expect(hibernatable).toBe(1);
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
