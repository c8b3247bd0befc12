import { reset, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, expect, it } from "vitest";
import type { QueueObject } from "../../relay/queue/QueueObject.ts";
import { api, BASE, enqueue, json, queue, TOKEN, untilWaiting } from "./helpers.ts";

afterEach(async () => {
  await reset();
});

it("withdraws a waiting long poll when its client hangs up", async () => {
  const ac = new AbortController();
  const poll = SELF.fetch(`${BASE}/v1/jobs/next?wait=50&worker=ghost`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: ac.signal,
  }).catch(() => null);
  await untilWaiting(1);
  ac.abort();
  await poll;
  let waiting = 1;
  for (let i = 0; i < 200 && waiting > 0; i++) {
    waiting = await runInDurableObject(queue(), (o: QueueObject) => o.waitingPolls);
    if (waiting > 0) await scheduler.wait(1);
  }
  expect(waiting).toBe(0);
});

it("withdraws a worker's waiting polls on request, so a later job goes to a live poll", async () => {
  const ghost = api("GET", "/v1/jobs/next?wait=50&worker=old-process");
  await untilWaiting(1);
  const res = await api("DELETE", "/v1/jobs/next?worker=old-process");
  expect(await json(res)).toEqual({ withdrawn: 1 });
  expect((await ghost).status).toBe(204);
  const id = await enqueue();
  expect((await json(await api("GET", "/v1/jobs/next?wait=0&worker=new-process"))).job.id).toBe(id);
});
