/**
 * The pure pieces behind the relay's bounds: the changed-path summary, JSON depth on raw bytes,
 * the sign-in limiter and the refusal throttle. Fixed inputs and clocks.
 */
import { describe, expect, it } from "vitest";
import { jsonDepth } from "../../relay/body.ts";
import { LOGIN_LIMIT, LOGIN_WINDOW_MS, LoginLimiter } from "../../relay/queue/login-limit.ts";
import { boundChanges, mergeChanges, mergeSync } from "../../relay/queue/rules.ts";
import type { SyncPayload } from "../../shared/jobs.ts";
import { TokenBucket } from "../../relay/throttle.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("boundChanges", () => {
  it("keeps a small summary as it is", () => {
    const c = { added: ["a"], modified: ["b"], removed: ["c"] };
    expect(boundChanges(c)).toEqual(c);
  });

  it("keeps the first paths (added, then modified, then removed) and marks the summary truncated", () => {
    const c = { added: ["a1", "a2"], modified: ["m1", "m2"], removed: ["r1"] };
    expect(boundChanges(c, { paths: 3, bytes: 1000 })).toEqual({ added: ["a1", "a2"], modified: ["m1"], removed: [], truncated: true });
    expect(boundChanges(c, { paths: 100, bytes: 5 })).toEqual({ added: ["a1", "a2"], modified: [], removed: [], truncated: true });
  });

  it("stays truncated through merging, even when the merged lists are short", () => {
    const cut = { added: ["a"], modified: [], removed: [], truncated: true };
    expect(mergeChanges(cut, { added: [], modified: ["b"], removed: [] }).truncated).toBe(true);
    expect(mergeChanges({ added: [], modified: ["b"], removed: [] }, cut).truncated).toBe(true);
    expect(mergeChanges({ added: ["x"], modified: [], removed: [] }, { added: [], modified: ["y"], removed: [] }).truncated).toBeUndefined();
  });
});

describe("mergeSync", () => {
  const sync = (count?: number): SyncPayload => ({
    trigger: "push",
    repository: "o/r",
    cloneUrl: "u",
    ref: "refs/heads/main",
    branch: "main",
    before: null,
    after: null,
    pusher: null,
    changes: { added: [], modified: [], removed: [] },
    deliveryIds: [],
    receivedAt: 0,
    coalesced: 1,
    ...(count === undefined ? {} : { count }),
  });

  it("keeps the larger lesson count, and none (all) when either asks for all", () => {
    expect(mergeSync(sync(3), sync(5)).count).toBe(5);
    expect(mergeSync(sync(5), sync(3)).count).toBe(5);
    expect("count" in mergeSync(sync(5), sync())).toBe(false);
    expect("count" in mergeSync(sync(), sync(5))).toBe(false);
  });
});

describe("jsonDepth", () => {
  it("counts nesting outside strings only, escapes included", () => {
    expect(jsonDepth(bytes('{"a":[1,{"b":2}]}'))).toBe(3);
    expect(jsonDepth(bytes('{"a":"[[[{{{\\"[[["}'))).toBe(1);
    expect(jsonDepth(bytes('"\\\\"'))).toBe(0);
    expect(jsonDepth(bytes('{"é":["ü"]}'))).toBe(2);
  });

  it("stops early past the limit", () => {
    expect(jsonDepth(bytes("[".repeat(100_000)), 32)).toBe(33);
  });
});

describe("LoginLimiter", () => {
  it("refuses an address after LOGIN_LIMIT failures within the window, then forgets them", () => {
    const l = new LoginLimiter();
    for (let i = 0; i < LOGIN_LIMIT; i++) expect(l.attempt("a", true, 1000 + i).allowed).toBe(true);
    expect(l.attempt("a", false, 2000)).toEqual({ allowed: false, retryAfterMs: 1000 + LOGIN_WINDOW_MS - 2000 });
    expect(l.attempt("b", false, 2000).allowed).toBe(true);
    expect(l.attempt("a", false, 1000 + LOGIN_WINDOW_MS).allowed).toBe(true);
  });

  it("does not count successful sign-ins", () => {
    const l = new LoginLimiter();
    for (let i = 0; i < LOGIN_LIMIT * 3; i++) expect(l.attempt("a", false, i).allowed).toBe(true);
  });
});

describe("TokenBucket", () => {
  it("allows a burst, then one per refill period", () => {
    const b = new TokenBucket(2, 1000);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false]);
    expect(b.take(999)).toBe(false);
    expect(b.take(1000)).toBe(true);
    expect(b.take(1000)).toBe(false);
  });
});
