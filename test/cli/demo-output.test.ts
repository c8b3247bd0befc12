import { describe, expect, it } from "vitest";
import { plainDemoLine } from "../../worker/demo/demo-output.ts";

const line = (o: Record<string, unknown>) => JSON.stringify({ time: "2026-12-01T20:34:36.785Z", level: "info", jobId: "j1", step: null, ...o });

describe("the demo's plain progress lines", () => {
  it("turns the worker's JSON events into words: sync, plan, each step done or skipped", () => {
    expect(plainDemoLine(line({ msg: "synced demo/kb to 9e1cf11c17f2", step: "sync", sha: "9e1c" }))).toBe("      synced demo/kb to 9e1cf11c17f2");
    expect(plainDemoLine(line({ msg: "plan: 2 step(s)", steps: ["script:a", "render:a"] }))).toBe("      plan: 2 step(s) (script:a, render:a)");
    expect(plainDemoLine(line({ msg: "done: rendered a: lesson 99 s", step: "render:a", produced: ["x.mp4"] }))).toBe(
      `      ✓ ${"render:a".padEnd(24)} rendered a: lesson 99 s`,
    );
    expect(plainDemoLine(line({ msg: "skipped: unchanged since its last run", step: "script:a" }))).toBe(
      `      · ${"script:a".padEnd(24)} skipped: unchanged since the last run`,
    );
  });

  it("leaves out the bookkeeping and keeps warnings, errors and anything that is not a log event", () => {
    expect(plainDemoLine(line({ msg: "leased sync_and_generate_content (attempt 1 of 5)" }))).toBeNull();
    expect(plainDemoLine(line({ msg: "running", step: "script:a", recorded: [] }))).toBeNull();
    expect(plainDemoLine(line({ level: "warn", msg: "disk almost full" }))).toBe("      ! disk almost full");
    expect(plainDemoLine(line({ level: "error", msg: "failed: ffmpeg exited 1", step: "render:a" }))).toBe("      ✗ render:a: failed: ffmpeg exited 1");
    expect(plainDemoLine("node: something went wrong")).toBe("      node: something went wrong");
    expect(plainDemoLine("   ")).toBeNull();
  });
});
