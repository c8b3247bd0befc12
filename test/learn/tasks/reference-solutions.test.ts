import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SIM_DIR, reference, runSource } from "./helpers.ts";

const ids = readdirSync(SIM_DIR).filter((n) => n.endsWith(".json") && n !== "index.json").map((n) => n.slice(0, -5)).sort();

describe("reference solutions in kb/sim", () => {
  it("has at least 10 tasks across the three built-in scenes, easy to hard", async () => {
    const { loadTask } = await import("./helpers.ts");
    const tasks = ids.map(loadTask);
    expect(tasks.length).toBeGreaterThanOrEqual(10);
    expect(new Set(tasks.map((t) => t.scene))).toEqual(new Set(["from-a-to-b", "sorting-by-height-basic", "level-control"]));
    expect(new Set(tasks.map((t) => t.level))).toEqual(new Set(["easy", "medium", "hard"]));
  });

  it.each(ids)("%s: the reference solution passes every criterion", async (id) => {
    const r = await runSource(id, reference(id));
    if (r.status === "failed") throw new Error(`${id}: ${r.verdict.firstFailure!.id}: ${r.verdict.firstFailure!.reason}`);
    expect(r.status).toBe("passed");
  });
});
