/**
 * The seam between a control program and a plant: the built-in simulations and the Factory I/O
 * adapter both implement `Plant`, so the runner, the judge and the learning loop never know which
 * one they drive. Tag names are the scene's own ("Transf. left"); programs see them through
 * `tagIdentifier` (shared/sim.ts).
 *
 * Directions are from the controller's side, as Factory I/O names them: sensors and buttons are
 * `input`s (the plant writes them, the program reads them); actuators, lights and counters are
 * `output`s (the program writes them).
 */
import type { ScenarioEvent } from "../../../shared/sim.ts";

export type TagValue = boolean | number;
export type TagType = "BOOL" | "INT" | "REAL";

/** One tag of a scene. */
export interface PlantTag {
  /** Exactly as the scene names it. */
  name: string;
  direction: "input" | "output";
  type: TagType;
}

/** Something the plant saw happen, for the judge: a part appeared, reached an exit, fell, ... */
export interface PlantEvent {
  /** Simulated ms since the start of the run. */
  t: number;
  kind: string;
  /** The part concerned, when there is one. */
  partId?: number;
  /** Kind-specific details (part type, exit name, ...). JSON values only. */
  detail?: Record<string, string | number | boolean>;
}

/** A scene as `factory sim scenes` lists it. */
export interface SceneInfo {
  id: string;
  title: string;
  tags: PlantTag[];
  /** Part types the scenario may ask for ("small-box", "tall-box", ...); empty when none. */
  partTypes: string[];
}

/**
 * A plant being driven. The runner calls, every scan:
 *   readInputs() → program scan → writeOutputs() → advance(cycleMs)
 * and applies scenario events when their time comes. Built-in plants step physics in simulated
 * time and return at once; the Factory I/O adapter waits real time and reports what elapsed.
 */
export interface Plant {
  readonly scene: SceneInfo;
  /** Put the scene in its initial state (and start it, for Factory I/O). */
  start(signal?: AbortSignal): Promise<void>;
  /** Values of every `input` tag, by tag name. */
  readInputs(): Promise<Record<string, TagValue>>;
  /** Values for `output` tags, by tag name (all of the program's outputs each scan). */
  writeOutputs(values: Record<string, TagValue>): Promise<void>;
  /** Let the plant run `ms` of time; resolves with the simulated ms that actually elapsed. */
  advance(ms: number, signal?: AbortSignal): Promise<number>;
  /** Operator actions and parts arriving, at the time the scenario gives. */
  apply(event: ScenarioEvent): Promise<void>;
  /** Events since the last call (parts entering, leaving, falling off ...), oldest first. */
  drainEvents(): PlantEvent[];
  /** Stop the scene (Factory I/O: pause and reset); built-in plants just drop their state. */
  stop(): Promise<void>;
}

/**
 * A plant that steps in simulated time and can answer at once: the built-in scenes. The runner
 * drives these without a promise per call, which is most of the cost of a scan at 100,000+ scans/s.
 */
export interface SteppedPlant extends Plant {
  readInputsNow(): Record<string, TagValue>;
  writeOutputsNow(values: Record<string, TagValue>): void;
  advanceNow(ms: number): number;
  applyNow(event: ScenarioEvent): void;
}

/** Whether `plant` offers the synchronous calls of {@link SteppedPlant}. */
export function isSteppedPlant(plant: Plant): plant is SteppedPlant {
  return typeof (plant as Partial<SteppedPlant>).readInputsNow === "function";
}
