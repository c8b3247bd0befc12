import { Resvg } from "@resvg/resvg-js";
import { beforeAll, describe, expect, it } from "vitest";
import type { PLCAtom } from "../../shared/models.ts";
import { type LadderVisual, type TimingVisual, Visual } from "../../shared/visual.ts";
import { writeOffline } from "../../worker/agents/offline.ts";
import { visualSteps, visualSvg } from "../../worker/media/visuals/index.ts";
import { rungPower } from "../../worker/media/visuals/ladder.ts";
import type { KnowledgeBase } from "../../worker/pipeline/types.ts";
import { inputFor, starterKb } from "./helpers.ts";
import { fontFiles, theme } from "../media/visual-theme.ts";

const box = { x: 40, y: 40, width: 1000, height: 760 };

let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await starterKb();
});

const withVisuals = () => kb.atoms.filter((a) => a.visuals?.length);
const entries = () => withVisuals().flatMap((a) => a.visuals!.map((v, i) => ({ atom: a, at: `${a.id} visuals[${i}] "${v.section}"`, ...v })));

function visualOf(atom: PLCAtom | undefined, section: string): Visual {
  const v = atom?.visuals?.find((e) => e.section === section)?.visual;
  if (!v) throw new Error(`no visual for "${section}" in ${atom?.id}`);
  return v;
}
function ladder(id: string, section: string): LadderVisual {
  const v = visualOf(kb.atoms.find((a) => a.id === id), section);
  if (v.kind !== "ladder") throw new Error(`${id} "${section}" is a ${v.kind}, not a ladder`);
  return v;
}
function timing(id: string, section: string): TimingVisual {
  const v = visualOf(kb.atoms.find((a) => a.id === id), section);
  if (v.kind !== "timing") throw new Error(`${id} "${section}" is a ${v.kind}, not a timing diagram`);
  return v;
}
/** Whether the coil at the end of the rung is powered at each step, beside the step's note. */
function coilByStep(v: LadderVisual, rung = 0): [string | undefined, boolean][] {
  return v.steps.map((s) => [s.note, rungPower(v.rungs[rung]!, new Set(s.on)).groupIn.at(-2)!]);
}
/** Times at which a BOOL signal changes to `level`. */
function changesTo(v: TimingVisual, name: string, level: 0 | 1): number[] {
  const s = v.signals.find((x) => x.name === name);
  if (!s) throw new Error(`no signal ${name}`);
  const out: number[] = [];
  s.points.forEach(([t, val], i) => {
    const before = i === 0 ? 0 : s.points[i - 1]![1];
    if (val === level && before !== level) out.push(t);
  });
  return out;
}
/** Value of a signal at `t` (the last point at or before it). */
function valueAt(v: TimingVisual, name: string, t: number): number {
  const pts = v.signals.find((x) => x.name === name)!.points.filter(([pt]) => pt <= t);
  return pts.at(-1)![1];
}

describe("the diagrams of the starter knowledge base", () => {
  it("gives most atoms a diagram and uses every kind of diagram", () => {
    expect(withVisuals().length).toBeGreaterThanOrEqual(15);
    const kinds = new Set(entries().map((e) => e.visual.kind));
    expect([...kinds].sort()).toEqual(["flow", "formula", "ladder", "st", "table", "timing"]);
  });

  it("parses every atom visual against the Visual contract", () => {
    for (const e of entries()) {
      const r = Visual.safeParse(e.visual);
      expect(r.success, `${e.at}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
  });

  it("names a ## heading of its own atom exactly, once per section", () => {
    for (const a of withVisuals()) {
      const headings = [...a.body.matchAll(/^##\s+(.+?)\s*$/gm)].map((m) => m[1]);
      const sections = a.visuals!.map((v) => v.section);
      for (const s of sections) expect(headings, `${a.id}: "${s}"`).toContain(s);
      expect(new Set(sections).size, a.id).toBe(sections.length);
    }
  });

  it("reaches the offline script's section it names", () => {
    for (const a of withVisuals()) {
      const script = writeOffline(inputFor(kb, a.id), "h");
      for (const v of a.visuals!) {
        const section = script.sections.find((s) => s.heading === v.section);
        expect(section?.visual, `${a.id}: "${v.section}"`).toEqual(v.visual);
      }
    }
  });

  it("draws every step of every atom visual inside its box, and resvg renders the ladder states and the full pictures", () => {
    for (const e of entries()) {
      const last = visualSteps(e.visual) - 1;
      for (let step = 0; step <= last; step++) {
        const svg = visualSvg(e.visual, box, step, theme);
        for (const m of svg.matchAll(/\bx="(-?[\d.]+)"/g)) {
          expect(Number(m[1]), `${e.at} step ${step} draws at x=${m[1]}`).toBeGreaterThanOrEqual(box.x - 1);
          expect(Number(m[1]), `${e.at} step ${step} draws at x=${m[1]}`).toBeLessThanOrEqual(box.x + box.width + 1);
        }
        // Earlier steps of the other kinds show a part of the last picture; rendering it is enough.
        if (e.visual.kind !== "ladder" && step < last) continue;
        const doc = `<svg xmlns="http://www.w3.org/2000/svg" width="1080" height="840">${svg}</svg>`;
        const pixels = new Resvg(doc, { font: { fontFiles, loadSystemFonts: false, defaultFontFamily: "Inter" } }).render().pixels;
        expect(pixels.some((b) => b !== 0), `${e.at} step ${step} is blank`).toBe(true);
      }
    }
  });
});

describe("what the ladder diagrams teach", () => {
  it("seals in the motor after Start is released and drops it when Stop is pressed", () => {
    expect(coilByStep(ladder("seal-in-circuit", "The rung"))).toEqual([
      ["Nothing pressed: Motor is off", false],
      ["Start pressed: the coil Motor turns on", true],
      ["Motor's own contact closes the branch", true],
      ["Start released: the seal holds", true],
      ["Stop pressed: Stop_OK is 0, the rung opens", false],
      ["Stop released: Motor stays off", false],
    ]);
  });

  it("keeps the motor off when Start and Stop are pressed together", () => {
    expect(coilByStep(ladder("seal-in-circuit", "Stop wins"))).toEqual([["Start and Stop pressed together: Motor off", false]]);
  });

  it("holds the contactor in through its auxiliary contact until the overload opens 95-96", () => {
    expect(coilByStep(ladder("three-wire-motor-control", "The hard-wired original")).map(([, on]) => on)).toEqual([false, true, true, false]);
  });

  it("runs the stop rung only while the normally closed stop button is released", () => {
    expect(coilByStep(ladder("normally-closed-stop-buttons", "The classic confusion")).map(([, on]) => on)).toEqual([true, false]);
  });

  it("shows series as AND, parallel as OR and a normally closed contact as AND NOT", () => {
    const v = ladder("contacts-and-coils", "AND and OR");
    const table = v.steps.map((s) => v.rungs.map((_, r) => rungPower(v.rungs[r]!, new Set(s.on)).groupIn.at(-2)));
    const truth = v.steps.map((s) => {
      const a = s.on.includes("A"), b = s.on.includes("B");
      return [a && b, a || b, a && !b];
    });
    expect(table).toEqual(truth);
  });
});

describe("what the timing diagrams teach", () => {
  it("turns TON's Q on PT after IN rises, with ET ramping to PT, and resets on a short IN", () => {
    const v = timing("ton-timer", "The IEC 61131-3 TON block");
    const pt = 5000; // T#5s, the atom's example preset
    const rises = changesTo(v, "IN", 1);
    const [qOn] = changesTo(v, "Q", 1);
    expect(qOn! - rises.at(-1)!).toBe(pt);
    expect(valueAt(v, "ET (s)", qOn!) * 1000).toBe(pt);
    expect(changesTo(v, "Q", 0)).toEqual([changesTo(v, "IN", 0).at(-1)]);
    // The first IN pulse is shorter than PT: Q stays off and ET returns to zero when IN falls.
    expect(changesTo(v, "IN", 0)[0]! - rises[0]!).toBeLessThan(pt);
    expect(valueAt(v, "ET (s)", changesTo(v, "IN", 0)[0]!)).toBe(0);
  });

  it("keeps TOF's Q on for PT after IN falls", () => {
    const v = timing("tof-timer", "The IEC 61131-3 TOF block");
    const pt = 2 * 60_000; // the atom's two-minute cooling fan
    expect(changesTo(v, "Q", 1)).toEqual(changesTo(v, "IN", 1));
    expect(changesTo(v, "Q", 0)[0]! - changesTo(v, "IN", 0)[0]!).toBe(pt);
    expect(valueAt(v, "ET (s)", changesTo(v, "Q", 0)[0]!) * 1000).toBe(pt);
  });

  it("makes TP's pulse exactly PT long however long IN stays on", () => {
    const v = timing("tof-timer", "The third standard timer");
    const [on] = changesTo(v, "Q", 1), [off] = changesTo(v, "Q", 0);
    expect(on).toBe(changesTo(v, "IN", 1)[0]);
    expect(off! - on!).toBe(2 * 60_000);
    expect(changesTo(v, "IN", 0)[0]!).toBeGreaterThan(off!);
  });

  it("counts each rising edge of CU once and sets Q when CV reaches PV", () => {
    const v = timing("plc-counters", "The IEC 61131-3 counters");
    const edges = changesTo(v, "CU", 1);
    edges.forEach((t, i) => expect(valueAt(v, "CV", t), `edge ${i + 1}`).toBe(i + 1));
    expect(changesTo(v, "Q (PV = 3)", 1)).toEqual([edges[2]]);
    const [reset] = changesTo(v, "R", 1);
    expect(valueAt(v, "CV", reset!)).toBe(0);
    expect(changesTo(v, "Q (PV = 3)", 0)).toEqual([reset]);
  });
});
