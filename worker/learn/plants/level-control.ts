/**
 * Built-in "Level Control": a 3 m tank of 1 m² cross-section, a fill valve above it and a
 * discharge valve below, both driven by 0-10 V analog outputs like Factory I/O's; a level meter,
 * a flow meter on the discharge line and a setpoint knob, all 0-10 V. The scenario can open a
 * second drain (disturbance "drain", 0-10 like a valve voltage). Physics: docs/learning.md.
 */
import { BuiltinPlant, tags } from "./builtin-plant.ts";
import { STANDARD_BUTTONS } from "./panel.ts";
import type { SceneInfo, TagValue } from "./types.ts";

export const TANK = {
  heightM: 3,
  areaM2: 1,
  /** Inflow with the fill valve fully open (10 V), m³/s. */
  maxInflow: 0.1,
  /** Outflow of a fully open valve at a full tank, m³/s; it scales with √level (Torricelli). */
  maxOutflow: 0.1,
  /** Flow meter: 10 V at this many m³/s of outflow. */
  flowMeterFullScale: 0.1,
  initialSetpointV: 5,
} as const;

export const LEVEL_CONTROL_SCENE: SceneInfo = {
  id: "level-control",
  title: "Level Control",
  tags: [
    ...tags("input", "REAL", "Level meter", "Setpoint", "Flow meter"),
    ...tags("input", "BOOL", "Start", "Stop", "Reset", "Emergency stop"),
    ...tags("output", "REAL", "Fill valve", "Discharge valve"),
    ...tags("output", "BOOL", "Start light", "Stop light", "Reset light"),
  ],
  partTypes: [],
};

const volts = (v: number): number => Math.min(10, Math.max(0, Number.isFinite(v) ? v : 0));

export class LevelControlPlant extends BuiltinPlant {
  /** Level in metres. */
  private level = 0;
  private drain = 0;
  private outflow = 0;
  private overflowing = false;

  constructor() {
    super(LEVEL_CONTROL_SCENE, [
      ...STANDARD_BUTTONS,
      { kind: "analog", name: "Setpoint", initial: TANK.initialSetpointV, min: 0, max: 10 },
    ]);
  }

  protected resetWorld(): void {
    this.level = 0;
    this.drain = 0;
    this.outflow = 0;
    this.overflowing = false;
  }

  protected sensorInputs(into: Record<string, TagValue>): Record<string, TagValue> {
    into["Level meter"] = (this.level / TANK.heightM) * 10;
    into["Flow meter"] = volts((this.outflow / TANK.flowMeterFullScale) * 10);
    return into;
  }

  protected override disturb(name: string, value: number): void {
    if (name !== "drain") throw new Error(`scene level-control has one disturbance, "drain" (0-10, a second discharge valve); got "${name}"`);
    this.drain = volts(value);
  }

  protected step(dt: number): void {
    const inflow = (volts(this.num("Fill valve")) / 10) * TANK.maxInflow;
    const perVolt = (TANK.maxOutflow / 10) * Math.sqrt(this.level / TANK.heightM);
    this.outflow = volts(this.num("Discharge valve")) * perVolt;
    const drained = this.drain * perVolt;
    const next = this.level + ((inflow - this.outflow - drained) / TANK.areaM2) * dt;
    if (next >= TANK.heightM && !this.overflowing) {
      this.overflowing = true;
      this.emit("overflow", undefined, { level: TANK.heightM });
    } else if (next < TANK.heightM * 0.98) this.overflowing = false;
    this.level = Math.min(TANK.heightM, Math.max(0, next));
  }
}
