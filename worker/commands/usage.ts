/**
 * `factory usage`: the tokens the content agent spent, per model, with their cost, read from
 * the ledger (each write-script step's recorded output.usage). Skipped steps cost nothing and
 * leave no row, so this is exactly what was paid for.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type TokenUsage, zeroUsage } from "../agents/usage.ts";
import { PRICES_AS_OF, costUsd, priceOf } from "../agents/pricing.ts";
import { Ledger, type StepRun } from "../ledger.ts";
import { EXIT, configOrExit } from "./runtime.ts";

/** Usage of one model (or of the offline writer). */
export interface ModelUsage extends TokenUsage {
  model: string;
  scripts: number;
  /** null when the model has no known price. */
  costUsd: number | null;
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Sums finished write-script runs per model. Pure. */
export function summariseUsage(runs: readonly StepRun[]): ModelUsage[] {
  const byModel = new Map<string, ModelUsage>();
  for (const run of runs) {
    if (run.kind !== "write-script" || run.state !== "done" || !run.output) continue;
    const prov = (run.output.data as { provenance?: { writer?: string; model?: string | null } } | undefined)?.provenance;
    const model = prov?.writer === "offline" || !prov?.model ? "offline" : prov.model;
    const m = byModel.get(model) ?? { model, scripts: 0, ...zeroUsage(), costUsd: null };
    const u = run.output.usage ?? {};
    m.scripts++;
    m.inputTokens += num(u.inputTokens);
    m.outputTokens += num(u.outputTokens);
    m.cacheCreationInputTokens += num(u.cacheCreationInputTokens);
    m.cacheReadInputTokens += num(u.cacheReadInputTokens);
    byModel.set(model, m);
  }
  for (const m of byModel.values()) {
    const price = m.model === "offline" ? { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 } : priceOf(m.model);
    m.costUsd = price ? costUsd(m, price) : null;
  }
  return [...byModel.values()].sort((a, b) => (a.model < b.model ? -1 : 1));
}

/** The report as text. Pure. */
export function formatUsage(rows: readonly ModelUsage[]): string {
  if (rows.length === 0) return "No scripts written yet: nothing spent.";
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = ["model                        scripts      input     output  cache write  cache read   cost (USD)"];
  let total = 0;
  let unknown = false;
  for (const r of rows) {
    if (r.costUsd === null) unknown = true;
    else total += r.costUsd;
    lines.push(
      `${r.model.padEnd(28)} ${String(r.scripts).padStart(7)} ${n(r.inputTokens).padStart(10)} ${n(r.outputTokens).padStart(10)} ` +
        `${n(r.cacheCreationInputTokens).padStart(12)} ${n(r.cacheReadInputTokens).padStart(11)} ${(r.costUsd === null ? "price unknown" : `$${r.costUsd.toFixed(4)}`).padStart(12)}`,
    );
  }
  lines.push(`total: $${total.toFixed(4)}${unknown ? " plus models without a known price" : ""} (prices as of ${PRICES_AS_OF}, worker/agents/pricing.ts)`);
  return lines.join("\n");
}

/** Registers `factory usage`. */
export function registerUsageCommand(program: Command): void {
  program
    .command("usage")
    .description("Show the tokens the content agent spent per model, and their cost, from the ledger")
    .option("--repository <owner/name>", "only this repository")
    .option("--json", "print JSON instead of a table")
    .action((opts: { repository?: string; json?: boolean }) => {
      const config = configOrExit();
      if (!config) return void (process.exitCode = EXIT.config);
      const path = join(config.workDir, "ledger.sqlite");
      if (!existsSync(path)) {
        console.log(`No ledger yet at ${path}: the worker creates it with its first job. Nothing spent.`);
        return;
      }
      const ledger = Ledger.open(path);
      try {
        const rows = summariseUsage(ledger.listStepRuns({ kind: "write-script", ...(opts.repository ? { repository: opts.repository } : {}) }));
        console.log(opts.json ? JSON.stringify(rows, null, 2) : formatUsage(rows));
      } finally {
        ledger.close();
      }
    });
}
