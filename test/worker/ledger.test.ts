import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../worker/ledger.ts";

const path = () => join(mkdtempSync(join(tmpdir(), "factory-ledger-")), "sub", "ledger.sqlite");
const id = { repository: "me/kb", key: "publish:ohms-law", inputHash: "h1" };

describe("Ledger", () => {
  it("opens in WAL mode with synchronous=FULL, creating its directory", () => {
    const p = path();
    const ledger = Ledger.open(p);
    const db = (ledger as unknown as { db: { pragma(s: string, o: { simple: true }): unknown } }).db;
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    ledger.close();
  });

  it("remembers a finished step across reopen, by key and input hash", () => {
    const p = path();
    const a = Ledger.open(p);
    a.startStep(id, "publish", "job-1", 1000);
    expect(a.findDone(id)).toBeNull();
    a.finishStep(id, { external: { videoId: "v1" } }, 2000);
    a.close();
    const b = Ledger.open(p);
    expect(b.findDone(id)).toMatchObject({ state: "done", output: { external: { videoId: "v1" } }, startedAt: 1000, finishedAt: 2000, jobId: "job-1" });
    expect(b.findDone({ ...id, inputHash: "h2" })).toBeNull();
    b.close();
  });

  it("keeps recorded values through a failure and a crash (reopen) for the next attempt", () => {
    const p = path();
    const a = Ledger.open(p);
    a.startStep(id, "publish", "job-1", 1);
    a.record(id, "uploadSession", "https://upload/abc", 2);
    a.failStep(id, "network", 3);
    a.close();
    const b = Ledger.open(p);
    expect(b.recorded(id)).toEqual({ uploadSession: "https://upload/abc" });
    b.startStep(id, "publish", "job-1", 4);
    expect(b.recorded(id)).toEqual({ uploadSession: "https://upload/abc" });
    b.close();
  });

  it("lists step runs by kind and repository with their recorded values", () => {
    const ledger = Ledger.open(path());
    ledger.startStep(id, "publish", null, 1);
    ledger.record(id, "videoId", "v9", 2);
    ledger.finishStep(id, { external: { videoId: "v9" } }, 3);
    ledger.startStep({ repository: "other/kb", key: "render:x", inputHash: "r" }, "render", null, 4);
    expect(ledger.listStepRuns({ kind: "publish" })).toEqual([
      expect.objectContaining({ repository: "me/kb", key: "publish:ohms-law", kind: "publish", state: "done", recorded: { videoId: "v9" } }),
    ]);
    expect(ledger.listStepRuns({ repository: "other/kb" })).toHaveLength(1);
    expect(ledger.listStepRuns()).toHaveLength(2);
    expect(ledger.stepCounts()).toEqual({ running: 1, done: 1, failed: 0 });
    ledger.close();
  });

  it("notes the jobs it ran for factory status", () => {
    const ledger = Ledger.open(path());
    ledger.startJob("j1", "me/kb", null, 10);
    ledger.finishJob("j1", "completed", "2 ran", 20, "a".repeat(40));
    expect(ledger.recentJobs()).toEqual([
      { jobId: "j1", repository: "me/kb", sha: "a".repeat(40), state: "completed", startedAt: 10, finishedAt: 20, summary: "2 ran" },
    ]);
    ledger.close();
  });
});
