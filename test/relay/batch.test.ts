import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../relay/queue/batch.ts";

/** Hooks that record transactions instead of touching storage. */
function recorder() {
  const log: string[] = [];
  let depth = 0;
  const commit = new GroupCommit({
    transaction: (fn) => {
      log.push(depth === 0 ? "begin" : "savepoint");
      depth++;
      try {
        return fn();
      } finally {
        depth--;
      }
    },
    now: () => 42,
    inside: () => {
      log.push("inside");
      return [() => log.push("settled")];
    },
    after: async () => {
      log.push("after");
    },
    durable: async () => {},
  });
  return { commit, log };
}

describe("group commit", () => {
  it("runs writes requested in the same turn in one transaction, with the batch's clock", async () => {
    const { commit, log } = recorder();
    const results = await Promise.all([commit.run((now) => now + 1), commit.run((now) => now + 2), commit.run(() => "c")]);
    expect(results).toEqual([43, 44, "c"]);
    expect(log.filter((l) => l === "begin")).toHaveLength(1);
    expect(log).toEqual(["begin", "savepoint", "savepoint", "savepoint", "inside", "settled", "after"]);
  });

  it("rejects only the write that threw; the others in the batch succeed", async () => {
    const { commit } = recorder();
    const ok = commit.run(() => "fine");
    const bad = commit.run(() => {
      throw new Error("constraint failed");
    });
    await expect(bad).rejects.toThrow("constraint failed");
    await expect(ok).resolves.toBe("fine");
  });

  it("starts a new batch for writes requested after a batch ran", async () => {
    const { commit, log } = recorder();
    await commit.run(() => 1);
    await commit.run(() => 2);
    expect(log.filter((l) => l === "begin")).toHaveLength(2);
  });

  it("resolves every write of a committed batch even when the work after it fails (e.g. setting the alarm)", async () => {
    const commit = new GroupCommit({
      transaction: (fn) => fn(),
      now: () => 1,
      inside: () => [],
      after: async () => {
        throw new Error("alarm time out of range");
      },
      durable: async () => {},
    });
    await expect(Promise.all([commit.run(() => "a"), commit.run(() => "b")])).resolves.toEqual(["a", "b"]);
  });

  it("runs the before step first in the batch, and its failure fails no write", async () => {
    const seen: string[] = [];
    let fail = false;
    const commit = new GroupCommit({
      transaction: (fn) => fn(),
      now: () => 1,
      before: () => {
        seen.push("before");
        if (fail) throw new Error("housekeeping broke");
      },
      inside: () => [],
      after: async () => {},
      durable: async () => {},
    });
    await commit.run(() => seen.push("op"));
    expect(seen).toEqual(["before", "op"]);
    fail = true;
    await expect(commit.run(() => "still stored")).resolves.toBe("still stored");
  });
});
