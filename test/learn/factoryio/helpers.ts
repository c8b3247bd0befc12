/**
 * Shared set-up for the Factory I/O adapter tests: the loopback fake, the task tags of
 * "Sorting by Height (Basic)", and a clock whose sleep moves time at once (nothing waits).
 */
import { createFactoryIoPlant, type FactoryIoPlant, type FactoryIoPlantOptions, type PlantClock } from "../../../worker/learn/plants/factoryio.ts";
import type { PlantTag } from "../../../worker/learn/plants/types.ts";
import { FakeFactoryIo, SORTING_BY_HEIGHT_TAGS } from "../../fakes/factoryio.ts";

/** Every tag of the scene as a task would list it. */
export const SORTING_TAGS: PlantTag[] = SORTING_BY_HEIGHT_TAGS.map(([name, kind, type = "bit"]) => ({
  name,
  direction: kind,
  type: type === "bit" ? "BOOL" : type === "int" ? "INT" : "REAL",
}));

export class StepClock implements PlantClock {
  t = 1_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.t += ms;
  }
}

export interface Rig {
  fake: FakeFactoryIo;
  url: string;
  clock: StepClock;
  plant: (overrides?: Partial<FactoryIoPlantOptions>) => FactoryIoPlant;
}

export async function startRig(fake = new FakeFactoryIo()): Promise<Rig> {
  const url = await fake.start();
  const clock = new StepClock();
  return {
    fake,
    url,
    clock,
    plant: (overrides = {}) =>
      createFactoryIoPlant({
        baseUrl: url,
        sceneId: "sorting-by-height-basic",
        sceneTitle: "Sorting by Height (Basic)",
        tags: SORTING_TAGS,
        clock,
        pollMs: 50,
        ...overrides,
      }),
  };
}
