/**
 * Built-in "Sorting by Height (Basic)": an entry conveyor carries boxes of two heights past a
 * low and a high sensor to a chain transfer at its end; the transfer loads a box (Load), then
 * moves it sideways onto the left or the right exit conveyor (Transf. left / Transf. right),
 * each ending in a remover. Physics and tag names: docs/learning.md.
 *
 * Routes (metres along the direction of travel):
 *   "entry": entry conveyor [0, 4], transfer [4, 4.8] (end stop at 4.8);
 *   "left" / "right": transfer [0, 0.8] sideways, then the exit conveyor [0.8, 3.8].
 */
import { BuiltinPlant, tags } from "./builtin-plant.ts";
import { STANDARD_BUTTONS } from "./panel.ts";
import { BOXES, centre, moveRoute, PartQueue, rear, sees, type Part } from "./parts.ts";
import type { SceneInfo, TagValue } from "./types.ts";

export const SORTING = {
  entryLength: 4,
  transferEnd: 4.8,
  /** Sideways: the transfer is 0.8 m wide; a loaded box sits centred on it, front at 0.7. */
  transferWidth: 0.8,
  exitEnd: 3.8,
  speed: 0.5,
  palletSensor: 3.8,
  heightSensors: 3.5,
  lowSensorHeight: 0.15,
  highSensorHeight: 0.45,
  atExitEntry: 1.2,
  atExitExit: 3.5,
  gap: 0.3,
} as const;

export const SORTING_BY_HEIGHT_BASIC_SCENE: SceneInfo = {
  id: "sorting-by-height-basic",
  title: "Sorting by Height (Basic)",
  tags: [
    ...tags(
      "input",
      "BOOL",
      "Pallet sensor",
      "Low sensor",
      "High sensor",
      "Loaded",
      "At left entry",
      "At left exit",
      "At right entry",
      "At right exit",
      "Start",
      "Stop",
      "Reset",
      "Emergency stop",
      "Auto",
      "Manual",
    ),
    ...tags("output", "BOOL", "Conveyor entry", "Load", "Unload", "Transf. left", "Transf. right", "Conveyor left", "Conveyor right"),
    ...tags("output", "INT", "Counter"),
    ...tags("output", "BOOL", "Start light", "Stop light", "Reset light", "Emitter", "Remover left", "Remover right"),
  ],
  partTypes: BOXES.map((p) => p.id),
};

type Side = "left" | "right";
const SIDES: readonly Side[] = ["left", "right"];
const EPS = 1e-9;

export class SortingByHeightBasicPlant extends BuiltinPlant {
  private parts: Part[] = [];
  private readonly queue = new PartQueue();

  constructor() {
    super(SORTING_BY_HEIGHT_BASIC_SCENE, [
      ...STANDARD_BUTTONS,
      { kind: "switch", name: "Auto", initial: true, opposite: "Manual" },
      { kind: "switch", name: "Manual", initial: false, opposite: "Auto" },
    ]);
  }

  protected resetWorld(): void {
    this.parts = [];
    this.queue.reset();
  }

  protected sensorInputs(into: Record<string, TagValue>): Record<string, TagValue> {
    const s = SORTING;
    into["Pallet sensor"] = sees(this.parts, "entry", s.palletSensor);
    into["Low sensor"] = sees(this.parts, "entry", s.heightSensors, s.lowSensorHeight);
    into["High sensor"] = sees(this.parts, "entry", s.heightSensors, s.highSensorHeight);
    into.Loaded = this.parts.some((p) => this.fullyOnTransfer(p));
    into["At left entry"] = sees(this.parts, "left", s.atExitEntry);
    into["At left exit"] = sees(this.parts, "left", s.atExitExit);
    into["At right entry"] = sees(this.parts, "right", s.atExitEntry);
    into["At right exit"] = sees(this.parts, "right", s.atExitExit);
    return into;
  }

  protected override addPart(type: string): void {
    this.queue.push(type);
  }

  protected step(dt: number): void {
    const s = SORTING;
    this.emitPart();

    // Entry route: the entry belt carries a box whose centre is over it; the transfer's rollers
    // carry it once its centre is on the transfer. A box may only cross onto the transfer while
    // Load runs and the transfer is empty; otherwise it waits against the transfer's edge.
    const belt = this.on("Conveyor entry") ? s.speed : 0;
    const load = this.on("Load");
    const unload = this.on("Unload");
    const rollers = load && !unload ? s.speed : unload && !load ? -s.speed : 0;
    const mayCross = load && !unload && !this.transferBusy();
    moveRoute(
      this.parts,
      "entry",
      dt,
      (p) => (centre(p) < s.entryLength ? belt : rollers),
      (p) => (p.front <= s.entryLength + EPS && !mayCross ? s.entryLength : s.transferEnd),
    );

    // Sideways: exactly one of Transf. left / Transf. right moves a box that is fully on the
    // transfer towards that side; the other one brings it back.
    const left = this.on("Transf. left");
    const right = this.on("Transf. right");
    if (left !== right) {
      const side: Side = left ? "left" : "right";
      for (const p of this.parts) {
        if (p.route === "entry" && rear(p) >= s.entryLength - EPS) {
          p.route = side;
          p.front = s.transferWidth - (s.transferWidth - p.length) / 2;
        }
      }
    }
    for (const side of SIDES) {
      const chains = this.on(side === "left" ? "Transf. left" : "Transf. right");
      const other = this.on(side === "left" ? "Transf. right" : "Transf. left");
      const sideways = chains && !other ? s.speed : other && !chains ? -s.speed : 0;
      const conveyor = this.on(side === "left" ? "Conveyor left" : "Conveyor right") ? s.speed : 0;
      moveRoute(this.parts, side, dt, (p) => (centre(p) < s.transferWidth ? sideways : conveyor));
      const home = s.transferWidth - (s.transferWidth - BOXES[0]!.length) / 2;
      for (const p of this.parts) {
        if (p.route === side && p.front <= home + EPS && sideways < 0) {
          p.route = "entry";
          p.front = s.transferEnd;
        }
      }
      this.removeAtEnd(side);
    }
  }

  private emitPart(): void {
    const first = BOXES[0]!;
    if (!this.on("Emitter") || this.queue.length === 0) return;
    if (!this.parts.every((p) => p.route !== "entry" || rear(p) >= first.length + SORTING.gap)) return;
    const next = this.queue.take()!;
    const type = BOXES.find((t) => t.id === next.type)!;
    this.parts.push({ id: next.id, type: type.id, length: type.length, height: type.height, route: "entry", front: type.length });
    this.emit("part-entered", next.id, { part: type.id });
  }

  private removeAtEnd(side: Side): void {
    if (!this.parts.some((p) => p.route === side)) return;
    const remover = this.on(side === "left" ? "Remover left" : "Remover right");
    this.parts = this.parts.filter((p) => {
      if (p.route !== side) return true;
      if (remover && p.front >= SORTING.exitEnd) {
        this.emit("part-removed", p.id, { part: p.type, exit: side });
        return false;
      }
      if (centre(p) >= SORTING.exitEnd) {
        this.emit("part-fell", p.id, { part: p.type, where: `${side}-end`, reason: `Remover ${side} was off` });
        return false;
      }
      return true;
    });
  }

  private fullyOnTransfer(p: Part): boolean {
    if (p.route === "entry") return rear(p) >= SORTING.entryLength - EPS;
    return p.front <= SORTING.transferWidth + EPS;
  }

  /** Some box is (partly) on the transfer. */
  private transferBusy(): boolean {
    return this.parts.some((p) => (p.route === "entry" ? p.front > SORTING.entryLength + EPS : rear(p) < SORTING.transferWidth - EPS));
  }
}
