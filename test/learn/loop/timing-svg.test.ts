import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { tickStep, timingDiagramSvg, type TimingTrace } from "../../../worker/learn/timing-svg.ts";

const trace: TimingTrace = {
  durationMs: 4000,
  signals: [
    { name: "Start", type: "BOOL", direction: "input", initial: false, changes: [{ t: 500, value: true }, { t: 700, value: false }] },
    { name: "Conveyor", type: "BOOL", direction: "output", initial: false, changes: [{ t: 510, value: true }] },
    { name: "Counter", type: "INT", direction: "output", initial: 0, changes: [{ t: 2000, value: 1 }] },
    { name: "Level & flow", type: "REAL", direction: "input", initial: 0.5, changes: [{ t: 1000, value: 2.5 }] },
  ],
  markers: [{ t: 500, label: "press Start", kind: "event" }],
};

describe("the timing diagram", () => {
  it("draws one row per tag with its name, and renders with resvg", () => {
    const svg = timingDiagramSvg(trace, "seal-in <test>");
    for (const name of ["Start", "Conveyor", "Counter", "Level &amp; flow", "press Start", "seal-in &lt;test&gt;"]) expect(svg).toContain(name);
    const image = new Resvg(svg).render();
    expect(image.width).toBe(1100);
    expect(image.height).toBeGreaterThan(4 * 26);
    expect(image.asPng().length).toBeGreaterThan(1000);
  });

  it("puts a square wave's edges at the change times", () => {
    const svg = timingDiagramSvg({ durationMs: 1000, signals: [trace.signals[0]!], markers: [] }, "t");
    // 0..1000 ms over 890 px from x=190: the rise at 500 ms is at x=635.
    expect(svg).toMatch(/H635\.0V/);
  });

  it("picks round tick steps", () => {
    expect(tickStep(4000)).toBe(500);
    expect(tickStep(20_000)).toBe(2000);
    expect(tickStep(60_000)).toBe(10_000);
  });
});
