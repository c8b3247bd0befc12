/**
 * Issue 13 defect 6 and issue 15 item 5: `Origin: null` refused, unauthenticated bodies refused
 * early, sign-in attempts rate-limited, one repository-name rule, and webhook deliveries
 * refused with 401 shown on the dashboard (headers only, never the body).
 */
import { reset, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { isRepositoryName } from "../../shared/jobs.ts";
import type { QueueObject } from "../../relay/queue/QueueObject.ts";
import { dash, login, signedIn } from "./dashboard-helpers.ts";
import { BASE, json, pushBody, queue, setClock, sign, TOKEN, webhook } from "./helpers.ts";

const T0 = Date.UTC(2099, 0, 1);

afterEach(async () => {
  await reset();
});

/** A body stream of `chunks` chunks of `size` bytes that counts how many were read. */
function countingBody(chunks: number, size: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { stream, pulled: () => pulled };
}

describe("dashboard origin and sign-in", () => {
  it("refuses a POST with Origin: null (sign-in and Retry), and its pages keep their origin on their own forms", async () => {
    const res = await dash("/dashboard/login", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "null" },
      body: new URLSearchParams({ token: TOKEN }).toString(),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    const { cookie, csrf } = await signedIn();
    const retry = await dash("/dashboard/jobs/j1/retry", { method: "POST", headers: { Cookie: cookie, "X-CSRF-Token": csrf, Origin: "null" } });
    expect(retry.status).toBe(403);
    expect((await dash("/dashboard")).headers.get("Referrer-Policy")).toBe("same-origin");
  });

  it("refuses a sign-in form over 4 KiB with 413", async () => {
    const res = await login("x".repeat(5000));
    expect(res.status).toBe(413);
  });

  it("blocks an address after 10 failed sign-ins, even with the right token, until the window passes; others are unaffected", async () => {
    await setClock(T0);
    const from = (ip: string, token: string) =>
      dash("/dashboard/login", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": ip },
        body: new URLSearchParams({ token }).toString(),
      });
    for (let i = 0; i < 10; i++) expect((await from("203.0.113.7", `guess-${i}`)).status).toBe(401);
    const blocked = await from("203.0.113.7", TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await blocked.text()).toMatch(/Too many failed sign-ins/);
    expect((await from("198.51.100.1", TOKEN)).status).toBe(303);
    await setClock(T0 + 15 * 60_000);
    expect((await from("203.0.113.7", TOKEN)).status).toBe(303);
  });
});

describe("unauthenticated webhook bodies", () => {
  it("refuses a delivery without a signature before reading its body", async () => {
    const body = countingBody(1000, 64 * 1024);
    const res = await SELF.fetch(`${BASE}/github/webhook`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1" },
      body: body.stream,
      // @ts-expect-error workerd needs duplex for a stream body
      duplex: "half",
    });
    expect(res.status).toBe(401);
    expect(body.pulled()).toBeLessThan(1000);
  });

  it("stops reading a signed-looking body as soon as it passes 25 MiB (413)", async () => {
    const body = countingBody(600, 64 * 1024); // 37.5 MiB
    const res = await SELF.fetch(`${BASE}/github/webhook`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": "d-2", "X-Hub-Signature-256": `sha256=${"0".repeat(64)}` },
      body: body.stream,
      // @ts-expect-error workerd needs duplex for a stream body
      duplex: "half",
    });
    expect(res.status).toBe(413);
    expect(body.pulled()).toBeLessThan(600);
  });
});

describe("one repository-name rule", () => {
  it("accepts GitHub's names and refuses what the worker would refuse", () => {
    for (const ok of ["octo/hello", "Codertocat/Hello-World", "a/b.c_d-e", "x1-y/..git"]) expect(isRepositoryName(ok)).toBe(true);
    for (const bad of ["-x/y", "x/..", "x/.", "x", "x/y/z", "x y/z", "x/y z", `${"a".repeat(40)}/y`, "x/"]) {
      expect(isRepositoryName(bad)).toBe(false);
    }
  });

  it("answers 400 to a signed push naming a repository the worker would refuse, and stores nothing", async () => {
    const res = await webhook("push", pushBody({ repo: "../escape" }));
    expect(res.status).toBe(400);
    expect((await json(res)).message).toMatch(/repository\.full_name/);
  });
});

describe("refused deliveries on the dashboard", () => {
  it("shows a delivery refused for a wrong secret with what to check in GitHub, and never keeps its body", async () => {
    const body = pushBody().replace("Codertocat", "Marker-Body-Text");
    const res = await webhook("push", body, { secret: "not-the-secret", delivery: "wrong-secret-delivery-1" });
    expect(res.status).toBe(401);
    const missing = await webhook("push", body, { delivery: "unsigned-delivery-2", headers: { "X-Hub-Signature-256": null } });
    expect(missing.status).toBe(401);

    const { cookie } = await signedIn();
    const data = await json(await dash("/dashboard/data", { headers: { Cookie: cookie } }));
    expect(data.sections.refused).toMatch(/Wrong secret/);
    expect(data.sections.refused).toMatch(/No secret/);
    expect(data.sections.refused).toMatch(/Settings → Webhooks/);
    expect(data.sections.refused).toContain("wrong-secret-");
    const rows = await runInDurableObject(queue(), (_o: QueueObject, state) =>
      state.storage.sql.exec("SELECT * FROM refused_deliveries").toArray(),
    );
    expect(JSON.stringify(rows)).not.toMatch(/Marker-Body-Text/);
    expect(rows.map((r) => r.reason).sort()).toEqual(["mismatch", "missing"]);
  });

  it("keeps only the newest 50 refusals", async () => {
    await runInDurableObject(queue(), async (o: QueueObject) => {
      for (let i = 0; i < 60; i++) await o.recordRefusedDelivery({ deliveryId: `d${i}`, event: "push", hookId: null, reason: "mismatch" });
    });
    const kept = await runInDurableObject(queue(), (_o: QueueObject, state) =>
      state.storage.sql.exec<{ delivery_id: string }>("SELECT delivery_id FROM refused_deliveries").toArray(),
    );
    expect(kept).toHaveLength(50);
    expect(kept.map((r) => r.delivery_id)).toContain("d59");
    expect(kept.map((r) => r.delivery_id)).not.toContain("d9");
  });

  it("a correctly signed delivery is not listed as refused", async () => {
    expect((await webhook("push", pushBody(), { headers: { "X-Hub-Signature-256": await sign("test-secret-new", pushBody()) } })).status).toBe(202);
    const { cookie } = await signedIn();
    const data = await json(await dash("/dashboard/data", { headers: { Cookie: cookie } }));
    expect(data.sections.refused).toMatch(/No delivery was refused/);
  });
});
