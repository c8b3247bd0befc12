/**
 * Structured Text on a code panel: monospace, keywords in the accent colour, line numbers, and
 * the lines the narration is about highlighted in turn. Long lines shrink the whole listing
 * rather than being cut.
 */
import type { StVisual } from "../../../shared/visual.ts";
import { type Box, type VisualTheme, esc, fitSize, r } from "./theme.ts";

const KEYWORDS = new Set(
  ("PROGRAM END_PROGRAM VAR VAR_INPUT VAR_OUTPUT END_VAR IF THEN ELSIF ELSE END_IF CASE OF END_CASE FOR TO BY DO END_FOR " +
    "WHILE END_WHILE REPEAT UNTIL END_REPEAT EXIT RETURN AND OR XOR NOT MOD TRUE FALSE FUNCTION_BLOCK END_FUNCTION_BLOCK").split(" "),
);
const TYPES = new Set("BOOL INT DINT REAL TIME TON TOF TP R_TRIG F_TRIG CTU CTD CTUD SR RS".split(" "));

/** Splits one code line into coloured runs: keywords, types, comments, literals, the rest. */
export function highlightLine(line: string): { text: string; role: "kw" | "type" | "comment" | "literal" | "plain" }[] {
  const runs: { text: string; role: "kw" | "type" | "comment" | "literal" | "plain" }[] = [];
  const re = /(\(\*.*?(?:\*\)|$)|\/\/.*$)|(T#[0-9a-zA-Z_.]+|TIME#[0-9a-zA-Z_.]+|\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)|(\s+|.)/g;
  for (const m of line.matchAll(re)) {
    const [all, comment, literal, word] = m;
    const role = comment ? "comment" : literal ? "literal" : word && KEYWORDS.has(word.toUpperCase()) ? "kw" : word && TYPES.has(word.toUpperCase()) ? "type" : "plain";
    const last = runs[runs.length - 1];
    if (last && last.role === role) last.text += all;
    else runs.push({ text: all, role });
  }
  return runs;
}

/** SVG of the listing at build-up step `step` (0-based). */
export function stSvg(v: StVisual, box: Box, step: number, t: VisualTheme): string {
  const lines = v.code.replace(/\t/g, "  ").replace(/\s+$/, "").split("\n");
  const hi = new Set(v.steps.length ? v.steps[Math.min(step, v.steps.length - 1)]! : []);
  const gutter = 3;
  const padX = 28;
  const size = Math.min(
    fitSize(lines.map((l) => `${"0".repeat(gutter)} ${l}`), box.width - 2 * padX, 34, 14, "mono", t),
    Math.floor((box.height - 40) / (lines.length * 1.45)),
  );
  const lh = size * 1.45;
  const top = box.y + Math.max(20, (box.height - lines.length * lh) / 2);
  const colour = { kw: t.accent, type: "#7dd3fc", comment: t.muted, literal: "#86efac", plain: t.text } as const;
  const out: string[] = [`<rect x="${r(box.x)}" y="${r(box.y)}" width="${r(box.width)}" height="${r(box.height)}" rx="18" fill="${t.panel}"/>`];
  lines.forEach((line, i) => {
    const y = top + i * lh;
    const lit = hi.has(i + 1);
    if (lit) out.push(`<rect x="${r(box.x + 8)}" y="${r(y + lh * 0.08)}" width="${r(box.width - 16)}" height="${r(lh * 0.92)}" rx="8" fill="${t.accent}" fill-opacity="0.22"/><rect x="${r(box.x + 8)}" y="${r(y + lh * 0.08)}" width="6" height="${r(lh * 0.92)}" fill="${t.accent}"/>`);
    const dim = hi.size > 0 && !lit;
    const runs = highlightLine(line)
      .map((run) => `<tspan fill="${colour[run.role]}"${run.role === "kw" ? ' font-weight="700"' : ""}>${esc(run.text)}</tspan>`)
      .join("");
    out.push(
      `<text x="${r(box.x + padX)}" y="${r(y + lh * 0.74)}" font-family="${esc(t.mono)}" font-size="${size}" xml:space="preserve"${dim ? ' opacity="0.55"' : ""}>` +
        `<tspan fill="${t.muted}">${String(i + 1).padStart(gutter, " ")} </tspan>${runs}</text>`,
    );
  });
  return out.join("");
}

/** Build-up steps of a listing. */
export function stSteps(v: StVisual): number {
  return Math.max(1, v.steps.length);
}
