import { afterEach, describe, expect, it } from "vitest";
import { FakeFactoryIo } from "../../fakes/factoryio.ts";
import { SORTING_TAGS, startRig, type Rig } from "./helpers.ts";

let rig: Rig;
afterEach(async () => {
  expect(rig.fake.problems).toEqual([]);
  await rig.fake.close();
});

describe("Factory I/O plant: discovering the scene's tags", () => {
  it("binds every task tag, resets and runs the scene, and waits until it reports Running", async () => {
    rig = await startRig();
    rig.fake.startDelayReads = 3;
    const plant = rig.plant();
    await plant.start();

    expect(rig.fake.requests[0]).toMatchObject({ method: "GET", path: "/api/tags" });
    const writes = rig.fake.requestsTo("PUT /api/tag/values").map((r) => r.body as { id: string; value: unknown }[]);
    const runId = rig.fake.tag("FACTORY I/O (Run)").id;
    const resetId = rig.fake.tag("FACTORY I/O (Reset)", "output").id;
    // Run off with every output off, Reset pulsed, then Run on.
    expect(writes[0]).toContainEqual({ id: runId, value: false });
    expect(writes[0]).toContainEqual({ id: rig.fake.tag("Conveyor entry").id, value: false });
    expect(writes[0]).toContainEqual({ id: rig.fake.tag("Counter").id, value: 0 });
    expect(writes[1]).toEqual([{ id: resetId, value: true }]);
    expect(writes[2]).toEqual([
      { id: resetId, value: false },
      { id: runId, value: true },
    ]);
    // Three reads answered Running = FALSE before the scene ran.
    expect(rig.fake.requestsTo("GET /api/tag/values").length).toBeGreaterThanOrEqual(4);
    expect(rig.fake.running).toBe(true);
    expect(plant.scene).toMatchObject({ id: "sorting-by-height-basic", title: "Sorting by Height (Basic)" });
    expect(await plant.readInputs()).toMatchObject({ "Emergency stop": true, Start: false, "Low sensor": false });
    await plant.stop();
  });

  it("accepts type and kind in the documented lower case as well as the capitalised form instances answer", async () => {
    rig = await startRig(new FakeFactoryIo({ casing: "docs" }));
    const plant = rig.plant();
    await plant.start();
    expect(Object.keys(await plant.readInputs())).toHaveLength(14);
    await plant.stop();
  });

  it("names every missing tag in one error and lists what the open scene has", async () => {
    rig = await startRig(new FakeFactoryIo({ tags: [["Sensor", "input"], ["Conveyor", "output"], ["Transf. Left", "output"]] }));
    const plant = rig.plant({ tags: [...SORTING_TAGS.filter((t) => t.name === "Low sensor" || t.name === "Transf. left")] });
    const error = await plant.start().then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toContain('no tag named "Low sensor" (input)');
    expect(error?.message).toContain('no tag named "Transf. left" (output); there is "Transf. Left": names must match exactly, capitals included');
    expect(error?.message).toContain('The open scene has inputs "Sensor"; outputs "Conveyor", "Transf. Left".');
    expect(error?.message).toContain('Open the scene "Sorting by Height (Basic)"');
    // Nothing was written to a scene that does not fit.
    expect(rig.fake.requestsTo("PUT /api/tag/values")).toEqual([]);
  });

  it("refuses a tag whose direction or type differs from the task's", async () => {
    rig = await startRig();
    const plant = rig.plant({
      tags: [
        { name: "Emitter", direction: "input", type: "BOOL" },
        { name: "Counter", direction: "output", type: "REAL" },
      ],
    });
    await expect(plant.start()).rejects.toThrow(/"Emitter" is an output in Factory I\/O, but the task uses it as an input[\s\S]*"Counter" is int \(INT\) in Factory I\/O, but the task declares REAL/);
  });

  it("says the address is not Factory I/O's Web API when the scene control tags are missing", async () => {
    rig = await startRig();
    for (const name of ["FACTORY I/O (Run)", "FACTORY I/O (Pause)", "FACTORY I/O (Running)"]) rig.fake.removeTag(name);
    await expect(rig.plant().start()).rejects.toThrow(/no "FACTORY I\/O \(Run\)" output tag, which every scene carries/);
  });

  it("gives up after the start timeout when the scene never reports Running, and leaves Run off", async () => {
    rig = await startRig();
    rig.fake.startDelayReads = 1_000;
    const plant = rig.plant({ startTimeoutMs: 1_000 });
    await expect(plant.start()).rejects.toThrow(/did not start running within 1 s after Run was set/);
    expect(rig.fake.valueOf("FACTORY I/O (Run)")).toBe(false);
  });

  it("notes a task tag that was already forced in Factory I/O before the run", async () => {
    rig = await startRig();
    Object.assign(rig.fake.tag("Auto"), { isForced: true, forcedValue: true });
    const plant = rig.plant();
    await plant.start();
    expect(plant.notes).toEqual(['"Auto" was already forced to true in Factory I/O before the run; the program sees the forced value.']);
    await plant.stop();
    // Not ours to release.
    expect(rig.fake.forcedTags()).toEqual(["Auto"]);
  });
});
