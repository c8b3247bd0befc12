import { describe, expect, it } from "vitest";
import { SortingByHeightBasicPlant } from "../../../worker/learn/plants/sorting-by-height-basic.ts";
import { Driver } from "./drive.ts";

/** A box of `type` waiting at the end of the entry conveyor (the transfer not loading). */
async function boxAtTransfer(type: "small-box" | "tall-box"): Promise<Driver> {
  const d = await new Driver(new SortingByHeightBasicPlant()).start();
  await d.apply({ kind: "part", at: 0, part: type });
  await d.out({ Emitter: true, "Conveyor entry": true, "Remover left": true, "Remover right": true });
  await d.run(10_000);
  return d;
}

describe("built-in Sorting by Height (Basic)", () => {
  it("stops a box at the transfer's edge while Load is off: the Pallet sensor sees it, Loaded does not", async () => {
    const d = await boxAtTransfer("small-box");
    expect(await d.inputs()).toMatchObject({ "Pallet sensor": true, Loaded: false });
  });

  it("tells heights apart: the Low sensor sees both boxes, the High sensor only the tall one", async () => {
    expect(await (await boxAtTransfer("small-box")).inputs()).toMatchObject({ "Low sensor": true, "High sensor": false });
    expect(await (await boxAtTransfer("tall-box")).inputs()).toMatchObject({ "Low sensor": true, "High sensor": true });
  });

  it("loads the waiting box onto the transfer with Load", async () => {
    const d = await boxAtTransfer("small-box");
    await d.out({ Load: true });
    await d.until("Loaded", true, 3000);
    expect((await d.inputs())["Pallet sensor"]).toBe(false);
  });

  it("moves a loaded box sideways onto the left conveyor, which carries it to the left remover", async () => {
    const d = await boxAtTransfer("tall-box");
    await d.out({ Load: true });
    await d.until("Loaded", true, 3000);
    await d.out({ Load: false, "Transf. left": true, "Conveyor left": true });
    await d.until("At left entry", true, 3000);
    await d.until("At left exit", true, 10_000);
    await d.run(2000);
    expect(d.events.at(-1)).toMatchObject({ kind: "part-removed", detail: { part: "tall-box", exit: "left" } });
  });

  it("pushes a loaded box back onto the entry conveyor with Unload", async () => {
    const d = await boxAtTransfer("small-box");
    await d.out({ Load: true });
    await d.until("Loaded", true, 3000);
    await d.out({ Load: false, "Conveyor entry": false, Unload: true });
    await d.until("Pallet sensor", true, 3000);
    expect((await d.inputs()).Loaded).toBe(false);
  });

  it("leaves a box on the transfer when both Transf. left and Transf. right are on", async () => {
    const d = await boxAtTransfer("small-box");
    await d.out({ Load: true });
    await d.until("Loaded", true, 3000);
    await d.out({ Load: false, "Transf. left": true, "Transf. right": true, "Conveyor left": true, "Conveyor right": true });
    await d.run(5000);
    expect(await d.inputs()).toMatchObject({ Loaded: true, "At left entry": false, "At right entry": false });
  });

  it("does not move a box sideways before it is fully on the transfer", async () => {
    const d = await boxAtTransfer("small-box");
    await d.out({ "Transf. right": true, "Conveyor right": true });
    await d.run(3000);
    expect(await d.inputs()).toMatchObject({ "Pallet sensor": true, "At right entry": false });
  });

  it("loses a box off the end of an exit conveyor whose remover is off", async () => {
    const d = await boxAtTransfer("small-box");
    await d.out({ Load: true, "Remover right": false });
    await d.until("Loaded", true, 3000);
    await d.out({ Load: false, "Transf. right": true, "Conveyor right": true });
    await d.run(12_000);
    expect(d.events.at(-1)).toMatchObject({ kind: "part-fell", detail: { where: "right-end", reason: "Remover right was off" } });
  });

  it("keeps a second box off the transfer while the first is on it", async () => {
    const d = await new Driver(new SortingByHeightBasicPlant()).start();
    await d.apply({ kind: "part", at: 0, part: "small-box" });
    await d.apply({ kind: "part", at: 0, part: "tall-box" });
    await d.out({ Emitter: true, "Conveyor entry": true, Load: true });
    await d.run(20_000);
    // first box loaded; the second waits at the edge although Load is still on
    expect(await d.inputs()).toMatchObject({ Loaded: true, "Pallet sensor": true, "High sensor": true });
  });
});
