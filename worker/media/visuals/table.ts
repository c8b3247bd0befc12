/**
 * Small tables (truth tables, I/O addressing) with a header band, revealed row by row. Column
 * widths follow their content and the type size shrinks to fit, so no cell is cut.
 */
import type { TableVisual } from "../../../shared/visual.ts";
import { type Box, type VisualTheme, r, text, textWidth } from "./theme.ts";

/** SVG of the table with the header and the first `step + 1` rows shown. */
export function tableSvg(v: TableVisual, box: Box, step: number, t: VisualTheme): string {
  const cols = v.header.length;
  const rowH = Math.min(86, box.height / (v.rows.length + 1));
  let size = Math.min(36, rowH * 0.46);
  const need = (sz: number) =>
    Array.from({ length: cols }, (_, c) => Math.max(textWidth(v.header[c]!, sz, "bold", t), ...v.rows.map((row) => textWidth(row[c] ?? "", sz, "mono", t))) + sz * 1.4);
  let widths = need(size);
  const total = widths.reduce((a, b) => a + b, 0);
  if (total > box.width) {
    size *= box.width / total;
    widths = need(size);
  }
  const spare = (box.width - widths.reduce((a, b) => a + b, 0)) / cols;
  widths = widths.map((w) => w + Math.max(0, spare));
  const xs = widths.map((_, c) => box.x + widths.slice(0, c).reduce((a, b) => a + b, 0));
  const top = box.y + Math.max(0, (box.height - rowH * (v.rows.length + 1)) / 2);
  const out: string[] = [`<rect x="${r(box.x)}" y="${r(top)}" width="${r(box.width)}" height="${r(rowH)}" rx="12" fill="${t.accent}" fill-opacity="0.9"/>`];
  v.header.forEach((h, c) => out.push(text(xs[c]! + widths[c]! / 2, top + rowH * 0.62, h, size, "#0b1120", t.sansBold, 'text-anchor="middle" font-weight="700"')));
  // Only a column of logic levels is coloured (a truth table), never counts or sizes that happen to be 1.
  const logic = v.header.map((_, c) => v.rows.every((row) => /^(0|1|TRUE|FALSE|ON|OFF)$/i.test(row[c] ?? "")));
  v.rows.slice(0, step + 1).forEach((row, i) => {
    const y = top + rowH * (i + 1);
    if (i % 2 === 0) out.push(`<rect x="${r(box.x)}" y="${r(y)}" width="${r(box.width)}" height="${r(rowH)}" fill="${t.panel}"/>`);
    if (i === step) out.push(`<rect x="${r(box.x)}" y="${r(y)}" width="8" height="${r(rowH)}" fill="${t.accent}"/>`);
    row.forEach((cell, c) => {
      const lit = logic[c]! && /^(1|TRUE|ON)$/i.test(cell);
      out.push(text(xs[c]! + widths[c]! / 2, y + rowH * 0.62, cell, size, lit ? t.live : t.text, t.mono, 'text-anchor="middle"'));
    });
  });
  return out.join("");
}

/** Build-up steps: one per row. */
export function tableSteps(v: TableVisual): number {
  return v.rows.length;
}
