/**
 * A timing diagram of one run as SVG, pure: BOOL tags as square waves, INT tags as steps with
 * their values, REAL tags as steps scaled to their own range, a time axis, and markers (scenario
 * events, criterion checks) as labelled vertical lines. Plain SVG 1.1 with no CSS or scripts, so
 * browsers, GitHub and resvg all render it the same.
 */

/** One tag's values over the run. */
export interface TimingSignal {
  /** The scene's tag name ("Conveyor entry"). */
  name: string;
  type: string;
  direction?: "input" | "output";
  /** Value before the first scan. */
  initial: boolean | number;
  /** Each change, oldest first: the value from `t` (simulated ms) on. */
  changes: { t: number; value: boolean | number }[];
}

/** A labelled moment: a scenario event or a criterion. */
export interface TimingMarker {
  t: number;
  label: string;
  /** "event" (operator action, part arriving) or a criterion: "pass" / "fail". */
  kind: "event" | "pass" | "fail";
}

/** What the diagram is drawn from. */
export interface TimingTrace {
  durationMs: number;
  signals: TimingSignal[];
  markers: TimingMarker[];
}

const WIDTH = 1100;
const LABEL_W = 190;
const RIGHT = 20;
const TOP = 70;
const BOOL_H = 26;
const NUM_H = 46;
const AXIS_H = 34;
const FONT = "DejaVu Sans, Arial, Helvetica, sans-serif";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v: boolean | number) => (typeof v === "boolean" ? (v ? 1 : 0) : v);
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(Math.abs(n) < 10 ? 2 : 1));

/** A "nice" tick step (1, 2, 5 × 10^k ms) giving about `target` ticks over `span`. */
export function tickStep(span: number, target = 10): number {
  const raw = Math.max(span, 1) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

const timeLabel = (ms: number) => (ms >= 1000 || ms === 0 ? `${Number((ms / 1000).toFixed(2))} s` : `${ms} ms`);

/** The value of a signal as steps: [t, value] from 0 to the end, one point per change. */
function steps(s: TimingSignal, end: number): [number, number][] {
  const out: [number, number][] = [[0, num(s.initial)]];
  for (const c of s.changes) if (c.t >= 0 && c.t <= end) out.push([c.t, num(c.value)]);
  return out;
}

/** Renders the diagram. `title` goes on top (the task's title and verdict). */
export function timingDiagramSvg(trace: TimingTrace, title: string): string {
  const end = Math.max(trace.durationMs, 1);
  const plotW = WIDTH - LABEL_W - RIGHT;
  const x = (t: number) => LABEL_W + (Math.min(Math.max(t, 0), end) / end) * plotW;
  const rows: string[] = [];
  let y = TOP;
  trace.signals.forEach((s, i) => {
    const isBool = s.type === "BOOL";
    const h = isBool ? BOOL_H : NUM_H;
    const top = y + 4;
    const bottom = y + h - 6;
    if (i % 2 === 0) rows.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${h}" fill="#f4f6f8"/>`);
    const arrow = s.direction === "input" ? "→ " : s.direction === "output" ? "← " : "";
    rows.push(`<text x="8" y="${y + h / 2 + 4}" font-size="12" fill="#1f2933">${esc(arrow + s.name)}</text>`);
    const pts = steps(s, end);
    if (isBool) {
      let d = "";
      let fill = "";
      pts.forEach(([t, v], k) => {
        const yy = v ? top : bottom;
        d += k === 0 ? `M${x(t).toFixed(1)},${yy}` : `H${x(t).toFixed(1)}V${yy}`;
        const next = pts[k + 1]?.[0] ?? end;
        if (v) fill += `<rect x="${x(t).toFixed(1)}" y="${top}" width="${Math.max(0, x(next) - x(t)).toFixed(1)}" height="${bottom - top}" fill="#2f9e44" fill-opacity="0.18"/>`;
      });
      d += `H${x(end).toFixed(1)}`;
      rows.push(fill, `<path d="${d}" fill="none" stroke="#2f9e44" stroke-width="1.6"/>`);
    } else {
      const values = pts.map(([, v]) => v);
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      const span = hi - lo || 1;
      const yv = (v: number) => (bottom - ((v - lo) / span) * (bottom - top)).toFixed(1);
      // Steps for every type: a value holds until it changes (a REAL that changes every scan reads as a line).
      let d = "";
      pts.forEach(([t, v], k) => (d += k === 0 ? `M${x(t).toFixed(1)},${yv(v)}` : `H${x(t).toFixed(1)}V${yv(v)}`));
      d += `H${x(end).toFixed(1)}`;
      rows.push(`<path d="${d}" fill="none" stroke="#1c7ed6" stroke-width="1.6"/>`);
      rows.push(`<text x="${LABEL_W - 6}" y="${top + 9}" font-size="9" fill="#52606d" text-anchor="end">${esc(fmt(hi))}</text>`);
      rows.push(`<text x="${LABEL_W - 6}" y="${bottom}" font-size="9" fill="#52606d" text-anchor="end">${esc(fmt(lo))}</text>`);
      // Integer values written on their steps while there is room for them.
      if (s.type !== "REAL") {
        let lastX = -Infinity;
        for (const [t, v] of pts) {
          if (x(t) - lastX < 22) continue;
          rows.push(`<text x="${(x(t) + 2).toFixed(1)}" y="${Number(yv(v)) - 3}" font-size="9" fill="#1c7ed6">${esc(fmt(v))}</text>`);
          lastX = x(t);
        }
      }
    }
    y += h;
  });
  const plotBottom = y;
  const axis: string[] = [`<line x1="${LABEL_W}" y1="${plotBottom}" x2="${x(end)}" y2="${plotBottom}" stroke="#52606d"/>`];
  const step = tickStep(end);
  for (let t = 0; t <= end + 1e-9; t += step) {
    axis.push(`<line x1="${x(t).toFixed(1)}" y1="${TOP}" x2="${x(t).toFixed(1)}" y2="${plotBottom + 4}" stroke="#cbd2d9" stroke-width="0.6"/>`);
    axis.push(`<text x="${x(t).toFixed(1)}" y="${plotBottom + 17}" font-size="11" fill="#52606d" text-anchor="middle">${timeLabel(t)}</text>`);
  }
  axis.push(`<text x="${LABEL_W + plotW / 2}" y="${plotBottom + 31}" font-size="11" fill="#52606d" text-anchor="middle">simulated time</text>`);
  const colour = { event: "#7b61ff", pass: "#2f9e44", fail: "#e03131" } as const;
  // Markers are numbered on the plot and listed under the axis: labels of close events would overlap.
  const marks: string[] = [];
  const sorted = [...trace.markers].sort((a, b) => a.t - b.t);
  const laneEnd = [-Infinity, -Infinity, -Infinity];
  sorted.forEach((m, i) => {
    const mx = x(m.t);
    const free = laneEnd.findIndex((end) => mx - end >= 16);
    const lane = free < 0 ? i % laneEnd.length : free;
    laneEnd[lane] = mx;
    const ny = TOP - 26 + lane * 9;
    marks.push(`<line x1="${mx.toFixed(1)}" y1="${ny + 2}" x2="${mx.toFixed(1)}" y2="${plotBottom}" stroke="${colour[m.kind]}" stroke-width="1" stroke-dasharray="4 3"/>`);
    marks.push(`<text x="${(mx + 2).toFixed(1)}" y="${ny}" font-size="9" fill="${colour[m.kind]}">${i + 1}</text>`);
  });
  const COLS = 4;
  const colW = (WIDTH - 16) / COLS;
  const listTop = plotBottom + AXIS_H + 8;
  sorted.forEach((m, i) => {
    const cx = 8 + (i % COLS) * colW;
    const cy = listTop + Math.floor(i / COLS) * 14;
    marks.push(`<text x="${cx.toFixed(1)}" y="${cy}" font-size="10" fill="${colour[m.kind]}">${i + 1}  ${esc(timeLabel(m.t))}  ${esc(m.label.slice(0, 40))}</text>`);
  });
  const height = listTop + Math.ceil(sorted.length / COLS) * 14 + 4;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold" fill="#1f2933">${esc(title)}</text>`,
    `<text x="8" y="34" font-size="10" fill="#52606d">→ input (plant to program)   ← output (program to plant)   <tspan fill="${colour.event}">┆ n: scenario event n (listed below)</tspan>   <tspan fill="${colour.pass}">┆ criterion</tspan>   <tspan fill="${colour.fail}">┆ violation</tspan></text>`,
    ...rows,
    ...axis,
    ...marks,
    `</svg>`,
  ].join("\n");
}
