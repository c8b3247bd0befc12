/**
 * Part "bad inputs": every relay route gets malformed requests (deep nesting, huge numbers,
 * wrong types, non-UTF-8 bytes, oversized bodies, bad query values, unknown ids). Each must be
 * a 4xx with a message, never a 5xx, and must leave nothing behind: the job listing is the same
 * before and after, and a lease held during the abuse still works.
 *
 * Also: a bad enqueue sent in the same instant as good ones must not take the good ones down
 * with it (the queue commits concurrent writes as one batch).
 */
import { randomUUID } from "node:crypto";
import { Examples, Tally, type PartResult } from "../counts.ts";
import { deepDispatchBody, pushBody } from "../push-bodies.ts";
import { api, drainQueue, listAllJobs, request, sendWebhook, sign, type Answer, type RelayProcess } from "../relay-kit.ts";

export interface BadInputOptions {
  /** Repeat the whole list this many times (each round with fresh ids). */
  rounds: number;
  deadlineMs: number;
}

interface Case {
  route: string;
  what: string;
  /** Issue 13 defect a 5xx (or a write) here points at. */
  defect?: string;
  send: () => Promise<Answer>;
  /** Statuses other than 4xx that are right for this case (none by default). */
  alsoOk?: number[];
}

const MIB = 1024 * 1024;
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const nonUtf8 = (json: string) => {
  const b = Buffer.from(json);
  const at = json.indexOf('"', json.indexOf(":")) + 1;
  return new Uint8Array([...b.subarray(0, at), 0xc3, 0x28, 0xff, 0xfe, ...b.subarray(at)]);
};
const YEAR_3000 = Date.UTC(3000, 0, 1);

/** Builds the list of bad requests for one round. `lease` is a job this part holds. */
function cases(relay: RelayProcess, lease: { id: string; token: string }, cookie: string, csrf: string): Case[] {
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) => () => api(relay, path, { method: "POST", body, headers });
  const get = (path: string) => () => api(relay, path);
  const del = (path: string) => () => api(relay, path, { method: "DELETE" });
  const enqueue = (body: unknown) => post("/v1/jobs", typeof body === "string" ? body : JSON.stringify(body));
  const held = (action: string, body: string | Uint8Array) => post(`/v1/jobs/${lease.id}/${action}`, body);
  const big = (bytes: number) => "x".repeat(bytes);
  const out: Case[] = [];
  const add = (route: string, what: string, send: () => Promise<Answer>, extra: Partial<Case> = {}) => out.push({ route, what, send, ...extra });

  // POST /v1/jobs
  add("POST /v1/jobs", "runAt in the year 3000", enqueue({ type: "factory.render", runAt: YEAR_3000 }), { defect: "defect 3" });
  add("POST /v1/jobs", "runAt 1e300", enqueue('{"type":"factory.render","runAt":1e300}'), { defect: "defect 3" });
  add("POST /v1/jobs", "runAt negative", enqueue({ type: "factory.render", runAt: -1 }), { defect: "defect 3" });
  add("POST /v1/jobs", "maxAttempts 1e400 (Infinity)", enqueue('{"type":"factory.render","maxAttempts":1e400}'));
  add("POST /v1/jobs", "maxAttempts 2^64", enqueue('{"type":"factory.render","maxAttempts":18446744073709551616}'));
  add("POST /v1/jobs", "type a number", enqueue({ type: 42 }));
  add("POST /v1/jobs", "type with spaces", enqueue({ type: "rm -rf /" }));
  add("POST /v1/jobs", "payload an array", enqueue({ type: "factory.render", payload: [1, 2] }));
  add("POST /v1/jobs", "payload a string", enqueue({ type: "factory.render", payload: "x" }));
  add("POST /v1/jobs", "dedupeKey of 10,000 characters", enqueue({ type: "factory.render", dedupeKey: big(10_000) }));
  add("POST /v1/jobs", "payload nested 5,000 deep", enqueue(`{"type":"factory.render","payload":{"deep":${deep(5000)}}}`), { defect: "defect 4" });
  add("POST /v1/jobs", "payload objects nested 3,000 deep", enqueue(`{"type":"factory.render","payload":${deepObject(3000)}}`), { defect: "defect 4" });
  add("POST /v1/jobs", "payload of 3 MiB (over the storage limit)", enqueue({ type: "factory.render", payload: { blob: big(3 * MIB) } }), { defect: "defect 5" });
  add("POST /v1/jobs", "body of 30 MiB", enqueue({ type: "factory.render", payload: { blob: big(30 * MIB) } }), { defect: "defect 5/6" });
  add("POST /v1/jobs", "non-UTF-8 bytes in a string", post("/v1/jobs", nonUtf8('{"type":"factory.render","payload":{"note":"abc"}}')));
  add("POST /v1/jobs", "body not JSON", enqueue("{type:"));
  add("POST /v1/jobs", "body JSON null", enqueue("null"));
  add("POST /v1/jobs", "empty body", enqueue(""));
  // Lease holder calls, against a job this part holds.
  for (const action of ["heartbeat", "complete", "fail", "release"]) {
    add(`POST /v1/jobs/:id/${action}`, "leaseToken a number", held(action, JSON.stringify({ leaseToken: 7, error: "e", retryable: true })));
    add(`POST /v1/jobs/:id/${action}`, "body nested 5,000 deep", held(action, `{"leaseToken":${deep(5000)}}`), { defect: "defect 4" });
    add(`POST /v1/jobs/:id/${action}`, "non-UTF-8 body", held(action, nonUtf8(JSON.stringify({ leaseToken: lease.token, error: "x", retryable: true }))));
    add(`POST /v1/jobs/:id/${action}`, "wrong lease token", held(action, JSON.stringify({ leaseToken: "0".repeat(32), error: "x", retryable: true })));
  }
  add("POST /v1/jobs/:id/complete", "result of 3 MiB (over the storage limit)", held("complete", JSON.stringify({ leaseToken: lease.token, result: { steps: [], produced: [big(3 * MIB)] } })), { defect: "defect 5" });
  add("POST /v1/jobs/:id/complete", "result nested 5,000 deep", held("complete", `{"leaseToken":"${lease.token}","result":{"x":${deep(5000)}}}`), { defect: "defect 4" });
  add("POST /v1/jobs/:id/heartbeat", "progress of 3 MiB", held("heartbeat", JSON.stringify({ leaseToken: lease.token, progress: { step: "x", message: big(3 * MIB) } })), { defect: "defect 5" });
  add("POST /v1/jobs/:id/fail", "error of 100,000 characters", held("fail", JSON.stringify({ leaseToken: lease.token, error: big(100_000), retryable: true })));
  add("POST /v1/jobs/:id/fail", "retryable a string", held("fail", JSON.stringify({ leaseToken: lease.token, error: "x", retryable: "yes" })));
  add("POST /v1/jobs/:id/fail", "retryAt 1e300", held("fail", `{"leaseToken":"${lease.token}","error":"x","retryable":true,"retryAt":1e300}`), { defect: "defect 3" });
  add("POST /v1/jobs/:id/heartbeat", "unknown job id of 5,000 characters", post(`/v1/jobs/${big(5000)}/heartbeat`, JSON.stringify({ leaseToken: lease.token })));
  add("POST /v1/jobs/:id/heartbeat", "job id with %00 and non-UTF-8 escapes", post("/v1/jobs/%00%ff%fe/heartbeat", JSON.stringify({ leaseToken: lease.token })));
  // Leasing and reads.
  for (const q of ["wait=-1", "wait=51", "wait=1e999", "wait=abc", "wait=0&worker=", `wait=0&worker=${big(200)}`, "wait=0&worker=%ff%fe", "wait=0&worker=a%20b"]) {
    add("GET /v1/jobs/next", q.slice(0, 40), get(`/v1/jobs/next?${q}`));
  }
  add("DELETE /v1/jobs/next", "no worker", del("/v1/jobs/next"));
  add("DELETE /v1/jobs/next", "worker of 1,000 characters", del(`/v1/jobs/next?worker=${big(1000)}`));
  for (const q of ["state=nope", "limit=0", "limit=201", "limit=1e999", "limit=-5", "cursor=%ff%fe", `cursor=${big(5000)}`, "cursor=not-a-cursor"]) {
    add("GET /v1/jobs", q.slice(0, 40), get(`/v1/jobs?${q}`), { alsoOk: q.startsWith("cursor") ? [200] : [] });
  }
  add("GET /v1/jobs/:id", "unknown id", get(`/v1/jobs/j${randomUUID()}`));
  add("GET /v1/jobs/:id", "id of 5,000 characters", get(`/v1/jobs/${big(5000)}`));
  add("POST /v1/jobs/:id/retry", "unknown id", post(`/v1/jobs/j${randomUUID()}/retry`, "{}"));
  add("POST /v1/jobs/:id/retry", "a leased job", post(`/v1/jobs/${lease.id}/retry`, "{}"));
  add("DELETE /v1/jobs/:id", "a leased job", del(`/v1/jobs/${lease.id}`));
  add("DELETE /v1/jobs/:id", "unknown id", del(`/v1/jobs/j${randomUUID()}`));
  add("GET /v1/jobs/ws", "no Upgrade header", get("/v1/jobs/ws?worker=chaos"));
  add("GET /v1/stats", "no token", () => request(`${relay.url}/v1/stats`));
  add("GET /v1/stats", "token of 100,000 characters", () => request(`${relay.url}/v1/stats`, { headers: { Authorization: `Bearer ${big(100_000)}` } }), { alsoOk: [431, 0] });
  add("POST /v1/jobs", "wrong token, 30 MiB body", () => request(`${relay.url}/v1/jobs`, { method: "POST", headers: { Authorization: "Bearer nope" }, body: big(30 * MIB) }), { defect: "defect 6" });
  // The webhook, correctly signed but malformed.
  const hook = (what: string, body: string | Uint8Array, event = "push", defect?: string) =>
    add("POST /github/webhook", what, () => sendWebhook(relay, event, body, randomUUID()), defect ? { defect } : {});
  hook("repository_dispatch with client_payload nested 5,000 deep", deepDispatchBody(5000), "repository_dispatch", "defect 4");
  hook("repository_dispatch with client_payload nested 50,000 deep", deepDispatchBody(50_000), "repository_dispatch", "defect 4");
  hook("push body nested 5,000 deep", `{"ref":${deep(5000)}}`, "push", "defect 4");
  hook("push with after a number", pushBody({ repository: "chaos-bad/r", seq: 1 }).replace(/"after":"[0-9a-f]+"/, '"after":1e400'));
  hook("push with repository full_name an object", pushBody({ repository: "chaos-bad/r", seq: 2 }).replace(/"full_name":"[^"]+"/, '"full_name":{"a":1}'));
  hook("push with repository name ../../etc", pushBody({ repository: "chaos-bad/r", seq: 3 }).replace(/"full_name":"[^"]+"/, '"full_name":"../../etc"'), "push", "defect 6 (one repository-name rule)");
  hook("push with commits a string", pushBody({ repository: "chaos-bad/r", seq: 4 }).replace(/"commits":\[/, '"commits":"x","was":['));
  hook("push with non-UTF-8 bytes", nonUtf8(pushBody({ repository: "chaos-bad/r", seq: 5 })));
  add("POST /github/webhook", "no X-GitHub-Event", () => request(`${relay.url}/github/webhook`, { method: "POST", headers: { "X-GitHub-Delivery": "d", "X-Hub-Signature-256": sign(relay.secret, "{}") }, body: "{}" }));
  add("POST /github/webhook", "Content-Length of 26 MiB declared, 2 bytes sent", () =>
    request(`${relay.url}/github/webhook`, { method: "POST", headers: { "Content-Length": String(26 * MIB) }, body: "{}", timeoutMs: 10_000 }), { alsoOk: [0] });
  // The dashboard.
  const form = (path: string, body: string, headers: Record<string, string> = {}) => () =>
    request(`${relay.url}${path}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body, redirect: "manual" });
  add("POST /dashboard/login", "token of 2 MiB", form("/dashboard/login", `token=${big(2 * MIB)}`));
  add("POST /dashboard/login", "non-UTF-8 form", () => request(`${relay.url}/dashboard/login`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new Uint8Array([0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x3d, 0xff, 0xfe]) }));
  add("POST /dashboard/login", "JSON nested 5,000 deep", () => request(`${relay.url}/dashboard/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: `{"token":${deep(5000)}}` }));
  add("POST /dashboard/login", "multipart without a boundary", () => request(`${relay.url}/dashboard/login`, { method: "POST", headers: { "Content-Type": "multipart/form-data" }, body: "token=x" }));
  add("POST /dashboard/approve", "no session", form("/dashboard/approve", "atomId=ohms-law"));
  add("POST /dashboard/approve", "Origin: null", form("/dashboard/approve", `atomId=ohms-law&csrf=${csrf}`, { Cookie: cookie, Origin: "null" }), { defect: "defect 6 (Origin: null)" });
  add("POST /dashboard/approve", "atomId of 100,000 characters", form("/dashboard/approve", `atomId=${big(100_000)}&csrf=${csrf}`, { Cookie: cookie }));
  add("POST /dashboard/approve", "non-UTF-8 atomId", () =>
    request(`${relay.url}/dashboard/approve`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, "X-CSRF-Token": csrf }, body: new Uint8Array([...Buffer.from("atomId="), 0xff, 0xfe, 0x41]) }));
  add("POST /dashboard/approve", "JSON instead of a form", () =>
    request(`${relay.url}/dashboard/approve`, { method: "POST", headers: { "Content-Type": "application/json", Cookie: cookie, "X-CSRF-Token": csrf }, body: `{"atomId":${deep(3000)}}` }));
  add("POST /dashboard/jobs/:id/retry", "unknown id with session", form(`/dashboard/jobs/${big(3000)}/retry`, `csrf=${csrf}`, { Cookie: cookie }));
  add("GET /dashboard/data", "forged session cookie", () => request(`${relay.url}/dashboard/data`, { headers: { Cookie: cookie.replace(/=.{8}/, "=AAAAAAAA") } }));
  return out;
}

/** Signs in to the dashboard with the worker token: the session cookie and its CSRF token. */
async function dashboardSession(relay: RelayProcess): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${relay.url}/dashboard/login`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: `token=${encodeURIComponent(relay.token)}`,
    redirect: "manual",
  });
  await res.arrayBuffer();
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  const page = await (await fetch(`${relay.url}/dashboard`, { headers: { Cookie: cookie } })).text();
  const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf };
}

/** Runs the part against a running relay. */
export async function badInputs(relay: RelayProcess, o: BadInputOptions): Promise<PartResult> {
  const started = Date.now();
  const deadline = started + o.deadlineMs;
  const t = new Tally();
  await drainQueue(relay, "chaos-bad-pre");
  // A job to hold a lease on while the lease holder routes are abused.
  const enq = await api(relay, "/v1/jobs", { method: "POST", body: JSON.stringify({ type: "factory.chaos", payload: { n: 1 } }) });
  const leased = await api(relay, "/v1/jobs/next?wait=0&worker=chaos-bad");
  if (enq.status !== 202 || leased.status !== 200) throw new Error(`could not set up a leased job: ${enq.status} ${leased.status}`);
  const lease = { id: (leased.json as { job: { id: string } }).job.id, token: (leased.json as { lease: { token: string } }).lease.token };
  const { cookie, csrf } = await dashboardSession(relay);
  const before = await listAllJobs(relay);

  let sent = 0;
  let fivexx = 0;
  let accepted = 0;
  let noMessage = 0;
  let cutN = 0;
  const fivexxEx = new Examples(8);
  const acceptedEx = new Examples();
  const noMessageEx = new Examples();
  const defects = new Set<string>();
  const routes = new Set<string>();
  let heartbeatsFailed = 0;
  const hbEx = new Examples();
  for (let round = 0; round < o.rounds && Date.now() < deadline; round++) {
    for (const c of cases(relay, lease, cookie, csrf)) {
      if (Date.now() > deadline) break;
      routes.add(c.route);
      sent++;
      const a = await c.send();
      const label = `${c.route} ${c.what}${c.defect ? ` [${c.defect}]` : ""}: ${a.status} ${a.error ?? a.text.slice(0, 100)}`;
      if (a.status >= 500) {
        fivexx++;
        fivexxEx.add(label);
        if (c.defect) defects.add(c.defect);
      } else if (a.status >= 200 && a.status < 400 && !c.alsoOk?.includes(a.status)) {
        accepted++;
        acceptedEx.add(label);
        if (c.defect) defects.add(c.defect);
      } else if (a.status >= 400 && a.status < 500 && a.status !== 431) {
        const message = typeof a.json?.message === "string" ? a.json.message : /<p[^>]*>([^<]{10,})/.exec(a.text)?.[1];
        if (a.cut && a.status === 413 && !a.text) {
          cutN++;
        } else if (!message || message.length < 10) {
          noMessage++;
          noMessageEx.add(label);
        }
      }
      // Keep the held lease alive (LEASE_SECONDS is short in the chaos relay).
      const hb = await api(relay, `/v1/jobs/${lease.id}/heartbeat`, { method: "POST", body: JSON.stringify({ leaseToken: lease.token }) });
      if (hb.status !== 200) {
        heartbeatsFailed++;
        hbEx.add(`after ${c.route} ${c.what}: ${hb.status} ${hb.error ?? hb.text.slice(0, 100)}`);
      }
    }
  }

  // A bad enqueue in the same instant as good ones: the good ones must all be stored.
  const good = Array.from({ length: 20 }, (_, i) => ({ delivery: randomUUID(), body: pushBody({ repository: `chaos-batch/r-${i}`, seq: 4_000_000 + i }) }));
  const mixed = await Promise.all([
    ...good.map((g) => sendWebhook(relay, "push", g.body, g.delivery)),
    api(relay, "/v1/jobs", { method: "POST", body: JSON.stringify({ type: "factory.render", runAt: YEAR_3000 }) }),
    api(relay, "/v1/jobs", { method: "POST", body: `{"type":"factory.render","payload":{"d":${deep(5000)}}}` }),
  ]);
  const goodIds = mixed.slice(0, good.length).map((a) => (a.status === 202 ? (a.json?.jobId as string | undefined) : undefined));
  const after = await listAllJobs(relay);
  const stored = goodIds.filter((id) => id && after.some((j) => j.id === id)).length;
  const badStored = mixed.slice(good.length).filter((a) => a.status === 202).length;

  // Nothing half-written: the same jobs as before, apart from the 20 good pushes above.
  const goodSet = new Set(goodIds.filter(Boolean));
  const appeared = after.filter((j) => !before.some((b) => b.id === j.id) && !goodSet.has(j.id));
  const changed = after.filter((j) => {
    const b = before.find((x) => x.id === j.id);
    return b && j.id !== lease.id && (b.updatedAt !== j.updatedAt || b.state !== j.state);
  });
  const heldJob = after.find((j) => j.id === lease.id);
  const final = await api(relay, `/v1/jobs/${lease.id}/complete`, { method: "POST", body: JSON.stringify({ leaseToken: lease.token }) });

  t.exact("bad requests answered 5xx", 0, fivexx, { defect: [...defects].join(", ") || undefined, examples: fivexxEx.list });
  t.exact("bad requests answered 2xx/3xx (accepted)", 0, accepted, { defect: [...defects].join(", ") || undefined, examples: acceptedEx.list });
  t.exact("4xx answers without a message", 0, noMessage, { examples: noMessageEx.list });
  t.exact("jobs written by the bad requests (listing before/after)", 0, appeared.length, { defect: "defect 3/6", examples: appeared.map((j) => `${j.id} ${j.type} runAt=${String((j as unknown as { runAt?: number }).runAt)}`) });
  t.exact("other jobs changed by the bad requests", 0, changed.length, { examples: changed.map((j) => `${j.id} ${j.state}`) });
  t.exact("held lease lost during the abuse (heartbeats refused)", 0, heartbeatsFailed, { examples: hbEx.list });
  t.exact("held job still leased, then completed with its lease", 1, heldJob?.state === "leased" && final.status === 200 ? 1 : 0);
  t.exact("good pushes stored when sent together with bad enqueues", good.length, stored, { defect: "defect 3" });
  t.exact("bad enqueues sent together with good pushes accepted", 0, badStored, { defect: "defect 3/4" });
  t.measure("413 answers to oversized uploads whose message this client could not read (connection reset mid-upload; curl shows it)", String(cutN));
  t.measure("routes covered", `${routes.size}: ${[...routes].join(", ")}`);
  return {
    part: "relay: bad inputs to every route",
    what: `${sent} malformed requests to ${routes.size} routes, plus 20 good pushes racing 2 bad enqueues`,
    counts: t.counts,
    measured: t.measured,
    durationMs: Date.now() - started,
    ...(Date.now() > deadline ? { aborted: "deadline passed" } : {}),
  };
}
