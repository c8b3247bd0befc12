import { afterEach, describe, expect, it } from "vitest";
import { factoryIoPlantForTask, factoryIoUrl } from "../../../worker/learn/plants/factoryio-config.ts";
import { FakeFactoryIo } from "../../fakes/factoryio.ts";
import { StepClock } from "./helpers.ts";

describe("Factory I/O address setting", () => {
  it("takes FACTORY_IO_URL first, then learn.factoryIoUrl in factory.config.json, then localhost:7410", () => {
    const file = { learn: { factoryIoUrl: "http://192.168.1.20:7410/" } };
    expect(factoryIoUrl({ FACTORY_IO_URL: "10.0.0.5:7410" }, file)).toEqual({ url: "http://10.0.0.5:7410", from: "FACTORY_IO_URL" });
    expect(factoryIoUrl({ FACTORY_IO_URL: "" }, file)).toEqual({ url: "http://192.168.1.20:7410", from: '"learn": {"factoryIoUrl"} in factory.config.json' });
    expect(factoryIoUrl({}, {})).toEqual({ url: "http://localhost:7410", from: "the default" });
  });

  it("names the setting when its value is not an address", () => {
    expect(() => factoryIoUrl({ FACTORY_IO_URL: "ftp://pc" })).toThrow(/^FACTORY_IO_URL: "ftp:\/\/pc" is not an http address/);
    expect(() => factoryIoUrl({}, { learn: { factoryIoUrl: 7410 } })).toThrow(/factoryIoUrl"} in factory.config.json must be a text/);
  });
});

describe("Factory I/O plant for a task", () => {
  let fake: FakeFactoryIo | null = null;
  afterEach(async () => {
    expect(fake?.problems ?? []).toEqual([]);
    await fake?.close();
  });

  it("uses the scene's Factory I/O title in messages and its selector wiring", async () => {
    fake = new FakeFactoryIo();
    const plant = factoryIoPlantForTask(
      {
        scene: "sorting-by-height-basic",
        tags: [
          { name: "Auto", direction: "input", type: "BOOL", identifier: "Auto" },
          { name: "Manual", direction: "input", type: "BOOL", identifier: "Manual" },
        ],
      },
      { baseUrl: await fake.start(), clock: new StepClock() },
    );
    expect(plant.scene.title).toBe("Sorting by Height (Basic)");
    await plant.start();
    await plant.apply({ kind: "set", at: 0, tag: "Auto", value: true });
    expect(fake.forcedTags()).toEqual(["Auto", "Manual"]);
    await plant.stop();
  });
});
