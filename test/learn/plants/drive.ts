/** Drives a built-in plant by hand in tests: fixed outputs, steps of simulated time, input reads. */
import type { ScenarioEvent } from "../../../shared/sim.ts";
import type { Plant, PlantEvent, TagValue } from "../../../worker/learn/plants/types.ts";

export class Driver {
  readonly events: PlantEvent[] = [];
  t = 0;
  constructor(readonly plant: Plant) {}

  async start(): Promise<this> {
    await this.plant.start();
    return this;
  }

  /** Sets outputs (kept by the plant until changed). */
  async out(values: Record<string, TagValue>): Promise<void> {
    await this.plant.writeOutputs(values);
  }

  async apply(event: ScenarioEvent): Promise<void> {
    await this.plant.apply(event);
  }

  /** Runs `ms` of simulated time in 10 ms steps. */
  async run(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= 10) {
      this.t += await this.plant.advance(Math.min(10, left));
      this.events.push(...this.plant.drainEvents());
    }
  }

  /** Runs until an input has a value (or fails after `maxMs`); returns the simulated time it took. */
  async until(tag: string, value: TagValue, maxMs = 60_000): Promise<number> {
    const from = this.t;
    while ((await this.plant.readInputs())[tag] !== value) {
      if (this.t - from > maxMs) throw new Error(`${tag} did not become ${String(value)} within ${maxMs} ms`);
      await this.run(10);
    }
    return this.t - from;
  }

  async inputs(): Promise<Record<string, TagValue>> {
    return this.plant.readInputs();
  }

  kinds(): string[] {
    return this.events.map((e) => e.kind);
  }
}
