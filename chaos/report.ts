/**
 * Prints the counts and writes them as Markdown (docs/reliability.md), with the machine and the
 * command that produced them, so a reader can tell what was measured where.
 */
import { cpus, release, totalmem, type } from "node:os";
import { countOk, partOk, type Count, type PartResult } from "./counts.ts";

/** The machine a run happened on. */
export function machine(): string {
  const c = cpus();
  return `Node ${process.version}, ${c.length} cores (${c[0]?.model.trim() ?? "unknown CPU"}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${type()} ${release()}`;
}

function expectation(c: Count): string {
  if (c.bound === "atMost") return `≤ ${c.expected}`;
  if (c.bound === "atLeast") return `≥ ${c.expected}`;
  return String(c.expected);
}

/** Plain-text lines for the terminal. */
export function textReport(parts: PartResult[]): string {
  const lines: string[] = [];
  for (const p of parts) {
    lines.push(`\n${partOk(p) ? "PASS" : "FAIL"}  ${p.part}: ${p.what} (${(p.durationMs / 1000).toFixed(1)} s)`);
    if (p.aborted) lines.push(`      stopped early: ${p.aborted}`);
    for (const c of p.counts) {
      const mark = countOk(c) ? "ok   " : "WRONG";
      lines.push(`  ${mark} ${c.name}: ${c.observed} (must be ${expectation(c)})${c.defect && !countOk(c) ? `  → ${c.defect}` : ""}`);
      if (!countOk(c)) for (const e of c.examples ?? []) lines.push(`          e.g. ${e}`);
    }
    for (const [k, v] of Object.entries(p.measured)) lines.push(`  measured: ${k}: ${v}`);
  }
  const wrong = parts.flatMap((p) => p.counts.filter((c) => !countOk(c)));
  lines.push(`\n${wrong.length === 0 && parts.every(partOk) ? "chaos: every count is right" : `chaos: ${wrong.length} count(s) wrong`}`);
  return lines.join("\n");
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The measured section of docs/reliability.md. */
export function markdownReport(parts: PartResult[], o: { command: string; startedAt: Date; totalMs: number }): string {
  const out: string[] = [];
  out.push(`Run: \`${o.command}\`, ${o.startedAt.toISOString().replace(/\.\d+Z$/, "Z")}, ${(o.totalMs / 1000).toFixed(0)} s in all.`);
  out.push(`Machine: ${machine()}.`);
  out.push("");
  for (const p of parts) {
    out.push(`### ${p.part} — ${partOk(p) ? "pass" : "**FAIL**"}`);
    out.push("");
    out.push(`${p.what}; ${(p.durationMs / 1000).toFixed(1)} s.${p.aborted ? ` Stopped early: ${p.aborted}.` : ""}`);
    out.push("");
    out.push("| count | must be | observed | |");
    out.push("|---|---|---|---|");
    for (const c of p.counts) {
      const ok = countOk(c);
      const note = ok ? "ok" : `**wrong**${c.defect ? ` (${c.defect})` : ""}${c.examples?.length ? `: e.g. ${cell(c.examples[0]!)}` : ""}`;
      out.push(`| ${cell(c.name)} | ${expectation(c)} | ${c.observed} | ${note} |`);
    }
    const m = Object.entries(p.measured);
    if (m.length) {
      out.push("");
      for (const [k, v] of m) out.push(`- ${cell(k)}: ${cell(v)}`);
    }
    out.push("");
  }
  return out.join("\n");
}
