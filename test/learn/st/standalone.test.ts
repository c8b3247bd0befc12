import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileProgram, runStandalone } from "../../../worker/learn/st/index.ts";

const SEAL_IN = `PROGRAM SealIn
VAR_INPUT Start : BOOL; Stop : BOOL; END_VAR
VAR_OUTPUT Motor : BOOL; Lamp : BOOL; Running_for : TIME; END_VAR
VAR T1 : TON; Starts : INT; Edge : R_TRIG; END_VAR
Motor := (Start OR Motor) AND NOT Stop;
T1(IN := Motor, PT := T#200ms, Q => Lamp, ET => Running_for);
Edge(CLK := Start);
IF Edge.Q THEN Starts := Starts + 1; END_IF;
END_PROGRAM`;

describe("runStandalone", () => {
  const p = compileProgram(SEAL_IN, "seal.st");
  const run = runStandalone(p, {
    cycleMs: 10,
    forMs: 500,
    sets: [
      { name: "Start", value: true, atMs: 100 },
      { name: "Start", value: false, atMs: 105 }, // applies before the scan at 110
      { name: "Stop", value: true, atMs: 400 },
    ],
  });
  it("reports declared values before the first scan for every VAR_OUTPUT and VAR, not VAR_INPUT", () => {
    expect(run.initial).toEqual({ Motor: false, Lamp: false, Running_for: 0, Starts: 0 });
  });
  it("lists a change each time a value at the end of a scan differs from before it, stamped with the scan's start", () => {
    const motor = run.changes.filter((c) => c.var !== "Running_for");
    expect(motor).toEqual([
      { t: 100, var: "Motor", value: true },
      { t: 100, var: "Starts", value: 1 },
      { t: 300, var: "Lamp", value: true },
      { t: 400, var: "Motor", value: false },
      { t: 400, var: "Lamp", value: false },
    ]);
    const et = run.changes.filter((c) => c.var === "Running_for");
    expect(et[0]).toEqual({ t: 110, var: "Running_for", value: 10 });
    expect(et.at(-1)).toEqual({ t: 400, var: "Running_for", value: 0 });
    expect(et.find((c) => c.t === 300)).toEqual({ t: 300, var: "Running_for", value: 200 });
    expect(et.find((c) => c.t === 310)).toBeUndefined(); // ET stopped at PT: no change
  });
  it("reports the values after the last scan (t < forMs) as final", () => {
    expect(run.final).toEqual({ Motor: false, Lamp: false, Running_for: 0, Starts: 1 });
  });
  it("gives identical results on every run", () => {
    const src = readFileSync(new URL("./fixtures/sorter.st", import.meta.url), "utf8");
    const opts = {
      cycleMs: 10,
      forMs: 20_000,
      sets: [
        { name: "Start", value: true, atMs: 100 },
        { name: "Start", value: false, atMs: 200 },
        { name: "Pallet_sensor", value: true, atMs: 1000 },
        { name: "High_sensor", value: true, atMs: 1100 },
        { name: "Pallet_sensor", value: false, atMs: 1500 },
        { name: "High_sensor", value: false, atMs: 1500 },
        { name: "At_left_exit", value: true, atMs: 3000 },
        { name: "At_left_exit", value: false, atMs: 3200 },
      ],
    };
    const a = runStandalone(compileProgram(src, "sorter.st"), opts);
    const b = runStandalone(compileProgram(src, "sorter.st"), opts);
    expect(a).toEqual(b);
    expect(a.final).toMatchObject({ Counter: 1, Tall_count: 1, Short_count: 0 });
  });
  it("refuses an unknown or non-input name before running anything", () => {
    expect(() => runStandalone(p, { cycleMs: 10, forMs: 100, sets: [{ name: "Strat", value: true, atMs: 0 }] })).toThrow('no variable "Strat" in this program');
    expect(() => runStandalone(p, { cycleMs: 10, forMs: 100, sets: [{ name: "Motor", value: true, atMs: 0 }] })).toThrow('"Motor" is a VAR_OUTPUT, not a VAR_INPUT');
    expect(() => runStandalone(p, { cycleMs: 10, forMs: 100, sets: [{ name: "Start", value: 1, atMs: 0 }] })).toThrow('input "Start" is BOOL: expected true or false, got 1');
    expect(() => runStandalone(p, { cycleMs: 0, forMs: 100 })).toThrow("the cycle must be a positive duration");
  });
});

describe("ProgramInstance", () => {
  const p = compileProgram(SEAL_IN, "seal.st");
  it("lists inputs and outputs with their types and declared values", () => {
    expect(p.inputs.map((v) => `${v.name}:${v.type}`)).toEqual(["Start:BOOL", "Stop:BOOL"]);
    expect(p.outputs.map((v) => `${v.name}:${v.type}:${v.initial}`)).toEqual(["Motor:BOOL:false", "Lamp:BOOL:false", "Running_for:TIME:0"]);
  });
  it("keeps instances independent", () => {
    const a = p.createInstance();
    const b = p.createInstance();
    a.setInput("start", true);
    a.scan(0);
    b.scan(0);
    expect([a.get("Motor"), b.get("Motor")]).toEqual([true, false]);
  });
  it("refuses a scan time that goes back", () => {
    const a = p.createInstance();
    a.scan(100);
    expect(() => a.scan(50)).toThrow("scan time must be a finite number that never goes back");
  });
});
