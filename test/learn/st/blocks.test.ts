import { describe, expect, it } from "vitest";
import { type StValue, compileProgram } from "../../../worker/learn/st/index.ts";
import { program } from "./helpers.ts";

/**
 * Drives one block instance through scans at given times with given inputs and reads its
 * outputs after each scan. `inputs(t)` gives the block's inputs for the scan at t.
 */
function drive(block: string, call: string, outputs: string[], times: number[], inputs: (t: number) => Record<string, StValue>) {
  const names = Object.keys(inputs(0));
  const decls = `VAR_INPUT ${names.map((n) => `${n} : ${typeof inputs(0)[n] === "boolean" ? "BOOL" : n.startsWith("PT") ? "TIME" : "INT"};`).join(" ")} END_VAR VAR B : ${block}; END_VAR`;
  const p = compileProgram(program(decls, `B(${call});`), "blocks.st");
  const i = p.createInstance();
  return times.map((t) => {
    for (const [k, v] of Object.entries(inputs(t))) i.setInput(k, v);
    i.scan(t);
    return Object.fromEntries(outputs.map((o) => [o, i.get(`B.${o}`)]));
  });
}

const every10ms = (from: number, to: number) => Array.from({ length: (to - from) / 10 + 1 }, (_, k) => from + k * 10);
const at = (times: number[], rows: Record<string, StValue>[], t: number) => rows[times.indexOf(t)]!;

describe("TON", () => {
  const times = every10ms(0, 2600);
  // IN rises at 0, stays up until 2500.
  const rows = drive("TON", "IN := I, PT := PTv", ["Q", "ET"], times, (t) => ({ I: t < 2500, PTv: 2000 }));
  it("gives Q at the first scan with now - start >= PT: false at 1990 ms, true at 2000 ms (10 ms cycle)", () => {
    expect(at(times, rows, 1990)).toEqual({ Q: false, ET: 1990 });
    expect(at(times, rows, 2000)).toEqual({ Q: true, ET: 2000 });
  });
  it("stops ET at PT while IN stays TRUE, and clears both when IN falls", () => {
    expect(at(times, rows, 2490)).toEqual({ Q: true, ET: 2000 });
    expect(at(times, rows, 2500)).toEqual({ Q: false, ET: 0 });
  });
  it("restarts from zero when IN drops before PT", () => {
    const ts = every10ms(0, 400);
    const r = drive("TON", "IN := I, PT := PTv", ["Q", "ET"], ts, (t) => ({ I: t !== 100, PTv: 250 }));
    expect(at(ts, r, 240)).toEqual({ Q: false, ET: 130 });
    expect(at(ts, r, 350)).toEqual({ Q: false, ET: 240 });
    expect(at(ts, r, 360)).toEqual({ Q: true, ET: 250 });
  });
});

describe("TOF", () => {
  const times = every10ms(0, 1000);
  // IN is TRUE from 100 to 300; off delay 500 ms.
  const rows = drive("TOF", "IN := I, PT := PTv", ["Q", "ET"], times, (t) => ({ I: t >= 100 && t < 300, PTv: 500 }));
  it("is FALSE until IN first rises, then follows IN up at once", () => {
    expect(at(times, rows, 90)).toEqual({ Q: false, ET: 0 });
    expect(at(times, rows, 100)).toEqual({ Q: true, ET: 0 });
  });
  it("holds Q for PT after IN falls, then drops it with ET = PT", () => {
    expect(at(times, rows, 790)).toEqual({ Q: true, ET: 490 });
    expect(at(times, rows, 800)).toEqual({ Q: false, ET: 500 });
    expect(at(times, rows, 1000)).toEqual({ Q: false, ET: 500 });
  });
});

describe("TP", () => {
  const times = every10ms(0, 1000);
  // IN pulses at 0-50, again at 200-250 (during the pulse, ignored) and stays up from 600.
  const rows = drive("TP", "IN := I, PT := PTv", ["Q", "ET"], times, (t) => ({ I: t < 50 || (t >= 200 && t < 250) || t >= 600, PTv: 300 }));
  it("gives a pulse of exactly PT from the rising edge, whatever IN does meanwhile", () => {
    expect(at(times, rows, 0)).toEqual({ Q: true, ET: 0 });
    expect(at(times, rows, 290)).toEqual({ Q: true, ET: 290 });
    expect(at(times, rows, 300)).toEqual({ Q: false, ET: 0 });
  });
  it("starts a new pulse only on a new rising edge, and holds ET at PT while IN stays TRUE", () => {
    expect(at(times, rows, 600)).toEqual({ Q: true, ET: 0 });
    expect(at(times, rows, 900)).toEqual({ Q: false, ET: 300 });
    expect(at(times, rows, 1000)).toEqual({ Q: false, ET: 300 });
  });
});

describe("R_TRIG and F_TRIG", () => {
  const times = [0, 10, 20, 30, 40];
  const clk = [true, true, false, false, true];
  it("R_TRIG fires for one scan on each rising edge, including a CLK already TRUE on the first scan", () => {
    const rows = drive("R_TRIG", "CLK := C", ["Q"], times, (t) => ({ C: clk[t / 10]! }));
    expect(rows.map((r) => r.Q)).toEqual([true, false, false, false, true]);
  });
  it("F_TRIG fires for one scan on each falling edge, and not on a first scan with CLK FALSE", () => {
    const rows = drive("F_TRIG", "CLK := C", ["Q"], times, (t) => ({ C: clk[t / 10]! }));
    expect(rows.map((r) => r.Q)).toEqual([false, false, true, false, false]);
    const idle = drive("F_TRIG", "CLK := C", ["Q"], [0, 10], () => ({ C: false }));
    expect(idle.map((r) => r.Q)).toEqual([false, false]);
  });
});

describe("counters", () => {
  it("CTU counts rising edges of CU, sets Q at PV and clears on R", () => {
    const cu = [true, true, false, true, false, true, false, false];
    const r = [false, false, false, false, false, false, true, false];
    const times = cu.map((_, k) => k * 10);
    const rows = drive("CTU", "CU := U, R := Rst, PV := P", ["Q", "CV"], times, (t) => ({ U: cu[t / 10]!, Rst: r[t / 10]!, P: 3 }));
    expect(rows.map((x) => x.CV)).toEqual([1, 1, 1, 2, 2, 3, 0, 0]);
    expect(rows.map((x) => x.Q)).toEqual([false, false, false, false, false, true, false, false]);
  });
  it("CTD loads PV on LD and counts down to Q at zero", () => {
    const cd = [false, true, false, true, false, true, false, true];
    const times = cd.map((_, k) => k * 10);
    const rows = drive("CTD", "CD := D, LD := L, PV := P", ["Q", "CV"], times, (t) => ({ D: cd[t / 10]!, L: t === 0, P: 2 }));
    expect(rows.map((x) => x.CV)).toEqual([2, 1, 1, 0, 0, -1, -1, -2]);
    expect(rows.map((x) => x.Q)).toEqual([false, false, false, true, true, true, true, true]);
  });
  it("CTUD counts both ways, cancels simultaneous edges, and lets R win over LD", () => {
    const steps: Record<string, boolean>[] = [
      { U: true, D: false, Rst: false, L: false }, // +1 → 1
      { U: false, D: false, Rst: false, L: false },
      { U: true, D: true, Rst: false, L: false }, // both edges: no change
      { U: false, D: false, Rst: false, L: true }, // load PV = 2
      { U: false, D: true, Rst: false, L: false }, // -1 → 1
      { U: false, D: false, Rst: true, L: true }, // R beats LD → 0
    ];
    const times = steps.map((_, k) => k * 10);
    const rows = drive("CTUD", "CU := U, CD := D, R := Rst, LD := L, PV := P", ["QU", "QD", "CV"], times, (t) => ({ ...steps[t / 10]!, P: 2 }));
    expect(rows.map((x) => x.CV)).toEqual([1, 1, 1, 2, 1, 0]);
    expect(rows[3]).toEqual({ QU: true, QD: false, CV: 2 });
    expect(rows[5]).toEqual({ QU: false, QD: true, CV: 0 });
  });
  it("CTU stops at 32767 rather than wrapping", () => {
    const p = compileProgram(program("VAR C : CTU; k : DINT; END_VAR", "FOR k := 1 TO 33000 DO C(CU := TRUE); C(CU := FALSE); END_FOR;"), "c.st");
    const i = p.createInstance({ maxLoopIterations: 40_000 });
    i.scan(0);
    expect(i.get("C.CV")).toBe(32767);
  });
});

describe("bistables", () => {
  const rows = (block: string, call: string) =>
    drive(block, call, ["Q1"], [0, 10, 20, 30], (t) => ({ S: t === 0 || t === 20, Rr: t === 10 || t === 20 }));
  it("SR is set-dominant: Q1 stays TRUE when SET1 and RESET are both TRUE", () => {
    expect(rows("SR", "SET1 := S, RESET := Rr").map((r) => r.Q1)).toEqual([true, false, true, true]);
  });
  it("RS is reset-dominant: Q1 is FALSE when SET and RESET1 are both TRUE", () => {
    expect(rows("RS", "SET := S, RESET1 := Rr").map((r) => r.Q1)).toEqual([true, false, false, false]);
  });
});
