/**
 * Ladder rungs drawn as a PLC editor shows them: two rails, contacts and coils on wires, parallel
 * branches. At each build-up step the tags that are TRUE make power flow from the left rail, and
 * every wire, contact and coil that carries it is drawn lit, so the eye follows the current.
 */
import type { LadderElement, LadderRung, LadderVisual } from "../../../shared/visual.ts";
import { type Box, type VisualTheme, fitSize, r, text } from "./theme.ts";

const OUTPUTS = new Set(["coil", "set", "reset"]);

/** Whether an element passes power when `on` holds the TRUE tags. Coils pass power to the rail. */
export function conducts(e: LadderElement, on: ReadonlySet<string>): boolean {
  if (e.type === "no" || e.type === "box") return on.has(e.tag);
  if (e.type === "nc") return !on.has(e.tag);
  return true;
}

/** Power at the left of each group and after the last one, for one rung. */
export function rungPower(rung: LadderRung, on: ReadonlySet<string>): { groupIn: boolean[]; branchLive: boolean[][][] } {
  let power = true;
  const groupIn: boolean[] = [];
  const branchLive: boolean[][][] = [];
  for (const group of rung.groups) {
    groupIn.push(power);
    const live = group.map((branch) => {
      let p = power;
      return branch.map((e) => {
        const before = p;
        p = p && conducts(e, on);
        return before;
      });
    });
    branchLive.push(live);
    power = group.some((branch, i) => live[i]!.length > 0 && live[i]![branch.length - 1]! && conducts(branch[branch.length - 1]!, on));
  }
  groupIn.push(power);
  return { groupIn, branchLive };
}

/** SVG of the ladder at build-up step `step` (0-based; clamped to the steps given). */
export function ladderSvg(v: LadderVisual, box: Box, step: number, t: VisualTheme): string {
  const on = new Set(v.steps.length ? v.steps[Math.min(step, v.steps.length - 1)]!.on : []);
  const note = v.steps.length ? v.steps[Math.min(step, v.steps.length - 1)]!.note : undefined;
  const out: string[] = [];
  const pad = 28;
  const left = box.x + pad;
  const right = box.x + box.width - pad;
  const branchH = 150;
  const heights = v.rungs.map((rg) => Math.max(...rg.groups.map((g) => g.length)) * branchH + (rg.comment ? 44 : 0) + 10);
  const noteH = note ? 70 : 0;
  const total = heights.reduce((a, b) => a + b, 0);
  const scale = Math.min(1, (box.height - noteH - 20) / total);
  const cellsPerRung = v.rungs.map((rg) => rg.groups.reduce((n, g) => n + Math.max(...g.map((b) => b.length)), 0));
  const cellW = Math.min(230, (right - left - 40) / Math.max(...cellsPerRung));
  const tags = v.rungs.flatMap((rg) => rg.groups.flat(2).map((e) => e.tag));
  const tagSize = fitSize(tags, cellW - 16, 30 * Math.max(scale, 0.7), 16, "mono", t);
  let y = box.y + 20 + Math.max(0, (box.height - noteH - 20 - total * scale) / 2);
  const railTop = y - 10;
  for (const [i, rung] of v.rungs.entries()) {
    const h = heights[i]! * scale;
    if (rung.comment) out.push(text(left + 20, y + 24 * scale, rung.comment, 24 * Math.max(scale, 0.75), t.muted, t.sans));
    const wireY = y + (rung.comment ? 44 * scale : 0) + 62 * scale;
    out.push(...drawRung(rung, on, left, right, wireY, branchH * scale, cellW, tagSize, t, Math.max(0.6, scale)));
    y += h;
  }
  const railColour = t.live;
  out.unshift(
    `<line x1="${r(left)}" y1="${r(railTop)}" x2="${r(left)}" y2="${r(y - 40 * scale)}" stroke="${railColour}" stroke-width="7"/>`,
    `<line x1="${r(right)}" y1="${r(railTop)}" x2="${r(right)}" y2="${r(y - 40 * scale)}" stroke="${t.muted}" stroke-width="7"/>`,
  );
  if (note) out.push(text(box.x + box.width / 2, box.y + box.height - 24, note, 30, t.accent, t.sansBold, 'text-anchor="middle" font-weight="700"'));
  return out.join("");
}

function drawRung(rung: LadderRung, on: ReadonlySet<string>, left: number, right: number, wireY: number, branchDy: number, cellW: number, tagSize: number, t: VisualTheme, k: number): string[] {
  const out: string[] = [];
  const { groupIn, branchLive } = rungPower(rung, on);
  const colour = (live: boolean) => (live ? t.live : t.muted);
  const width = (live: boolean) => (live ? 6 : 4);
  // Outputs hang on the right rail; everything else runs from the left.
  const lastIsOutput = rung.groups.length > 1 && rung.groups[rung.groups.length - 1]!.every((b) => b.every((e) => OUTPUTS.has(e.type)));
  let x = left;
  for (const [gi, group] of rung.groups.entries()) {
    const cells = Math.max(...group.map((b) => b.length));
    const isOut = lastIsOutput && gi === rung.groups.length - 1;
    const gx = isOut ? right - cells * cellW : x;
    if (isOut && gx > x) out.push(wire(x, wireY, gx, wireY, colour(groupIn[gi]!), width(groupIn[gi]!)));
    const gw = cells * cellW;
    const outLive = groupIn[gi + 1]!;
    for (const [bi, branch] of group.entries()) {
      const by = wireY + bi * branchDy;
      const live = branchLive[gi]![bi]!;
      const branchOut = live[branch.length - 1]! && conducts(branch[branch.length - 1]!, on);
      if (bi > 0) {
        out.push(wire(gx, by - branchDy, gx, by, colour(groupIn[gi]!), width(groupIn[gi]!)));
        out.push(wire(gx + gw, by - branchDy, gx + gw, by, colour(branchOut), width(branchOut)));
      }
      branch.forEach((e, ei) => {
        const cx = gx + ei * cellW + cellW / 2;
        out.push(...element(e, cx, by, cellW, live[ei]!, conducts(e, on) && live[ei]!, tagSize, t, k));
      });
      // A short branch is wired through to the group's right edge.
      const endX = gx + branch.length * cellW;
      if (endX < gx + gw) out.push(wire(endX, by, gx + gw, by, colour(branchOut), width(branchOut)));
    }
    x = gx + gw;
    if (gi === rung.groups.length - 1 && x < right) out.push(wire(x, wireY, right, wireY, colour(outLive), width(outLive)));
  }
  return out;
}

function wire(x1: number, y1: number, x2: number, y2: number, stroke: string, w: number): string {
  return `<line x1="${r(x1)}" y1="${r(y1)}" x2="${r(x2)}" y2="${r(y2)}" stroke="${stroke}" stroke-width="${w}" stroke-linecap="round"/>`;
}

function element(e: LadderElement, cx: number, y: number, cellW: number, powered: boolean, passes: boolean, tagSize: number, t: VisualTheme, k = 1): string[] {
  const inC = powered ? t.live : t.muted;
  const outC = passes ? t.live : t.muted;
  const out: string[] = [];
  const half = cellW / 2;
  const sym = 22;
  const label = (s: string, dy: number, size: number, fill: string, family: string) =>
    text(cx, y + dy, s, size, fill, family, 'text-anchor="middle"');
  if (e.type === "no" || e.type === "nc") {
    out.push(wire(cx - half, y, cx - sym / 2 - 4, y, inC, powered ? 6 : 4), wire(cx + sym / 2 + 4, y, cx + half, y, outC, passes ? 6 : 4));
    const c = passes ? t.live : t.text;
    out.push(`<line x1="${r(cx - sym / 2)}" y1="${r(y - 26)}" x2="${r(cx - sym / 2)}" y2="${r(y + 26)}" stroke="${c}" stroke-width="6"/>`);
    out.push(`<line x1="${r(cx + sym / 2)}" y1="${r(y - 26)}" x2="${r(cx + sym / 2)}" y2="${r(y + 26)}" stroke="${c}" stroke-width="6"/>`);
    if (e.type === "nc") out.push(`<line x1="${r(cx - sym)}" y1="${r(y + 24)}" x2="${r(cx + sym)}" y2="${r(y - 24)}" stroke="${c}" stroke-width="5"/>`);
    if (passes) out.push(`<rect x="${r(cx - sym / 2)}" y="${r(y - 3)}" width="${sym}" height="6" fill="${t.live}"/>`);
  } else if (e.type === "box") {
    const bw = Math.min(cellW - 30, 120);
    out.push(wire(cx - half, y, cx - bw / 2, y, inC, powered ? 6 : 4), wire(cx + bw / 2, y, cx + half, y, outC, passes ? 6 : 4));
    out.push(`<rect x="${r(cx - bw / 2)}" y="${r(y - 32)}" width="${r(bw)}" height="64" rx="8" fill="${passes ? t.live : "none"}" fill-opacity="${passes ? 0.25 : 0}" stroke="${passes ? t.live : t.text}" stroke-width="4"/>`);
    out.push(label(e.label ?? "", 10, 26, t.text, t.sansBold));
  } else {
    const rad = 26;
    out.push(wire(cx - half, y, cx - rad, y, inC, powered ? 6 : 4), wire(cx + rad, y, cx + half, y, inC, powered ? 6 : 4));
    out.push(`<circle cx="${r(cx)}" cy="${r(y)}" r="${rad}" fill="${powered ? t.live : "none"}" fill-opacity="${powered ? 0.3 : 0}" stroke="${powered ? t.live : t.text}" stroke-width="5"/>`);
    if (e.type !== "coil") out.push(label(e.type === "set" ? "S" : "R", 9, 26, t.text, t.sansBold));
  }
  // Symbols, tags and labels shrink with the rung when a tall ladder is scaled to fit.
  out.push(label(e.tag, -42 * k, tagSize, passes || (OUTPUTS.has(e.type) && powered) ? t.live : t.text, t.mono));
  if (e.label && e.type !== "box") out.push(label(e.label, 62 * k, Math.min(24 * k, tagSize), t.muted, t.sans));
  return out;
}

/** Build-up steps of a ladder: one per listed state, at least one. */
export function ladderSteps(v: LadderVisual): number {
  return Math.max(1, v.steps.length);
}
