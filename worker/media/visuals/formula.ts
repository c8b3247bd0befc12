/**
 * Formulas typeset for real from a small plain notation: `^` raises, `_` lowers, `/` stacks a
 * fraction, `*` becomes ×, `sqrt(x)` a radical, Greek names their letters. "P = I^2 * R" is drawn
 * P = I² × R with a true superscript, not the code-style text a viewer would have to decode.
 */
import type { FormulaVisual } from "../../../shared/visual.ts";
import { type Box, type VisualTheme, r, text, textWidth } from "./theme.ts";

/** A laid-out piece: its width, height above and depth below the baseline, and how to draw it. */
interface Piece {
  w: number;
  asc: number;
  desc: number;
  draw(x: number, baseline: number, out: string[]): void;
}

const GREEK: Record<string, string> = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", Delta: "Δ", theta: "θ", lambda: "λ", mu: "μ",
  ohm: "Ω", ohms: "Ω", pi: "π", rho: "ρ", sigma: "σ", Sigma: "Σ", tau: "τ", phi: "φ", omega: "ω", Omega: "Ω", eta: "η",
};

/** A formula the notation cannot read; the message says where. */
export class FormulaError extends Error {
  override name = "FormulaError";
}

type Tok = { kind: "num" | "id" | "op"; text: string; at: number };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  const re = /\s*(?:(\d+(?:[.,]\d+)?)|([A-Za-z\u0370-\u03ff][A-Za-z0-9\u0370-\u03ff]*(?:_(?:\{[^}]*\}|[A-Za-z0-9]+))?)|(<=|>=|[-+*/^=()×·÷%<>≈]))/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m || m[0].length === 0) {
      if (/^\s*$/.test(src.slice(pos))) break;
      const at = pos + (src.slice(pos).match(/^\s*/)![0].length);
      throw new FormulaError(`cannot read "${src.slice(at, at + 8)}" at character ${at + 1} of "${src}"`);
    }
    const at = pos + m[0].length - (m[1] ?? m[2] ?? m[3] ?? "").length;
    if (m[1]) toks.push({ kind: "num", text: m[1], at });
    // A lone "x" between terms is the multiplication sign people type ("V = I x R").
    else if (m[2] === "x" || m[2] === "X") toks.push({ kind: "op", text: "*", at });
    else if (m[2]) toks.push({ kind: "id", text: m[2], at });
    else toks.push({ kind: "op", text: m[3]!, at });
    pos = re.lastIndex;
  }
  return toks;
}

/** Lays out one formula line at font size `size`. Throws {@link FormulaError}. */
export function layoutFormula(src: string, size: number, t: VisualTheme): Piece {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const take = (s?: string) => {
    const tk = toks[i];
    if (!tk || (s !== undefined && tk.text !== s)) throw new FormulaError(`expected "${s ?? "a term"}" ${tk ? `at character ${tk.at + 1}` : "at the end"} of "${src}"`);
    i++;
    return tk;
  };
  const glyph = (s: string, sz: number, colour = t.text, face: "sans" | "bold" = "sans"): Piece => ({
    w: textWidth(s, sz, face, t),
    asc: sz * 0.74,
    desc: sz * 0.22,
    draw: (x, b, out) => out.push(text(x, b, s, sz, colour, face === "bold" ? t.sansBold : t.sans)),
  });
  const row = (items: Piece[], gap = 0): Piece => ({
    w: items.reduce((a, p) => a + p.w, 0) + gap * Math.max(0, items.length - 1),
    asc: Math.max(0, ...items.map((p) => p.asc)),
    desc: Math.max(0, ...items.map((p) => p.desc)),
    draw: (x, b, out) => {
      let cx = x;
      for (const p of items) {
        p.draw(cx, b, out);
        cx += p.w + gap;
      }
    },
  });
  const opGlyph = (s: string, sz: number) => {
    const shown = s === "*" || s === "·" ? "×" : s === "<=" ? "≤" : s === ">=" ? "≥" : s === "-" ? "−" : s;
    const g = glyph(shown, sz, s === "=" ? t.accent : t.text);
    return { ...g, w: g.w + sz * 0.5, draw: (x: number, b: number, out: string[]) => g.draw(x + sz * 0.25, b, out) };
  };
  const ident = (name: string, sz: number): Piece => {
    const [base, subRaw] = name.split(/_(.*)/s) as [string, string | undefined];
    const main = glyph(GREEK[base] ?? base, sz);
    if (!subRaw) return main;
    const sub = glyph(subRaw.replace(/^\{|\}$/g, ""), sz * 0.62, t.text);
    return {
      w: main.w + sub.w + sz * 0.04,
      asc: main.asc,
      desc: Math.max(main.desc, sz * 0.28 + sub.desc),
      draw: (x, b, out) => {
        main.draw(x, b, out);
        sub.draw(x + main.w + sz * 0.04, b + sz * 0.28, out);
      },
    };
  };
  const stripParens = (p: { piece: Piece; inner?: Piece }) => p.inner ?? p.piece;

  function expr(sz: number, stop = new Set([")"])): Piece {
    const items: Piece[] = [term(sz)];
    for (let tk = peek(); tk && !stop.has(tk.text); tk = peek()) {
      if (!["+", "-", "=", "<", ">", "<=", ">=", "≈"].includes(tk.text)) throw new FormulaError(`unexpected "${tk.text}" at character ${tk.at + 1} of "${src}"`);
      i++;
      items.push(opGlyph(tk.text, sz), term(sz));
    }
    return row(items);
  }
  function term(sz: number): Piece {
    // Parentheses are dropped only where a fraction's bar already groups its parts.
    let parts: { piece: Piece; inner?: Piece }[] = [power(sz)];
    const thin = (): { piece: Piece } => ({ piece: { w: sz * 0.18, asc: 0, desc: 0, draw: () => {} } });
    for (let tk = peek(); tk && (["*", "×", "·", "/", "÷", "("].includes(tk.text) || tk.kind !== "op"); tk = peek()) {
      // Juxtaposition ("2 pi f") is a product written without a sign: a thin space.
      if (tk.kind !== "op" || tk.text === "(") {
        parts.push(thin(), power(sz));
        continue;
      }
      i++;
      if (tk.text === "/" || tk.text === "÷") {
        const den = stripParens(power(sz * 0.9));
        const num = parts.length === 1 ? stripParens(parts[0]!) : row(parts.map((p) => p.piece));
        parts = [{ piece: fraction(num, den, sz) }];
      } else {
        parts.push({ piece: opGlyph("*", sz) }, power(sz));
      }
    }
    return row(parts.map((p) => p.piece));
  }
  function fraction(num: Piece, den: Piece, sz: number): Piece {
    const w = Math.max(num.w, den.w) + sz * 0.3;
    const axis = sz * 0.3;
    const gap = sz * 0.14;
    return {
      w,
      asc: axis + gap + num.desc + num.asc,
      desc: Math.max(0, gap + den.asc + den.desc - axis),
      draw: (x, b, out) => {
        const bar = b - axis;
        num.draw(x + (w - num.w) / 2, bar - gap - num.desc, out);
        den.draw(x + (w - den.w) / 2, bar + gap + den.asc, out);
        out.push(`<rect x="${r(x)}" y="${r(bar - sz * 0.03)}" width="${r(w)}" height="${r(Math.max(3, sz * 0.06))}" fill="${t.text}"/>`);
      },
    };
  }
  function power(sz: number): { piece: Piece; inner?: Piece } {
    const base = atom(sz);
    if (peek()?.text !== "^") return base;
    i++;
    const exp = stripParens(power(sz * 0.62));
    const b = base.piece;
    return {
      piece: {
        w: b.w + exp.w + sz * 0.04,
        asc: Math.max(b.asc, sz * 0.42 + exp.asc),
        desc: b.desc,
        draw: (x, bl, out) => {
          b.draw(x, bl, out);
          exp.draw(x + b.w + sz * 0.04, bl - sz * 0.42, out);
        },
      },
    };
  }
  function atom(sz: number): { piece: Piece; inner?: Piece } {
    const tk = take();
    if (tk.kind === "num") {
      // A number and its unit ("0.1 A", "240 ohms") are one quantity: a fraction bar never splits them.
      const unit = peek();
      if (unit?.kind === "id" && toks[i + 1]?.text !== "(" && toks[i + 1]?.text !== "^") {
        i++;
        return { piece: row([glyph(tk.text, sz), { w: sz * 0.2, asc: 0, desc: 0, draw: () => {} }, ident(unit.text, sz)]) };
      }
      return { piece: glyph(tk.text, sz) };
    }
    if (tk.kind === "id" && tk.text === "sqrt" && peek()?.text === "(") {
      take("(");
      const inner = expr(sz);
      take(")");
      const w = inner.w + sz * 0.7;
      return {
        piece: {
          w,
          asc: inner.asc + sz * 0.2,
          desc: inner.desc,
          draw: (x, b, out) => {
            const top = b - inner.asc - sz * 0.12;
            out.push(`<path d="M${r(x)},${r(b - sz * 0.3)} L${r(x + sz * 0.15)},${r(b - sz * 0.38)} L${r(x + sz * 0.32)},${r(b + inner.desc)} L${r(x + sz * 0.55)},${r(top)} L${r(x + w)},${r(top)}" fill="none" stroke="${t.text}" stroke-width="${r(sz * 0.06)}"/>`);
            inner.draw(x + sz * 0.62, b, out);
          },
        },
      };
    }
    if (tk.kind === "id") return { piece: ident(tk.text, sz) };
    if (tk.text === "(") {
      const inner = expr(sz);
      take(")");
      const l = glyph("(", sz), rp = glyph(")", sz);
      return { piece: row([l, inner, rp]), inner };
    }
    if (tk.text === "-") {
      const inner = power(sz);
      return { piece: row([glyph("−", sz), inner.piece]) };
    }
    throw new FormulaError(`unexpected "${tk.text}" at character ${tk.at + 1} of "${src}"`);
  }
  const piece = expr(size, new Set());
  if (i < toks.length) throw new FormulaError(`unexpected "${toks[i]!.text}" at character ${toks[i]!.at + 1} of "${src}"`);
  return piece;
}

/** SVG of the formulas (centred, sized to fit) and their legend. */
export function formulaSvg(v: FormulaVisual, box: Box, step: number, t: VisualTheme): string {
  const out: string[] = [`<rect x="${r(box.x)}" y="${r(box.y)}" width="${r(box.width)}" height="${r(box.height)}" rx="18" fill="${t.panel}"/>`];
  const shown = v.lines.slice(0, Math.min(v.lines.length, step + 1));
  // Lay out every line (shown or not) and the legend at one trial size, then scale all of it to
  // the box: the picture must not jump as lines appear, and a small box shrinks the legend too.
  const trial = 100;
  const all = v.lines.map((l) => layoutFormula(l, trial, t));
  const linesH = all.reduce((a, p) => a + (p.asc + p.desc) * 1.3, 0);
  const legendRow = 0.8 * trial;
  const legendH = v.legend.length ? v.legend.length * legendRow + 0.4 * trial : 0;
  const widest = Math.max(...all.map((p) => p.w));
  const k = Math.min(1.2, (box.width - 80) / widest, (box.height - 40) / (linesH + legendH));
  const size = trial * k;
  const heights = all.map((p) => (p.asc + p.desc) * 1.3 * k);
  // The shown lines are centred in the formulas' share of the box (one size for every step, so
  // nothing resizes as lines appear; the lines move up to make room instead).
  const shownH = heights.slice(0, shown.length).reduce((a, b) => a + b, 0);
  const area = box.height - 40 - legendH * k;
  let y = box.y + 20 + Math.max(0, (area - shownH) / 2);
  shown.forEach((l, i) => {
    const p = layoutFormula(l, size, t);
    p.draw(box.x + (box.width - p.w) / 2, y + (heights[i]! - (p.asc + p.desc)) / 2 + p.asc, out);
    y += heights[i]!;
  });
  y = box.y + 20 + area + 0.4 * trial * k;
  const legendSize = Math.max(16, 0.5 * trial * k);
  const symWidth = Math.max(...v.legend.map(([sym]) => layoutFormula(sym, legendSize, t).w), 0);
  const legendX = box.x + (box.width - (symWidth + legendSize + Math.max(...v.legend.map(([, m]) => t.measure?.(m, legendSize * 0.9, "sans") ?? m.length * legendSize * 0.5), 0))) / 2;
  for (const [sym, meaning] of v.legend) {
    const row = legendRow * k;
    layoutFormula(sym, legendSize, t).draw(legendX, y + row * 0.7, out);
    out.push(text(legendX + symWidth + legendSize, y + row * 0.7, meaning, legendSize * 0.9, t.muted, t.sans));
    y += row;
  }
  return out.join("");
}

/** Build-up steps: one per formula line. */
export function formulaSteps(v: FormulaVisual): number {
  return v.lines.length;
}
