/**
 * Built-in "From A to B": one 4 m belt conveyor, an emitter at its start (A), a remover at its
 * end (B), a sensor at each end and an operator panel. Physics and tag names: docs/learning.md.
 */
import { BuiltinPlant, tags } from "./builtin-plant.ts";
import { STANDARD_BUTTONS } from "./panel.ts";
import { BOXES, centre, moveRoute, PartQueue, rear, sees, type Part } from "./parts.ts";
import type { SceneInfo, TagValue } from "./types.ts";

/** Geometry, metres and metres per second. */
export const A_TO_B = {
  length: 4,
  speed: 0.5,
  atEntry: 0.3,
  atExit: 3.8,
  /** Free belt the emitter needs behind the last part before it drops another. */
  gap: 0.3,
} as const;

export const FROM_A_TO_B_SCENE: SceneInfo = {
  id: "from-a-to-b",
  title: "From A to B",
  tags: [
    ...tags("input", "BOOL", "At entry", "At exit", "Start", "Stop", "Reset", "Emergency stop"),
    ...tags("output", "BOOL", "Conveyor", "Emitter", "Remover", "Start light", "Stop light", "Reset light"),
    ...tags("output", "INT", "Counter"),
  ],
  partTypes: BOXES.map((p) => p.id),
};

export class FromAToBPlant extends BuiltinPlant {
  private parts: Part[] = [];
  private readonly queue = new PartQueue();

  constructor() {
    super(FROM_A_TO_B_SCENE, STANDARD_BUTTONS);
  }

  protected resetWorld(): void {
    this.parts = [];
    this.queue.reset();
  }

  protected sensorInputs(into: Record<string, TagValue>): Record<string, TagValue> {
    into["At entry"] = sees(this.parts, "belt", A_TO_B.atEntry);
    into["At exit"] = sees(this.parts, "belt", A_TO_B.atExit);
    return into;
  }

  protected override addPart(type: string): void {
    this.queue.push(type);
  }

  protected step(dt: number): void {
    const { length, speed, gap } = A_TO_B;
    // The emitter drops the next waiting part when it is on and the start of the belt is free.
    if (this.on("Emitter") && this.queue.length > 0 && this.parts.every((p) => rear(p) >= BOXES[0]!.length + gap)) {
      const next = this.queue.take()!;
      const type = BOXES.find((t) => t.id === next.type)!;
      this.parts.push({ id: next.id, type: type.id, length: type.length, height: type.height, route: "belt", front: type.length });
      this.emit("part-entered", next.id, { part: type.id });
    }
    const running = this.on("Conveyor");
    // The belt carries a part while the part's centre is over it.
    moveRoute(this.parts, "belt", dt, (p) => (running && centre(p) < length ? speed : 0));
    if (this.parts.length === 0) return;
    const remover = this.on("Remover");
    this.parts = this.parts.filter((p) => {
      if (remover && p.front >= length) {
        this.emit("part-removed", p.id, { part: p.type, exit: "end" });
        return false;
      }
      if (centre(p) >= length) {
        this.emit("part-fell", p.id, { part: p.type, where: "end", reason: "Remover was off" });
        return false;
      }
      return true;
    });
  }
}
