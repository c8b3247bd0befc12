/**
 * Text widths from the font files themselves (cmap + hmtx tables), so diagrams and formulas are
 * laid out with the advances resvg will draw, not guessed ones. Only what layout needs is read:
 * the BMP character map (format 4) and horizontal advances.
 */
import { readFileSync } from "node:fs";

/** Advance width of each BMP code point in em units (1 = the font size). */
export interface FontMetrics {
  advance(codePoint: number): number;
}

/** Reads `file`'s advances. Throws a plain Error naming the file when a table is missing. */
export function readMetrics(file: string): FontMetrics {
  const b = readFileSync(file);
  const tables = new Map<string, number>();
  const n = b.readUInt16BE(4);
  for (let i = 0; i < n; i++) tables.set(b.toString("ascii", 12 + i * 16, 16 + i * 16), b.readUInt32BE(12 + i * 16 + 8));
  const need = (tag: string) => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`${file} has no ${tag} table: it cannot be measured`);
    return off;
  };
  const unitsPerEm = b.readUInt16BE(need("head") + 18);
  const numHMetrics = b.readUInt16BE(need("hhea") + 34);
  const hmtx = need("hmtx");
  const advanceOfGlyph = (g: number) => b.readUInt16BE(hmtx + 4 * Math.min(g, numHMetrics - 1)) / unitsPerEm;
  // Find the Windows Unicode BMP subtable (3,1) in format 4.
  const cmap = need("cmap");
  let sub = -1;
  for (let i = 0; i < b.readUInt16BE(cmap + 2); i++) {
    const rec = cmap + 4 + i * 8;
    const off = cmap + b.readUInt32BE(rec + 4);
    if (b.readUInt16BE(off) === 4 && (b.readUInt16BE(rec) === 3 || b.readUInt16BE(rec) === 0)) sub = off;
  }
  if (sub < 0) throw new Error(`${file} has no Unicode BMP character map`);
  const segX2 = b.readUInt16BE(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const ranges = deltas + segX2;
  const cache = new Map<number, number>();
  const glyphOf = (cp: number): number => {
    for (let s = 0; s < segX2; s += 2) {
      if (b.readUInt16BE(ends + s) < cp) continue;
      const start = b.readUInt16BE(starts + s);
      if (start > cp) return 0;
      const delta = b.readInt16BE(deltas + s);
      const ro = b.readUInt16BE(ranges + s);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = b.readUInt16BE(ranges + s + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const fallback = advanceOfGlyph(glyphOf(0x6e)); // "n"
  return {
    advance(cp: number): number {
      let a = cache.get(cp);
      if (a === undefined) {
        const g = cp <= 0xffff ? glyphOf(cp) : 0;
        a = g === 0 ? fallback : advanceOfGlyph(g);
        cache.set(cp, a);
      }
      return a;
    },
  };
}

/** Width of `text` at `size` pixels with `m`. */
export function measureWith(m: FontMetrics, text: string, size: number): number {
  let w = 0;
  for (const ch of text) w += m.advance(ch.codePointAt(0)!);
  return w * size;
}
