/**
 * Part "forged webhooks": at least 1,000 webhooks that must not make a job: wrong and
 * rotated-out secrets, a flipped byte in the body or the signature, truncated bodies, malformed
 * signature headers, huge headers, a signed body of the wrong content type, signed garbage, and
 * replays of a real delivery id. Counted from the outside: every answer's status, and the
 * relay's job listing before and after.
 */
import { randomUUID } from "node:crypto";
import { Budget, BudgetExhausted, Examples, Tally, type PartResult } from "../counts.ts";
import { PUSH_TAG_DELETED, pushBody } from "../push-bodies.ts";
import { listAllJobs, pool, RETIRED_SECRET, request, rng, sign, type Answer, type RelayProcess } from "../relay-kit.ts";

export interface ForgedOptions {
  /** How many forged or garbled webhooks to send (≥ 1,000 in the full run). */
  count: number;
  concurrency?: number;
  deadlineMs: number;
  seed?: number;
}

interface Forgery {
  kind: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
  /** A replay of an accepted delivery: must answer with that delivery's job, deduplicated. */
  replayOf?: string;
}

/** Builds forgery number `i` of a rotating list of kinds. */
function forge(i: number, r: () => number, secret: string, original: { body: string; delivery: string }): Forgery {
  const body = pushBody({ repository: `chaos-forged/repo-${i % 37}`, seq: 1_000_000 + i, modified: [`kb/atoms/a${i}.json`] });
  const good = sign(secret, body);
  const base = { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": randomUUID() };
  const bytes = new TextEncoder().encode(body);
  const at = Math.floor(r() * bytes.length);
  const kinds: (() => Forgery)[] = [
    () => ({ kind: "wrong secret", headers: { ...base, "X-Hub-Signature-256": sign(`not-the-secret-${i}`, body) }, body }),
    () => ({ kind: "rotated-out secret", headers: { ...base, "X-Hub-Signature-256": sign(RETIRED_SECRET, body) }, body }),
    () => {
      const flipped = bytes.slice();
      flipped[at] = flipped[at]! ^ (1 << Math.floor(r() * 8));
      return { kind: "flipped body byte", headers: { ...base, "X-Hub-Signature-256": good }, body: flipped };
    },
    () => {
      const pos = 7 + Math.floor(r() * 64);
      const c = good[pos] === "0" ? "1" : "0";
      return { kind: "flipped signature digit", headers: { ...base, "X-Hub-Signature-256": good.slice(0, pos) + c + good.slice(pos + 1) }, body };
    },
    () => ({ kind: "truncated body", headers: { ...base, "X-Hub-Signature-256": good }, body: bytes.slice(0, at) }),
    () => ({ kind: "truncated signature", headers: { ...base, "X-Hub-Signature-256": good.slice(0, 7 + Math.floor(r() * 63)) }, body }),
    () => {
      const bad = [
        `sha1=${good.slice(7, 47)}`,
        good.slice(7),
        `SHA256=${good.slice(7)}`,
        `sha256:${good.slice(7)}`,
        `sha256= ${good.slice(7)}`,
        `sha256=${Buffer.from(good.slice(7), "hex").toString("base64")}`,
        `${good},${good}`,
        `sha256=${"g".repeat(64)}`,
        "",
        `sha256=${good.slice(7)}00`,
      ][i % 10]!;
      return { kind: "malformed signature header", headers: { ...base, "X-Hub-Signature-256": bad }, body };
    },
    () => ({ kind: "no signature, SHA-1 header only", headers: { ...base, "X-Hub-Signature": `sha1=${"a".repeat(40)}` }, body }),
    () => {
      const huge = "a".repeat(i % 2 ? 16 * 1024 : 60 * 1024);
      const which = ["X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery", "X-Padding"][i % 4]!;
      const sig = which === "X-Hub-Signature-256" ? `sha256=${huge}` : sign(`wrong-${i}`, body);
      return { kind: "huge header", headers: { ...base, "X-Hub-Signature-256": sig, [which]: which === "X-Hub-Signature-256" ? sig : huge }, body };
    },
    () => {
      // Signed with the right secret, but the form encoding GitHub sends for content type "form".
      const form = `payload=${encodeURIComponent(body)}`;
      return { kind: "signed form body (wrong content type)", headers: { ...base, "Content-Type": "application/x-www-form-urlencoded", "X-Hub-Signature-256": sign(secret, form) }, body: form };
    },
    () => {
      const garbage = [body.slice(0, at), "null", "[]", '"push"', "{}", "\u0000\u0001", `${body}}`, body.replace('"ref"', '"ref":1,"x"')][i % 8]!;
      return { kind: "signed garbage body", headers: { ...base, "X-Hub-Signature-256": sign(secret, garbage) }, body: garbage };
    },
    () => {
      const nonUtf8 = new Uint8Array([...bytes.slice(0, at), 0xff, 0xfe, 0xc3, ...bytes.slice(at)]);
      return { kind: "signed non-UTF-8 body", headers: { ...base, "X-Hub-Signature-256": sign(secret, nonUtf8) }, body: nonUtf8 };
    },
    () => ({ kind: "replayed delivery id", headers: { ...base, "X-GitHub-Delivery": original.delivery, "X-Hub-Signature-256": sign(secret, original.body) }, body: original.body, replayOf: original.delivery }),
    () => ({
      kind: "replayed delivery id, other body, wrong secret",
      headers: { ...base, "X-GitHub-Delivery": original.delivery, "X-Hub-Signature-256": sign(RETIRED_SECRET, body) },
      body,
    }),
    () => {
      // A real tag-deletion push, correctly signed: GitHub sends it, the relay must make no job.
      return { kind: "signed tag deletion (no job)", headers: { ...base, "X-Hub-Signature-256": sign(secret, PUSH_TAG_DELETED) }, body: PUSH_TAG_DELETED };
    },
  ];
  return kinds[i % kinds.length]!();
}

/** Runs the part against a running relay. */
export async function forgedWebhooks(relay: RelayProcess, o: ForgedOptions): Promise<PartResult> {
  const started = Date.now();
  const t = new Tally();
  const budget = new Budget(o.count + 10, started + o.deadlineMs);
  const r = rng(o.seed ?? 13);

  // One real delivery first, so there is something to replay.
  const originalBody = pushBody({ repository: "chaos-forged/original", seq: 999_999, modified: ["kb/atoms/ohms-law.json"] });
  const originalDelivery = randomUUID();
  const first = await request(`${relay.url}/github/webhook`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": originalDelivery, "X-Hub-Signature-256": sign(relay.secret, originalBody) },
    body: originalBody,
  });
  budget.spend();
  const originalJob = (first.json?.jobId as string | undefined) ?? null;
  t.exact("the genuine delivery before the forgeries: accepted", 1, first.status === 202 && originalJob ? 1 : 0);
  const before = await listAllJobs(relay);

  const forgeries = Array.from({ length: o.count }, (_, i) => forge(i, r, relay.secret, { body: originalBody, delivery: originalDelivery }));
  const kinds = new Map<string, number>();
  const accepted = new Examples();
  const fivexx = new Examples();
  const noMessage = new Examples();
  const replayWrong = new Examples();
  let acceptedN = 0;
  let fivexxN = 0;
  let fourxxN = 0;
  let dropped = 0;
  let noMessageN = 0;
  let replayWrongN = 0;
  let sent = 0;
  let aborted: string | undefined;
  try {
    await pool(forgeries, o.concurrency ?? 16, async (f) => {
      budget.spend();
      sent++;
      kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      const a: Answer = await request(`${relay.url}/github/webhook`, { method: "POST", headers: f.headers, body: f.body, timeoutMs: 30_000 });
      if (f.replayOf) {
        // The one legal answer: the stored job, marked deduplicated, and no new job.
        if (a.status !== 202 || a.json?.jobId !== originalJob || a.json?.deduplicated !== true) {
          replayWrongN++;
          replayWrong.add(`${a.status} ${a.text.slice(0, 120)}`);
        }
        return;
      }
      if (a.status >= 500) {
        fivexxN++;
        fivexx.add(`${f.kind}: ${a.status} ${a.text.slice(0, 120)}`);
      } else if (a.status === 202 && typeof a.json?.jobId === "string") {
        acceptedN++;
        accepted.add(`${f.kind}: ${a.text.slice(0, 120)}`);
      } else if (a.status >= 400 && a.status < 500) {
        fourxxN++;
        if (typeof a.json?.message !== "string" || a.json.message.length < 10) {
          // 431 (headers too large) comes from the HTTP layer before the app: no JSON to expect.
          if (a.status !== 431) {
            noMessageN++;
            noMessage.add(`${f.kind}: ${a.status} ${a.text.slice(0, 80)}`);
          }
        }
      } else if (a.status === 0) {
        dropped++;
      }
    });
  } catch (e) {
    if (!(e instanceof BudgetExhausted)) throw e;
    aborted = e.message;
  }
  const after = await listAllJobs(relay);
  const newJobs = after.filter((j) => !before.some((b) => b.id === j.id));
  const touched = after.filter((j) => before.some((b) => b.id === j.id && b.updatedAt !== j.updatedAt));

  t.atLeast("forged or garbled webhooks sent", o.count, sent);
  t.exact("forged or garbled webhooks accepted (202 with a job)", 0, acceptedN, { examples: accepted.list });
  t.exact("answers 5xx", 0, fivexxN, { examples: fivexx.list });
  t.exact("4xx answers without a JSON message", 0, noMessageN, { examples: noMessage.list });
  t.exact("replays not answered with the original job, deduplicated", 0, replayWrongN, { examples: replayWrong.list });
  t.exact("jobs created by the forgeries (job listing before/after)", 0, newJobs.length, { examples: newJobs.map((j) => `${j.id} ${String(j.payload.repository)}`) });
  t.exact("existing jobs changed by the forgeries", 0, touched.length, { examples: touched.map((j) => j.id) });
  t.measure("forgeries by kind", [...kinds].map(([k, n]) => `${k} ${n}`).join("; "));
  t.measure("refused 4xx / connection closed without an answer", `${fourxxN} / ${dropped}`);
  return { part: "relay: forged webhooks", what: `${sent} forged or garbled webhooks, ${kinds.size} kinds`, counts: t.counts, measured: t.measured, durationMs: Date.now() - started, ...(aborted ? { aborted } : {}) };
}
