import { describe, expect, it } from "vitest";
import { LevelControlPlant, TANK } from "../../../worker/learn/plants/level-control.ts";
import { Driver } from "./drive.ts";

const level = async (d: Driver) => (await d.inputs())["Level meter"] as number;

describe("built-in Level Control", () => {
  it("starts empty with the setpoint knob at 5 V", async () => {
    const d = await new Driver(new LevelControlPlant()).start();
    expect(await d.inputs()).toMatchObject({ "Level meter": 0, Setpoint: TANK.initialSetpointV, "Flow meter": 0 });
  });

  it("fills at 0.1 m³/s with the fill valve at 10 V: 1 V of level per 3 s", async () => {
    const d = await new Driver(new LevelControlPlant()).start();
    await d.out({ "Fill valve": 10 });
    await d.run(3000);
    expect(await level(d)).toBeCloseTo(1, 6);
    await d.out({ "Fill valve": 5 });
    await d.run(3000);
    expect(await level(d)).toBeCloseTo(1.5, 6);
  });

  it("drains through the discharge valve faster when the tank is fuller (Torricelli) and the flow meter shows it", async () => {
    const d = await new Driver(new LevelControlPlant()).start();
    await d.out({ "Fill valve": 10 });
    await d.run(31_000);
    expect(await level(d)).toBe(10);
    await d.out({ "Fill valve": 0, "Discharge valve": 10 });
    await d.run(10);
    const fullFlow = (await d.inputs())["Flow meter"] as number;
    expect(fullFlow).toBeCloseTo(10, 1); // 0.1 m³/s at a full tank = 10 V
    const before = await level(d);
    await d.run(1000);
    const dropHigh = before - (await level(d));
    await d.run(15_000);
    const mid = await level(d);
    await d.run(1000);
    expect(mid - (await level(d))).toBeLessThan(dropHigh);
  });

  it("opens a second drain on a disturbance and refuses unknown ones", async () => {
    const d = await new Driver(new LevelControlPlant()).start();
    await d.out({ "Fill valve": 10 });
    await d.run(15_000);
    await d.out({ "Fill valve": 0 });
    const before = await level(d);
    await d.apply({ kind: "disturbance", at: 15_000, name: "drain", value: 10 });
    await d.run(1000);
    expect(await level(d)).toBeLessThan(before);
    expect((await d.inputs())["Flow meter"]).toBe(0); // the meter is on the discharge valve's line only
    await expect(d.apply({ kind: "disturbance", at: 0, name: "leak", value: 1 })).rejects.toThrow(/one disturbance, "drain"/);
  });

  it("reports an overflow once when the tank fills to the top", async () => {
    const d = await new Driver(new LevelControlPlant()).start();
    await d.out({ "Fill valve": 10 });
    await d.run(40_000);
    expect(await level(d)).toBe(10);
    expect(d.events).toEqual([{ t: expect.any(Number), kind: "overflow", detail: { level: 3 } }]);
    expect(Math.abs(d.events[0]!.t - 30_000)).toBeLessThanOrEqual(10); // 3 m at 0.1 m/s
  });
});
