import { describe, expect, it } from "vitest";
import { A_TO_B, FromAToBPlant } from "../../../worker/learn/plants/from-a-to-b.ts";
import { Driver } from "./drive.ts";

const start = async () => new Driver(new FromAToBPlant()).start();

describe("built-in From A to B", () => {
  it("lets a waiting part in only while Emitter is on", async () => {
    const d = await start();
    await d.apply({ kind: "part", at: 0, part: "small-box" });
    await d.run(1000);
    expect(d.kinds()).toEqual([]);
    await d.out({ Emitter: true });
    await d.run(10);
    expect(d.events).toEqual([{ t: 1000, kind: "part-entered", partId: 1, detail: { part: "small-box" } }]);
    expect((await d.inputs())["At entry"]).toBe(true);
  });

  it("moves a part only while Conveyor runs, at 0.5 m/s", async () => {
    const d = await start();
    await d.apply({ kind: "part", at: 0, part: "tall-box" });
    await d.out({ Emitter: true, Remover: true });
    await d.run(5000);
    expect((await d.inputs())["At exit"]).toBe(false);
    await d.out({ Conveyor: true });
    // front from 0.6 m to the exit sensor at 3.8 m: 3.2 m at 0.5 m/s, seen within a step or two of 10 ms
    const took = await d.until("At exit", true);
    const exact = ((A_TO_B.atExit - 0.6) / A_TO_B.speed) * 1000;
    expect(took).toBeGreaterThanOrEqual(exact - 20);
    expect(took).toBeLessThanOrEqual(exact + 20);
  });

  it("spaces parts on the belt: the next one enters when the start of the belt is free", async () => {
    const d = await start();
    for (let i = 0; i < 3; i++) await d.apply({ kind: "part", at: 0, part: "small-box" });
    await d.out({ Emitter: true, Conveyor: true, Remover: true });
    await d.run(2000);
    expect(d.events.filter((e) => e.kind === "part-entered").map((e) => e.t)).toEqual([0, 1810]);
  });

  it("removes a part at B while Remover is on", async () => {
    const d = await start();
    await d.apply({ kind: "part", at: 0, part: "small-box" });
    await d.out({ Emitter: true, Conveyor: true, Remover: true });
    await d.run(8000);
    expect(d.events.at(-1)).toMatchObject({ kind: "part-removed", partId: 1, detail: { part: "small-box", exit: "end" } });
  });

  it("drops a part off the end when Remover is off", async () => {
    const d = await start();
    await d.apply({ kind: "part", at: 0, part: "small-box" });
    await d.out({ Emitter: true, Conveyor: true });
    await d.run(9000);
    expect(d.events.at(-1)).toMatchObject({ kind: "part-fell", partId: 1, detail: { where: "end", reason: "Remover was off" } });
  });

  it("refuses a part type the scene does not have and an output it does not have", async () => {
    const d = await start();
    await expect(d.apply({ kind: "part", at: 0, part: "pallet" })).rejects.toThrow(/no part type "pallet"; part types: small-box, tall-box/);
    await expect(d.out({ Conveyr: true })).rejects.toThrow(/"Conveyr" is not an output of scene from-a-to-b; outputs: "Conveyor"/);
  });
});
