/**
 * Block and flow diagrams: boxes in layers by their longest path from a source (a scan cycle
 * reads inputs → runs the program → writes outputs), arrows between them, revealed node by node.
 * A cycle back to an earlier node is drawn as a return arrow under the row.
 */
import type { FlowVisual } from "../../../shared/visual.ts";
import { type Box, type VisualTheme, fitSize, r, text, textWidth } from "./theme.ts";

/** Layer of each node: the longest chain of forward edges leading to it (back edges ignored). */
function layers(v: FlowVisual): Map<string, number> {
  const order = new Map(v.nodes.map((n, i) => [n.id, i]));
  const layer = new Map(v.nodes.map((n) => [n.id, 0]));
  // Edges that go to an earlier-listed node close a loop; they do not push layers.
  const forward = v.edges.filter((e) => order.get(e.to)! > order.get(e.from)!);
  for (let pass = 0; pass < v.nodes.length; pass++) {
    for (const e of forward) layer.set(e.to, Math.max(layer.get(e.to)!, layer.get(e.from)! + 1));
  }
  return layer;
}

/** Wraps `label` into at most 3 lines of about `chars` characters. */
function lines(label: string, chars: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const w of label.split(/\s+/)) {
    if (cur && (cur + " " + w).length > chars) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  return out;
}

/** SVG of the diagram with the first `step + 1` nodes (and the edges between them) shown. */
export function flowSvg(v: FlowVisual, box: Box, step: number, t: VisualTheme): string {
  // Boxes without arrows are a set of parts, not a flow: a grid that fills the box, in rows.
  const grid = v.edges.length === 0;
  const perRow = Math.max(1, Math.round(Math.sqrt((v.nodes.length * box.width) / Math.max(1, box.height))));
  const layer = grid ? new Map(v.nodes.map((n, i) => [n.id, Math.floor(i / perRow)])) : layers(v);
  const nLayers = Math.max(...layer.values()) + 1;
  const byLayer: string[][] = Array.from({ length: nLayers }, () => []);
  for (const n of v.nodes) byLayer[layer.get(n.id)!]!.push(n.id);
  const across = !grid && v.direction === "right";
  const mainLen = across ? box.width : box.height;
  const crossLen = across ? box.height - 70 : box.width;
  const maxInLayer = Math.max(...byLayer.map((l) => l.length));
  const slot = mainLen / nLayers;
  const nodeMain = Math.min(340, slot * 0.72);
  const nodeCross = Math.min(220, (crossLen / maxInLayer) * 0.7);
  const nodeW = across ? nodeMain : Math.min(520, crossLen / maxInLayer * 0.8);
  const nodeH = across ? nodeCross : Math.min(150, nodeMain);
  const chars = Math.max(8, Math.floor(nodeW / 20));
  // At most three lines a node: a longer label gets longer lines and a smaller size, never overflow.
  const wrapped = new Map(v.nodes.map((n) => {
    const first = lines(n.label, chars);
    return [n.id, first.length <= 3 ? first : lines(n.label, Math.ceil(n.label.length / 3) + 2)];
  }));
  const maxLines = Math.max(...[...wrapped.values()].map((l) => l.length));
  const size = Math.min(fitSize([...wrapped.values()].flat(), nodeW - 24, 40, 14, "bold", t), nodeH / (maxLines * 1.25 + 0.6));
  const pos = new Map<string, { cx: number; cy: number }>();
  byLayer.forEach((ids, li) => {
    ids.forEach((id, k) => {
      const main = (across ? box.x : box.y) + slot * (li + 0.5);
      const cross = (across ? box.y : box.x) + (crossLen / ids.length) * (k + 0.5);
      pos.set(id, across ? { cx: main, cy: cross } : { cx: cross, cy: main });
    });
  });
  const visible = new Set(v.nodes.slice(0, step + 1).map((n) => n.id));
  const order = new Map(v.nodes.map((n, i) => [n.id, i]));
  const labels: { x: number; y: number; text: string; anchor: "middle" | "start" }[] = [];
  const out: string[] = [
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${t.muted}"/></marker></defs>`,
  ];
  for (const e of v.edges) {
    if (!visible.has(e.from) || !visible.has(e.to)) continue;
    const a = pos.get(e.from)!, b = pos.get(e.to)!;
    const back = order.get(e.to)! <= order.get(e.from)!;
    let d: string;
    let mid: { x: number; y: number };
    if (back && across) {
      const low = Math.max(a.cy, b.cy) + nodeH / 2 + 50;
      d = `M${r(a.cx)},${r(a.cy + nodeH / 2)} L${r(a.cx)},${r(low)} L${r(b.cx)},${r(low)} L${r(b.cx)},${r(b.cy + nodeH / 2 + 4)}`;
      mid = { x: (a.cx + b.cx) / 2, y: low - 10 };
    } else if (back) {
      const side = Math.max(a.cx, b.cx) + nodeW / 2 + 50;
      d = `M${r(a.cx + nodeW / 2)},${r(a.cy)} L${r(side)},${r(a.cy)} L${r(side)},${r(b.cy)} L${r(b.cx + nodeW / 2 + 4)},${r(b.cy)}`;
      mid = { x: side + 10, y: (a.cy + b.cy) / 2 };
    } else if (across) {
      d = `M${r(a.cx + nodeW / 2)},${r(a.cy)} L${r(b.cx - nodeW / 2 - 4)},${r(b.cy)}`;
      mid = { x: (a.cx + b.cx) / 2, y: (a.cy + b.cy) / 2 - 14 };
    } else {
      d = `M${r(a.cx)},${r(a.cy + nodeH / 2)} L${r(b.cx)},${r(b.cy - nodeH / 2 - 4)}`;
      mid = { x: (a.cx + b.cx) / 2 + 14, y: (a.cy + b.cy) / 2 + 8 };
    }
    out.push(`<path d="${d}" fill="none" stroke="${t.muted}" stroke-width="4" marker-end="url(#arrow)"/>`);
    if (e.label) labels.push({ ...mid, text: e.label, anchor: across ? "middle" : "start" });
  }
  v.nodes.forEach((n, i) => {
    if (!visible.has(n.id)) return;
    const { cx, cy } = pos.get(n.id)!;
    const newest = i === Math.min(step, v.nodes.length - 1);
    out.push(`<rect x="${r(cx - nodeW / 2)}" y="${r(cy - nodeH / 2)}" width="${r(nodeW)}" height="${r(nodeH)}" rx="16" fill="${t.panel}" stroke="${newest ? t.accent : t.muted}" stroke-width="${newest ? 5 : 3}"/>`);
    const ls = wrapped.get(n.id)!;
    ls.forEach((l, k) => {
      const y = cy + (k - (ls.length - 1) / 2) * size * 1.2 + size * 0.35;
      out.push(text(cx, y, l, size, t.text, t.sansBold, 'text-anchor="middle" font-weight="700"'));
    });
  });
  // Edge labels last, on a plate of the slide's panel colour, so neither boxes nor lines cover them.
  for (const l of labels) {
    const w = textWidth(l.text, 24, "sans", t) + 16;
    const x = l.anchor === "middle" ? l.x - w / 2 : l.x;
    out.push(`<rect x="${r(x)}" y="${r(l.y - 22)}" width="${r(w)}" height="30" rx="6" fill="${t.panel}" fill-opacity="0.9"/>`);
    out.push(text(x + 8, l.y, l.text, 24, t.muted, t.sans));
  }
  return out.join("");
}

/** Build-up steps: one per node. */
export function flowSteps(v: FlowVisual): number {
  return v.nodes.length;
}
