import { afterEach, describe, expect, it } from "vitest";
import type { ScenarioEvent } from "../../../shared/sim.ts";
import type { TagValue } from "../../../worker/learn/plants/types.ts";
import { startRig, type Rig } from "./helpers.ts";

let rig: Rig;
afterEach(async () => {
  expect(rig.fake.problems).toEqual([]);
  await rig.fake.close();
});

describe("Factory I/O plant: real time", () => {
  it("waits only for the rest of the cycle, and reports the real time that passed", async () => {
    rig = await startRig();
    const plant = rig.plant();
    await plant.start();
    rig.clock.sleeps.length = 0;

    rig.clock.t += 4; // the round-trips of this scan took 4 ms
    expect(await plant.advance(10)).toBe(10);
    rig.clock.t += 15; // a slow scan: no wait, and the runner learns 15 ms passed
    expect(await plant.advance(10)).toBe(15);
    expect(await plant.advance(10)).toBe(10);
    expect(rig.clock.sleeps).toEqual([6, 10]);
    await plant.stop();
  });
});

describe("Factory I/O plant: a short run loop against the fake", () => {
  it("drives a conveyor from Start to Stop while the fake's physics moves pallets past a sensor", async () => {
    rig = await startRig();
    // Tiny physics, one step per value read: pallets 10 steps apart pass the Pallet sensor while the conveyor runs.
    let position = 0;
    rig.fake.physics = (io) => {
      if (io.get("Conveyor entry") === true) position++;
      io.setInput("Pallet sensor", position % 10 >= 3 && position % 10 < 6);
    };
    const plant = rig.plant();
    const scenario: ScenarioEvent[] = [
      { kind: "press", at: 0, tag: "Start", holdMs: 100 },
      { kind: "press", at: 1_000, tag: "Stop", holdMs: 100 },
    ];

    // The program, by hand: a start/stop latch on the conveyor and a pallet counter.
    let running = false;
    let counter = 0;
    let lastPallet = false;
    const scan = (i: Record<string, TagValue>): Record<string, TagValue> => {
      if (i.Start === true) running = true;
      if (i.Stop === false || i["Emergency stop"] === false) running = false;
      if (i["Pallet sensor"] === true && !lastPallet) counter++;
      lastPallet = i["Pallet sensor"] === true;
      return { "Conveyor entry": running, Counter: counter, "Start light": running, "Stop light": !running };
    };

    const conveyorTrace: boolean[] = [];
    let scans = 0;
    let counterInFactoryIo: unknown = null;
    await plant.start();
    const requestsAtStart = rig.fake.requests.length;
    try {
      let t = 0;
      const pending = [...scenario];
      while (t < 2_000) {
        while (pending.length > 0 && pending[0]!.at <= t) await plant.apply(pending.shift()!);
        const outputs = scan(await plant.readInputs());
        await plant.writeOutputs(outputs);
        conveyorTrace.push(outputs["Conveyor entry"] === true);
        scans++;
        t += await plant.advance(10);
      }
      counterInFactoryIo = rig.fake.valueOf("Counter");
    } finally {
      await plant.stop();
    }

    expect(scans).toBe(200);
    // The conveyor started on the first scan that saw Start and stopped on the one that saw Stop.
    expect(conveyorTrace[0]).toBe(true);
    expect(conveyorTrace.indexOf(false)).toBe(100);
    expect(conveyorTrace.slice(100).every((on) => !on)).toBe(true);
    // 100 scans of conveyor = 100 reads of physics: 10 pallets passed the sensor.
    expect(counter).toBe(10);
    expect(counterInFactoryIo).toBe(10);
    // stop() leaves every output off.
    expect(rig.fake.valueOf("Counter")).toBe(0);
    expect(rig.fake.forcedTags()).toEqual([]);
    expect(rig.fake.valueOf("FACTORY I/O (Run)")).toBe(false);
    // Per scan one GET and one PUT; plus two forces, two releases, and the stop.
    const loop = rig.fake.requests.slice(requestsAtStart);
    expect(loop.filter((r) => r.method === "GET")).toHaveLength(200);
    expect(loop.filter((r) => r.path === "/api/tag/values-force")).toHaveLength(2);
    expect(loop.filter((r) => r.path === "/api/tag/values-release")).toHaveLength(2);
    expect(loop.filter((r) => r.method === "PUT" && r.path === "/api/tag/values")).toHaveLength(201);
  });
});
