import { describe, expect, it } from "vitest";
import pushNewBranch from "../fixtures/github-webhooks/push/with-new-branch.payload.json?raw";
import { routeEvent } from "../../relay/github/events.ts";
import { constantTimeEqual, verifySignature } from "../../relay/github/verify.ts";
import {
  backoffDelayMs,
  DEFAULT_CONFIG,
  makeJobId,
  makeLeaseToken,
  mergeChanges,
  nextAfterFailure,
} from "../../relay/queue/rules.ts";
import { scheduledSyncJobs } from "../../relay/schedule.ts";
import { eventSettings } from "../../relay/github/settings.ts";
import { sign } from "./helpers.ts";

const facts = { deliveryId: "d1", receivedAt: 1 };
const all = { repos: [], branches: [] };

describe("retry backoff", () => {
  it("doubles per attempt with equal jitter: between half and all of the exponential delay", () => {
    expect(backoffDelayMs(1, DEFAULT_CONFIG, () => 0)).toBe(15_000);
    expect(backoffDelayMs(1, DEFAULT_CONFIG, () => 0.999999)).toBeCloseTo(30_000, -1);
    expect(backoffDelayMs(3, DEFAULT_CONFIG, () => 0)).toBe(60_000);
  });

  it("caps the delay at the configured maximum", () => {
    expect(backoffDelayMs(30, DEFAULT_CONFIG, () => 1)).toBe(DEFAULT_CONFIG.backoffMaxMs);
  });

  it("goes dead when attempts are spent or the failure is not retryable", () => {
    const base = { now: 0, config: DEFAULT_CONFIG, random: () => 0 };
    expect(nextAfterFailure({ ...base, attempts: 5, maxAttempts: 5, retryable: true }).state).toBe("dead");
    expect(nextAfterFailure({ ...base, attempts: 1, maxAttempts: 5, retryable: false }).state).toBe("dead");
    expect(nextAfterFailure({ ...base, attempts: 1, maxAttempts: 5, retryable: true })).toEqual({
      state: "queued",
      runAt: 15_000,
    });
  });
});

describe("ids and lease tokens", () => {
  it("makes job ids that sort by creation time and 128-bit lease tokens", () => {
    const bytes = (n: number) => new Uint8Array(n).fill(0xab);
    expect(makeJobId(1000, bytes) < makeJobId(2000, bytes)).toBe(true);
    expect(makeLeaseToken(bytes)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("merging changed paths of coalesced pushes", () => {
  it("puts each path in exactly one list by its last change", () => {
    const merged = mergeChanges(
      { added: ["new.md", "tmp.md"], modified: ["a.md"], removed: ["gone.md"] },
      { added: ["gone.md"], modified: ["new.md", "b.md"], removed: ["tmp.md", "a.md"] },
    );
    expect(merged).toEqual({ added: ["new.md"], modified: ["gone.md", "b.md"], removed: ["a.md"] });
  });
});

describe("the event table", () => {
  const push = JSON.parse(pushNewBranch);

  it("honours WATCH_REPOS case-insensitively", () => {
    expect(routeEvent("push", push, facts, { repos: ["codertocat/hello-world"], branches: [] }).kind).toBe("job");
    const other = routeEvent("push", push, facts, { repos: ["someone/else"], branches: [] });
    expect(other).toMatchObject({ kind: "ignored", reason: expect.stringMatching(/WATCH_REPOS/) });
  });

  it("watches WATCH_BRANCHES instead of the default branch when set", () => {
    expect(routeEvent("push", push, facts, { repos: [], branches: ["develop"] }).kind).toBe("ignored");
    expect(routeEvent("push", push, facts, { repos: [], branches: ["develop", "master"] }).kind).toBe("job");
  });

  it("ignores events it has no row for, even ones named like object properties", () => {
    expect(routeEvent("constructor", {}, facts, all).kind).toBe("ignored");
    expect(routeEvent("toString", {}, facts, all).kind).toBe("ignored");
  });
});

describe("signature verification", () => {
  const body = new TextEncoder().encode('{"a":1}');

  it("finds which of several secrets signed the body", async () => {
    const header = await sign("second", body);
    expect(await verifySignature(crypto.subtle, ["first", "second"], body, header)).toEqual({ ok: true, secretIndex: 1 });
  });

  it("accepts an upper-case hex digest and rejects other shapes", async () => {
    const header = (await sign("s", body)).replace(/[a-f]/g, (c) => c.toUpperCase()).replace("SHA256", "sha256");
    expect((await verifySignature(crypto.subtle, ["s"], body, header)).ok).toBe(true);
    expect(await verifySignature(crypto.subtle, ["s"], body, "sha1=abc")).toEqual({ ok: false, reason: "malformed" });
    expect(await verifySignature(crypto.subtle, ["s"], body, undefined)).toEqual({ ok: false, reason: "missing" });
  });

  it("compares byte arrays fully", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});

describe("scheduled sync targets", () => {
  const seen = [{ repository: "me/kb", cloneUrl: "https://github.com/me/kb.git", defaultBranch: "trunk" }];

  it("syncs each seen repository's default branch, and every WATCH_BRANCHES entry when set", () => {
    expect(scheduledSyncJobs(seen, all, 5).map((j) => j.payload.branch)).toEqual(["trunk"]);
    const both = scheduledSyncJobs(seen, { repos: [], branches: ["main", "draft"] }, 5);
    expect(both.map((j) => [j.payload.branch, j.coalesceKey])).toEqual([
      ["main", "sync:me/kb@main"],
      ["draft", "sync:me/kb@draft"],
    ]);
  });

  it("adds WATCH_REPOS not yet seen and drops seen repositories outside the allow-list", () => {
    const jobs = scheduledSyncJobs(seen, { repos: ["me/other"], branches: [] }, 5);
    expect(jobs.map((j) => j.payload)).toEqual([
      expect.objectContaining({ repository: "me/other", cloneUrl: "https://github.com/me/other.git", branch: "main" }),
    ]);
  });
});

describe("LESSONS_PER_JOB (make the next N lessons)", () => {
  const seen = [{ repository: "me/kb", cloneUrl: "https://github.com/me/kb.git", defaultBranch: "main" }];

  it("is read as a whole number from 1 to 1000; anything else means every lesson", () => {
    expect(eventSettings({ LESSONS_PER_JOB: " 3 " }).lessonsPerJob).toBe(3);
    for (const bad of ["", "0", "-2", "2.5", "1001", "three"]) expect(eventSettings({ LESSONS_PER_JOB: bad }).lessonsPerJob).toBeNull();
  });

  it("becomes the count of every push job and every scheduled sync", () => {
    const settings = eventSettings({ LESSONS_PER_JOB: "2" });
    const push = routeEvent("push", JSON.parse(pushNewBranch), facts, { ...all, settings });
    expect(push).toMatchObject({ kind: "job", job: { payload: { trigger: "push", count: 2 } } });
    expect(scheduledSyncJobs(seen, all, 5, 2)[0]!.payload).toMatchObject({ trigger: "schedule", count: 2 });
  });

  it("leaves the count out when unset, so a job makes every lesson", () => {
    const push = routeEvent("push", JSON.parse(pushNewBranch), facts, all);
    expect(push.kind === "job" && "count" in push.job.payload).toBe(false);
    expect("count" in scheduledSyncJobs(seen, all, 5)[0]!.payload).toBe(false);
  });
});
