import { describe, expect, it } from "vitest";
import { FromAToBPlant } from "../../../worker/learn/plants/from-a-to-b.ts";
import { SortingByHeightBasicPlant } from "../../../worker/learn/plants/sorting-by-height-basic.ts";
import { LevelControlPlant } from "../../../worker/learn/plants/level-control.ts";
import { Driver } from "./drive.ts";

describe("operator panel of the built-in scenes", () => {
  it("wires Start and Reset normally open, Stop and Emergency stop normally closed", async () => {
    const d = await new Driver(new FromAToBPlant()).start();
    expect(await d.inputs()).toMatchObject({ Start: false, Reset: false, Stop: true, "Emergency stop": true });
    await d.apply({ kind: "press", at: 0, tag: "Start", holdMs: 100 });
    await d.apply({ kind: "press", at: 0, tag: "Stop", holdMs: 100 });
    expect(await d.inputs()).toMatchObject({ Start: true, Stop: false });
  });

  it("releases a momentary button after holdMs of simulated time", async () => {
    const d = await new Driver(new FromAToBPlant()).start();
    await d.apply({ kind: "press", at: 0, tag: "Start", holdMs: 200 });
    await d.run(190);
    expect((await d.inputs()).Start).toBe(true);
    await d.run(10);
    expect((await d.inputs()).Start).toBe(false);
  });

  it("keeps a latching emergency stop pressed in until it is released, whatever holdMs says", async () => {
    const d = await new Driver(new FromAToBPlant()).start();
    await d.apply({ kind: "press", at: 0, tag: "Emergency stop", holdMs: 100 });
    await d.run(1000);
    expect((await d.inputs())["Emergency stop"]).toBe(false);
    await d.apply({ kind: "release", at: 1000, tag: "Emergency stop" });
    expect((await d.inputs())["Emergency stop"]).toBe(true);
  });

  it("turns the Auto/Manual selector as one switch: setting one input sets the other opposite", async () => {
    const d = await new Driver(new SortingByHeightBasicPlant()).start();
    expect(await d.inputs()).toMatchObject({ Auto: true, Manual: false });
    await d.apply({ kind: "set", at: 0, tag: "Manual", value: true });
    expect(await d.inputs()).toMatchObject({ Auto: false, Manual: true });
  });

  it("clamps an analog knob to its 0-10 V range", async () => {
    const d = await new Driver(new LevelControlPlant()).start();
    await d.apply({ kind: "set", at: 0, tag: "Setpoint", value: 12 });
    expect((await d.inputs()).Setpoint).toBe(10);
  });

  it("refuses to press something that is not a button, naming the buttons", async () => {
    const d = await new Driver(new FromAToBPlant()).start();
    await expect(d.apply({ kind: "press", at: 0, tag: "At exit", holdMs: 10 })).rejects.toThrow(/no such control.*"Start", "Stop", "Reset", "Emergency stop"/);
    await expect(d.apply({ kind: "set", at: 0, tag: "Start", value: true })).rejects.toThrow(/push button: press and release it/);
  });

  it("puts every control back at rest when the plant starts again", async () => {
    const p = new FromAToBPlant();
    const d = await new Driver(p).start();
    await d.apply({ kind: "press", at: 0, tag: "Emergency stop" });
    await p.start();
    expect((await d.inputs())["Emergency stop"]).toBe(true);
  });
});
