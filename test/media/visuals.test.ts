import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { Visual } from "../../shared/visual.ts";
import { visualSteps, visualSvg } from "../../worker/media/visuals/index.ts";
import { rungPower } from "../../worker/media/visuals/ladder.ts";
import { FormulaError, layoutFormula } from "../../worker/media/visuals/formula.ts";
import { measureWith } from "../../worker/media/visuals/metrics.ts";
import { highlightLine } from "../../worker/media/visuals/st-code.ts";
import { formatTick, tickStep } from "../../worker/media/visuals/timing.ts";
import { fontFiles, metrics, theme } from "./visual-theme.ts";

const box = { x: 60, y: 60, width: 1000, height: 700 };

const sealIn = Visual.parse({
  kind: "ladder",
  rungs: [{ groups: [[[{ type: "no", tag: "Start" }], [{ type: "no", tag: "Motor" }]], [[{ type: "nc", tag: "Stop" }]], [[{ type: "coil", tag: "Motor" }]]] }],
  steps: [{ on: [] }, { on: ["Start"] }, { on: ["Motor"] }, { on: ["Motor", "Stop"] }],
});

function pixelsOf(svg: string): Buffer {
  return new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="1120" height="820">${svg}</svg>`, {
    font: { fontFiles, loadSystemFonts: false, defaultFontFamily: "Inter" },
  }).render().pixels;
}

describe("structured visuals", () => {
  it("a ladder rung energises its coil only through a closed path", () => {
    if (sealIn.kind !== "ladder") throw new Error("not a ladder");
    const coilPowered = (on: string[]) => rungPower(sealIn.rungs[0]!, new Set(on)).groupIn.at(-2)!;
    expect(coilPowered([])).toBe(false);
    expect(coilPowered(["Start"])).toBe(true);
    expect(coilPowered(["Motor"])).toBe(true); // the seal-in holds
    expect(coilPowered(["Motor", "Stop"])).toBe(false); // pressing Stop opens the NC contact
  });

  it("each build-up step of a ladder draws a different picture", () => {
    const frames = [0, 1, 2, 3].map((s) => pixelsOf(visualSvg(sealIn, box, s, theme)));
    expect(visualSteps(sealIn)).toBe(4);
    expect(frames[0]!.equals(frames[1]!)).toBe(false);
    expect(frames[2]!.equals(frames[3]!)).toBe(false);
  });

  it("typesets a power as a smaller raised digit and a product as ×, never as code", () => {
    const out: string[] = [];
    layoutFormula("P = I^2 * R", 100, theme).draw(0, 200, out);
    const svg = out.join("");
    expect(svg).not.toContain("^");
    expect(svg).not.toContain(">*<");
    expect(svg).toContain(">×<");
    const two = svg.match(/<text x="[\d.]+" y="([\d.]+)"[^>]*font-size="([\d.]+)"[^>]*>2</)!;
    expect(Number(two[2])).toBeLessThan(100);
    expect(Number(two[1])).toBeLessThan(200);
  });

  it("stacks a division as a fraction with a bar", () => {
    const out: string[] = [];
    const p = layoutFormula("I = V / R", 100, theme);
    p.draw(0, 200, out);
    expect(out.join("")).toMatch(/<rect [^>]*width=/);
    expect(p.asc + p.desc).toBeGreaterThan(150);
  });

  it("names the place a formula cannot be read", () => {
    expect(() => layoutFormula("P = I ^", 100, theme)).toThrow(FormulaError);
    expect(() => layoutFormula("P = I $ R", 100, theme)).toThrow(/character 7/);
  });

  it("highlights ST keywords, literals and comments", () => {
    const roles = highlightLine("IF Start THEN T1(PT := T#5s); END_IF (* go *)");
    expect(roles.find((r) => r.text === "IF")?.role).toBe("kw");
    expect(roles.find((r) => r.text.startsWith("T#5s"))?.role).toBe("literal");
    expect(roles.at(-1)?.role).toBe("comment");
  });

  it("labels a timing axis in the unit that reads best", () => {
    expect(tickStep(10_000)).toBe(2000);
    expect(formatTick(2000, 10_000)).toBe("2 s");
    expect(formatTick(250, 1000)).toBe("250 ms");
  });

  it("refuses a table row that does not match its header, and an edge to an unknown node", () => {
    const t = Visual.safeParse({ kind: "table", header: ["A", "B"], rows: [["0"]] });
    expect(t.success).toBe(false);
    expect(JSON.stringify(t.error?.issues)).toMatch(/row 1 has 1 cells; the header has 2/);
    const f = Visual.safeParse({ kind: "flow", nodes: [{ id: "a", label: "A" }], edges: [{ from: "a", to: "b" }] });
    expect(JSON.stringify(f.error?.issues)).toMatch(/node \\"b\\", which is not in nodes/);
  });

  it("measures text with the font's own advances", () => {
    const narrow = measureWith(metrics.sans, "iiii", 100);
    const wide = measureWith(metrics.sans, "MMMM", 100);
    expect(wide).toBeGreaterThan(narrow * 2.5);
    expect(measureWith(metrics.mono, "iiii", 100)).toBeCloseTo(measureWith(metrics.mono, "MMMM", 100), 5);
  });

  it("draws every kind inside its box with resvg", () => {
    const samples = [
      sealIn,
      { kind: "st", code: "Motor := (Start OR Motor) AND NOT Stop;", steps: [[1]] },
      { kind: "timing", durationMs: 5000, signals: [{ name: "IN", points: [[0, 0], [1000, 1]] }, { name: "Q", points: [[0, 0], [3000, 1]] }] },
      { kind: "formula", lines: ["V_out = V_in * R_2 / (R_1 + R_2)"], legend: [["R_1", "upper resistor"]] },
      { kind: "flow", nodes: [{ id: "a", label: "Read inputs" }, { id: "b", label: "Run program" }], edges: [{ from: "a", to: "b" }, { from: "b", to: "a" }] },
      { kind: "table", header: ["Address", "Tag"], rows: [["%I0.0", "Start"], ["%Q0.0", "Motor"]] },
    ].map((s) => Visual.parse(s));
    for (const v of samples) {
      const svg = visualSvg(v, box, visualSteps(v) - 1, theme);
      for (const m of svg.matchAll(/\bx="(-?[\d.]+)"/g)) {
        expect(Number(m[1]), `${v.kind} draws at x=${m[1]}`).toBeGreaterThanOrEqual(box.x - 1);
        expect(Number(m[1])).toBeLessThanOrEqual(box.x + box.width + 1);
      }
      expect(pixelsOf(svg).some((b) => b !== 0)).toBe(true);
    }
  });
});

describe("formula notation people type", () => {
  it("reads a lone x as a product and a number with its unit as one quantity", () => {
    const out: string[] = [];
    layoutFormula("24 V / 0.1 A = 240 ohms", 100, theme).draw(0, 200, out);
    const svg = out.join("");
    expect(svg).toContain(">Ω<");
    const mul: string[] = [];
    layoutFormula("V = I x R", 100, theme).draw(0, 200, mul);
    expect(mul.join("")).toContain(">×<");
    expect(mul.join("")).not.toContain(">x<");
  });
});

describe("renderer details a viewer would notice", () => {
  it("keeps the brackets of a grouped first factor, and a quantity's unit inside its fraction", () => {
    const grouped: string[] = [];
    layoutFormula("(a + b) * c", 100, theme).draw(0, 200, grouped);
    expect(grouped.join("")).toContain(">(<");
    const unit: string[] = [];
    const p = layoutFormula("24 V / 0.1 A", 100, theme);
    p.draw(0, 200, unit);
    // "A" is drawn below the bar (in the denominator), not beside the fraction on the baseline.
    const a = unit.join("").match(/<text x="[\d.]+" y="([\d.]+)"[^>]*>A</)!;
    expect(Number(a[1])).toBeGreaterThan(200);
  });

  it("counts long spans in whole minutes", () => {
    expect(tickStep(600_000)).toBe(120_000);
    expect(formatTick(240_000, 600_000)).toBe("4 min");
  });

  it("colours only columns of logic levels", () => {
    const v = Visual.parse({ kind: "table", header: ["CV", "Q"], rows: [["1", "0"], ["2", "1"]] });
    const svg = visualSvg(v, box, 1, theme);
    const greens = [...svg.matchAll(new RegExp(`fill="${theme.live}"[^>]*>([^<]*)<`, "g"))].map((m) => m[1]);
    expect(greens).toEqual(["1"]);
  });

  it("points arrows with orient=auto, which resvg honours", () => {
    const v = Visual.parse({ kind: "flow", direction: "down", nodes: [{ id: "a", label: "A" }, { id: "b", label: "B" }], edges: [{ from: "a", to: "b" }] });
    expect(visualSvg(v, box, 1, theme)).toContain('orient="auto"');
  });
});

describe("boxes without arrows", () => {
  it("lays a set of parts out as a grid that fills the box, not a column at its edge", () => {
    const v = Visual.parse({ kind: "flow", nodes: ["Power supply", "CPU", "Input modules", "Output modules"].map((label, i) => ({ id: `n${i}`, label })), edges: [] });
    const tall = { x: 0, y: 0, width: 900, height: 1000 };
    const xs = [...visualSvg(v, tall, 3, theme).matchAll(/<rect x="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(300);
  });
});

describe("timing diagrams in a small box (a thumbnail)", () => {
  const ton = Visual.parse({
    kind: "timing",
    durationMs: 12_000,
    signals: [{ name: "IN", kind: "bool", points: [[0, 0], [1000, 1], [3000, 0], [4000, 1], [10_000, 0]] }],
    markers: [{ t: 9000, label: "ET = PT: Q true" }, { t: 9500, label: "IN false: reset" }, { t: 9800, label: "third label" }],
  });
  const small = { x: 0, y: 0, width: 420, height: 300 };
  const labelsOf = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

  it("puts only as many ticks as their labels fit side by side", () => {
    const ticks = labelsOf(visualSvg(ton, small, 0, theme)).filter((l) => / s$/.test(l));
    expect(ticks.length).toBeLessThanOrEqual(4);
    expect(labelsOf(visualSvg(ton, { x: 0, y: 0, width: 1200, height: 500 }, 0, theme)).filter((l) => / s$/.test(l)).length).toBeGreaterThan(ticks.length);
  });

  it("moves a marker label that would overlap one row down, and leaves out what fits nowhere", () => {
    const svg = visualSvg(ton, small, 0, theme);
    const markers = [...svg.matchAll(/<text x="([\d.]+)" y="([\d.]+)"[^>]*>(ET = PT: Q true|IN false: reset|third label)<\/text>/g)];
    expect(markers.map((m) => m[3])).toEqual(["ET = PT: Q true", "IN false: reset"]);
    expect(new Set(markers.map((m) => m[2])).size).toBe(2);
    // Every dashed marker line is still drawn.
    expect(svg.match(/stroke-dasharray="10 8"/g)).toHaveLength(3);
  });
});
