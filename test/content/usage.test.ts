import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { costUsd, priceOf } from "../../worker/agents/pricing.ts";
import { formatUsage, summariseUsage } from "../../worker/commands/usage.ts";
import { Ledger } from "../../worker/ledger.ts";

function script(model: string | null) {
  return { provenance: { writer: model ? "claude" : "offline", model } };
}

describe("factory usage", () => {
  it("sums the tokens of finished write-script runs per model from the ledger, with their cost", async () => {
    const ledger = Ledger.open(join(await mkdtemp(join(tmpdir(), "usage-")), "ledger.sqlite"));
    const usage = (i: number, o: number, w: number, r: number) => ({ inputTokens: i, outputTokens: o, cacheCreationInputTokens: w, cacheReadInputTokens: r });
    const runs: Array<[string, string, unknown, Record<string, number>, boolean]> = [
      ["script:a", "h1", script("claude-sonnet-4-5-20250929"), usage(1000, 2000, 1500, 0), true],
      ["script:b", "h2", script("claude-sonnet-4-5"), usage(800, 1800, 0, 1500), true],
      ["script:c", "h3", script(null), usage(0, 0, 0, 0), true],
      ["script:d", "h4", script("claude-sonnet-4-5"), usage(999, 999, 0, 0), false], // failed: not counted
    ];
    for (const [key, hash, data, u, ok] of runs) {
      const id = { repository: "o/r", key, inputHash: hash };
      ledger.startStep(id, "write-script", null, 1);
      if (ok) ledger.finishStep(id, { data, usage: u }, 2);
      else ledger.failStep(id, "boom", 2);
    }
    ledger.startStep({ repository: "o/r", key: "narrate:a", inputHash: "n" }, "narrate", null, 1);
    const rows = summariseUsage(ledger.listStepRuns({ kind: "write-script" }));
    ledger.close();

    expect(rows.map((r) => [r.model, r.scripts])).toEqual([
      ["claude-sonnet-4-5", 1],
      ["claude-sonnet-4-5-20250929", 1],
      ["offline", 1],
    ]);
    const dated = rows.find((r) => r.model === "claude-sonnet-4-5-20250929")!;
    // $3/M in, $15/M out, $3.75/M cache write
    expect(dated.costUsd).toBeCloseTo((1000 * 3 + 2000 * 15 + 1500 * 3.75) / 1e6, 10);
    expect(rows.find((r) => r.model === "offline")!.costUsd).toBe(0);
    const text = formatUsage(rows);
    expect(text).toContain("prices as of 2026-11");
    expect(text).toMatch(/total: \$0\.\d{4}/);
  });

  it("says when a model has no known price instead of inventing one", () => {
    expect(priceOf("claude-unknown-9")).toBeNull();
    const rows = summariseUsage([
      {
        repository: "o/r", key: "script:a", kind: "write-script", inputHash: "h", state: "done",
        output: { data: script("claude-unknown-9"), usage: { inputTokens: 10, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 } },
        recorded: {}, startedAt: 1, finishedAt: 2, jobId: null, error: null,
      },
    ]);
    expect(rows[0]!.costUsd).toBeNull();
    expect(formatUsage(rows)).toContain("price unknown");
    expect(formatUsage([])).toBe("No scripts written yet: nothing spent.");
  });

  it("prices cache reads at a tenth of fresh input", () => {
    const p = priceOf("claude-haiku-4-5")!;
    expect(costUsd({ inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 1_000_000 }, p)).toBeCloseTo(p.input / 10, 10);
  });
});
