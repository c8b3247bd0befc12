import { afterEach, describe, expect, it } from "vitest";
import { startRig, type Rig } from "./helpers.ts";

let rig: Rig;
afterEach(async () => {
  expect(rig.fake.problems).toEqual([]);
  await rig.fake.close();
});

const forceBodies = () => rig.fake.requestsTo("PUT /api/tag/values-force").map((r) => r.body);
const releaseBodies = () => rig.fake.requestsTo("PUT /api/tag/values-release").map((r) => r.body);

describe("Factory I/O plant: operator actions force input tags", () => {
  it("presses a normally open button by forcing it TRUE and releases it once the hold has passed", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    const start = rig.fake.tag("Start", "input");

    await plant.apply({ kind: "press", at: 0, tag: "Start", holdMs: 200 });
    expect(forceBodies()).toEqual([[{ id: start.id, value: true }]]);
    expect((await plant.readInputs()).Start).toBe(true);

    await plant.advance(100);
    expect(rig.fake.forcedTags()).toEqual(["Start"]);
    await plant.advance(100);
    expect(releaseBodies()).toEqual([[start.id]]);
    expect(rig.fake.forcedTags()).toEqual([]);
    expect((await plant.readInputs()).Start).toBe(false);
    await plant.stop();
  });

  it("presses the normally closed Emergency stop by forcing it FALSE, learned from its idle value", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    await plant.apply({ kind: "press", at: 0, tag: "Emergency stop" });
    expect(forceBodies()).toEqual([[{ id: rig.fake.tag("Emergency stop").id, value: false }]]);
    expect((await plant.readInputs())["Emergency stop"]).toBe(false);
    // Without holdMs it stays pressed until a release event.
    await plant.advance(60_000);
    expect(rig.fake.forcedTags()).toEqual(["Emergency stop"]);
    await plant.apply({ kind: "release", at: 60_000, tag: "Emergency stop" });
    expect(rig.fake.forcedTags()).toEqual([]);
    await plant.stop();
  });

  it("takes the wiring from normallyClosed when given, instead of the idle value", async () => {
    rig = await startRig();
    const plant = rig.plant({ normallyClosed: ["Emergency stop", "Stop"] });
    await plant.start();
    await plant.apply({ kind: "press", at: 0, tag: "Stop" });
    await plant.apply({ kind: "press", at: 0, tag: "Reset" });
    expect(forceBodies()).toEqual([[{ id: rig.fake.tag("Stop", "input").id, value: false }], [{ id: rig.fake.tag("Reset", "input").id, value: true }]]);
    await plant.stop();
  });

  it("sets a two-input selector by forcing both contacts, as turning the real selector does", async () => {
    rig = await startRig();
    const plant = rig.plant({ opposites: { Auto: "Manual" } });
    await plant.start();
    await plant.apply({ kind: "set", at: 0, tag: "Manual", value: true });
    expect(forceBodies()).toEqual([
      [
        { id: rig.fake.tag("Manual").id, value: true },
        { id: rig.fake.tag("Auto").id, value: false },
      ],
    ]);
    await plant.stop();
    expect(releaseBodies()).toEqual([[rig.fake.tag("Manual").id, rig.fake.tag("Auto").id]]);
  });

  it("holds a set switch until stop, then stop releases every force, turns outputs off and Run off", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    await plant.writeOutputs({ "Conveyor entry": true });
    await plant.apply({ kind: "set", at: 0, tag: "Auto", value: true });
    await plant.apply({ kind: "press", at: 0, tag: "Start", holdMs: 10_000 });
    expect(rig.fake.forcedTags().sort()).toEqual(["Auto", "Start"]);

    await plant.stop();
    expect(rig.fake.forcedTags()).toEqual([]);
    expect(rig.fake.valueOf("FACTORY I/O (Run)")).toBe(false);
    expect(rig.fake.valueOf("Conveyor entry")).toBe(false);
    await expect(plant.readInputs()).rejects.toThrow("The Factory I/O plant is stopped.");
    await plant.stop(); // a second stop is harmless
  });

  it("releases the forces it set when the run is aborted in the middle of a hold", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    await plant.apply({ kind: "press", at: 0, tag: "Start", holdMs: 500 });
    const abort = new AbortController();
    abort.abort(new Error("owner cancelled"));
    await expect(plant.advance(10, abort.signal)).rejects.toThrow("owner cancelled");
    expect(rig.fake.forcedTags()).toEqual(["Start"]);
    await plant.stop();
    expect(rig.fake.forcedTags()).toEqual([]);
  });

  it("says clearly when forces could not be released at stop, naming the tags to release by hand", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    await plant.apply({ kind: "set", at: 0, tag: "Manual", value: true });
    await rig.fake.close();
    await expect(plant.stop()).rejects.toThrow(/could not release the forced tags "Manual" .*release them by hand in Factory I\/O/);
  });

  it("refuses actions on outputs, unknown tags and non-BOOL presses, and notes part events it cannot make", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    await expect(plant.apply({ kind: "press", at: 0, tag: "Emitter" })).rejects.toThrow(/names "Emitter", which is not one of the task's input tags/);
    await expect(plant.apply({ kind: "set", at: 0, tag: "Auto", value: 3 })).rejects.toThrow(/gives 3 for "Auto", which is not a BOOL value/);
    await plant.apply({ kind: "part", at: 0, part: "tall-box" });
    await plant.apply({ kind: "part", at: 5, part: "small-box" });
    expect(plant.notes).toEqual([
      `"part" events have no effect in Factory I/O: the scene's emitter makes parts as set up in Factory I/O (part "tall-box" at 0 ms was not made).`,
    ]);
    expect(plant.drainEvents()).toEqual([]);
    expect(rig.fake.forcedTags()).toEqual([]);
    await plant.stop();
  });
});
