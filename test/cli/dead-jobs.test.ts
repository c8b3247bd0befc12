import { describe, expect, it } from "vitest";
import type { Job } from "../../shared/jobs.ts";
import { adviseDeadJobs } from "../../worker/commands/dead-jobs.ts";
import { formatJobs, wrap } from "../../worker/commands/jobs.ts";
import { formatStats } from "../../worker/commands/status.ts";

const NOW = 1_800_000_000_000;
const KB_ERROR =
  "kb/atoms/ohms-law.json $: invalid JSON at line 2, column 19: missing ',' after this value (the next property starts on the next line)\n" +
  "1 problem in the knowledge base: fix it and push again.";

function job(id: string, over: Partial<Job> & { branch?: string; repository?: string } = {}): Job {
  const { branch = "main", repository = "me/kb", ...rest } = over;
  return {
    id,
    type: "sync_and_generate_content",
    state: "done",
    payload: { repository, branch },
    dedupeKey: null,
    attempts: 1,
    maxAttempts: 5,
    runAt: NOW,
    createdAt: NOW - 60_000,
    updatedAt: NOW,
    lastError: null,
    leasedBy: null,
    leaseExpiresAt: null,
    ...rest,
  };
}

const broken = job("j-broken", { state: "dead", attempts: 1, lastError: KB_ERROR, createdAt: NOW - 600_000 });

describe("advice for dead jobs", () => {
  it("says to fix the file and push, not to retry, for a job the worker failed as not retryable", () => {
    const [a] = adviseDeadJobs([broken], [broken]);
    expect(a?.kind).toBe("fix-and-push");
    const text = formatStats({ counts: { queued: 0, leased: 0, done: 3, dead: 1 }, oldestQueuedAgeMs: null, workers: [], now: NOW }, [a!]);
    expect(text).toContain("j-broken: cannot succeed as it is");
    expect(text).toContain("commit and push");
    expect(text).not.toContain("factory retry");
  });

  it("says to retry a job that spent every attempt on something passing", () => {
    const tired = job("j-tired", { state: "dead", attempts: 5, lastError: "relay unreachable" });
    expect(adviseDeadJobs([tired], [tired])[0]?.kind).toBe("retry");
  });

  it("marks a dead job superseded once a later job of the same repository and branch succeeded", () => {
    const fixed = job("j-fixed", { createdAt: NOW - 60_000 });
    const otherBranch = job("j-other", { branch: "draft", createdAt: NOW - 30_000 });
    const earlier = job("j-earlier", { createdAt: NOW - 900_000 });
    expect(adviseDeadJobs([broken], [earlier, otherBranch])[0]?.kind).toBe("fix-and-push");
    const [a] = adviseDeadJobs([broken], [earlier, otherBranch, fixed]);
    expect(a).toMatchObject({ kind: "superseded", by: { id: "j-fixed" } });
  });

  it("factory jobs shows a superseded job as such, and a live one's whole error wrapped to the width", () => {
    const fixed = job("j-fixed", { createdAt: NOW - 60_000 });
    const superseded = formatJobs([fixed, broken], NOW, 80).split("\n");
    expect(superseded[2]).toMatch(/^j-broken\s+superseded\s/);
    expect(superseded[3]).toBe("    superseded by j-fixed, a later job for the same branch that succeeded");

    const lines = formatJobs([broken], NOW, 60).split("\n");
    // The table row is as wide as its columns; everything under it fits the width.
    expect(lines.slice(2).every((l) => l.length <= 60)).toBe(true);
    const errorText = lines
      .slice(2)
      .filter((l) => !l.trimStart().startsWith("→") && /^ {4}(error: | {7})\S/.test(l))
      .map((l) => l.replace(/^ {4}(error: | {7})/, ""))
      .join(" ");
    // Every word of the error is there, none cut off.
    expect(errorText.split(/\s+/)).toEqual(KB_ERROR.split(/\s+/));
    expect(lines.join("\n")).toContain("→ cannot succeed as it is");
  });
});

describe("wrap", () => {
  it("breaks at spaces, keeps the text's own line breaks and cuts a word longer than the line", () => {
    expect(wrap("aaa bbb ccc\nddd", 27, "> ", "  ")).toEqual(["> aaa bbb ccc", "  ddd"]);
    expect(wrap("one two three four five six seven", 22, "", "")).toEqual(["one two three four", "five six seven"]);
    expect(wrap("x".repeat(45), 20)).toEqual(["x".repeat(20), "x".repeat(20), "x".repeat(5)]);
  });
});
