/**
 * What every built-in scene shares: simulated time, the operator panel, output latching,
 * scenario handling and the event log. A scene subclass only says what its sensors see
 * (`sensorInputs`), how the world moves in one small time step (`step`) and how parts and
 * disturbances arrive. Everything is deterministic: no clock, no randomness.
 */
import type { ScenarioEvent } from "../../../shared/sim.ts";
import { Panel, type PanelControl } from "./panel.ts";
import type { PlantEvent, PlantTag, SceneInfo, SteppedPlant, TagValue } from "./types.ts";

const NO_EVENTS: PlantEvent[] = [];

/** Physics runs in steps of at most this many simulated ms, whatever the scan cycle. */
export const MAX_STEP_MS = 10;

export abstract class BuiltinPlant implements SteppedPlant {
  readonly scene: SceneInfo;
  /** Simulated ms since start(). */
  protected now = 0;
  protected readonly panel: Panel;
  private outputs = new Map<string, TagValue>();
  private events: PlantEvent[] = [];
  private readonly outputTags: Map<string, PlantTag>;

  protected constructor(scene: SceneInfo, panel: readonly PanelControl[]) {
    this.scene = scene;
    this.panel = new Panel(panel);
    this.outputTags = new Map(scene.tags.filter((t) => t.direction === "output").map((t) => [t.name, t]));
  }

  async start(): Promise<void> {
    this.now = 0;
    this.events = [];
    this.panel.reset();
    this.outputs = new Map([...this.outputTags.values()].map((t) => [t.name, t.type === "BOOL" ? false : 0]));
    this.resetWorld();
  }

  async readInputs(): Promise<Record<string, TagValue>> {
    return this.readInputsNow();
  }

  async writeOutputs(values: Record<string, TagValue>): Promise<void> {
    this.writeOutputsNow(values);
  }

  async advance(ms: number): Promise<number> {
    return this.advanceNow(ms);
  }

  async apply(event: ScenarioEvent): Promise<void> {
    this.applyNow(event);
  }

  readInputsNow(): Record<string, TagValue> {
    return this.sensorInputs(this.panel.inputs());
  }

  writeOutputsNow(values: Record<string, TagValue>): void {
    for (const name in values) {
      const value = values[name]!;
      const tag = this.outputTags.get(name);
      if (!tag) {
        throw new Error(`"${name}" is not an output of scene ${this.scene.id}; outputs: ${[...this.outputTags.keys()].map((n) => `"${n}"`).join(", ")}`);
      }
      if (tag.type === "BOOL") {
        if (typeof value !== "boolean") throw new Error(`output "${name}" is BOOL; got ${String(value)}`);
        this.outputs.set(name, value);
      } else {
        const n = typeof value === "boolean" ? Number(value) : value;
        if (!Number.isFinite(n)) throw new Error(`output "${name}" is ${tag.type}; got ${String(value)}`);
        this.outputs.set(name, tag.type === "INT" ? Math.trunc(n) : n);
      }
    }
  }

  advanceNow(ms: number): number {
    let left = ms;
    while (left > 0) {
      const dt = Math.min(MAX_STEP_MS, left);
      this.panel.tick(this.now);
      this.step(dt / 1000);
      this.now += dt;
      left -= dt;
    }
    this.panel.tick(this.now);
    return ms;
  }

  applyNow(event: ScenarioEvent): void {
    switch (event.kind) {
      case "press":
        this.panel.press(event.tag, this.now, event.holdMs);
        return;
      case "release":
        this.panel.release(event.tag);
        return;
      case "set":
        this.panel.set(event.tag, event.value);
        return;
      case "part":
        if (!this.scene.partTypes.includes(event.part)) {
          throw new Error(`scene ${this.scene.id} has no part type "${event.part}"; part types: ${this.scene.partTypes.join(", ") || "none"}`);
        }
        this.addPart(event.part);
        return;
      case "disturbance":
        this.disturb(event.name, event.value);
        return;
    }
  }

  drainEvents(): PlantEvent[] {
    if (this.events.length === 0) return NO_EVENTS;
    const out = this.events;
    this.events = [];
    return out;
  }

  async stop(): Promise<void> {
    this.resetWorld();
  }

  /** The value the program last wrote to an output (FALSE / 0 before it wrote one). */
  protected out(name: string): TagValue {
    const v = this.outputs.get(name);
    if (v === undefined) throw new Error(`internal: scene ${this.scene.id} has no output "${name}"`);
    return v;
  }

  protected on(name: string): boolean {
    return this.out(name) === true;
  }

  protected num(name: string): number {
    const v = this.out(name);
    return typeof v === "number" ? v : Number(v);
  }

  protected emit(kind: string, partId?: number, detail?: PlantEvent["detail"]): void {
    this.events.push({ t: this.now, kind, ...(partId !== undefined ? { partId } : {}), ...(detail ? { detail } : {}) });
  }

  /** Back to the initial world (no parts, tank empty, ...). */
  protected abstract resetWorld(): void;
  /** Adds the sensor values, by tag name, to `into` (which holds the panel's inputs) and returns it. */
  protected abstract sensorInputs(into: Record<string, TagValue>): Record<string, TagValue>;
  /** Moves the world on by `dt` seconds (at most MAX_STEP_MS). */
  protected abstract step(dt: number): void;

  protected addPart(part: string): void {
    throw new Error(`scene ${this.scene.id} has no parts (asked for "${part}")`);
  }

  protected disturb(name: string, _value: number): void {
    throw new Error(`scene ${this.scene.id} has no disturbance "${name}"`);
  }
}

/** Builds a tag list tersely: `tags("input", "BOOL", "Start", "Stop")`. */
export function tags(direction: PlantTag["direction"], type: PlantTag["type"], ...names: string[]): PlantTag[] {
  return names.map((name) => ({ name, direction, type }));
}
