/**
 * The operator panel of a built-in scene: push buttons (normally open or normally closed,
 * momentary or latching like a mushroom emergency stop), two-position selectors and analog
 * inputs such as a setpoint potentiometer. Scenario events press and release them physically;
 * the wiring decides the input value, so pressing a normally closed button reads FALSE.
 */
import type { TagValue } from "./types.ts";

export type PanelControl =
  | { kind: "button"; name: string; wiring: "NO" | "NC"; latching?: boolean }
  | { kind: "switch"; name: string; initial: boolean; /** The other position's input, kept opposite. */ opposite?: string }
  | { kind: "analog"; name: string; initial: number; min: number; max: number };

/** The push buttons every Factory I/O scene's operator panel has, wired as Factory I/O wires them. */
export const STANDARD_BUTTONS: readonly PanelControl[] = [
  { kind: "button", name: "Start", wiring: "NO" },
  { kind: "button", name: "Stop", wiring: "NC" },
  { kind: "button", name: "Reset", wiring: "NO" },
  { kind: "button", name: "Emergency stop", wiring: "NC", latching: true },
];

export class Panel {
  private readonly controls = new Map<string, PanelControl>();
  private readonly list: PanelControl[];
  private readonly pressed = new Map<string, boolean>();
  private readonly values = new Map<string, TagValue>();
  private readonly releaseAt = new Map<string, number>();

  constructor(controls: readonly PanelControl[]) {
    for (const c of controls) this.controls.set(c.name, c);
    this.list = [...this.controls.values()];
    this.reset();
  }

  /** Every control back to rest: buttons released, switches and knobs at their initial values. */
  reset(): void {
    this.pressed.clear();
    this.releaseAt.clear();
    for (const c of this.controls.values()) {
      if (c.kind === "button") this.pressed.set(c.name, false);
      else this.values.set(c.name, c.initial);
    }
  }

  has(name: string): boolean {
    return this.controls.has(name);
  }

  /** Presses a button; with holdMs a momentary one springs back at `nowMs + holdMs` (a latching one stays in until released). */
  press(name: string, nowMs: number, holdMs?: number): void {
    const c = this.button(name, "press");
    this.pressed.set(name, true);
    if (holdMs !== undefined && !c.latching) this.releaseAt.set(name, nowMs + holdMs);
    else this.releaseAt.delete(name);
  }

  release(name: string): void {
    this.button(name, "release");
    this.pressed.set(name, false);
    this.releaseAt.delete(name);
  }

  /** Turns a switch or an analog knob. Analog values are clamped to the control's range. */
  set(name: string, value: TagValue): void {
    const c = this.controls.get(name);
    if (!c || c.kind === "button") {
      throw new Error(`"${name}" is ${c ? "a push button: press and release it" : "not a control of this panel"}; switches and knobs: ${this.namesOf(["switch", "analog"])}`);
    }
    if (c.kind === "switch") {
      if (typeof value !== "boolean") throw new Error(`"${name}" is a switch: set it to true or false`);
      this.values.set(name, value);
      if (c.opposite) this.values.set(c.opposite, !value);
    } else {
      if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`"${name}" is analog: set it to a number`);
      this.values.set(name, Math.min(c.max, Math.max(c.min, value)));
    }
  }

  /** Releases momentary presses whose hold time is over. */
  tick(nowMs: number): void {
    if (this.releaseAt.size === 0) return;
    for (const [name, at] of this.releaseAt) {
      if (nowMs >= at) {
        this.pressed.set(name, false);
        this.releaseAt.delete(name);
      }
    }
  }

  /** The input value of every control, by tag name, as the wiring presents it (written into `into`). */
  inputs(into: Record<string, TagValue> = {}): Record<string, TagValue> {
    for (const c of this.list) {
      if (c.kind === "button") {
        const p = this.pressed.get(c.name) ?? false;
        into[c.name] = c.wiring === "NO" ? p : !p;
      } else into[c.name] = this.values.get(c.name)!;
    }
    return into;
  }

  private button(name: string, what: string): Extract<PanelControl, { kind: "button" }> {
    const c = this.controls.get(name);
    if (!c || c.kind !== "button") {
      throw new Error(`cannot ${what} "${name}": ${c ? "it is not a push button (use set)" : "no such control"}; buttons: ${this.namesOf(["button"])}`);
    }
    return c;
  }

  private namesOf(kinds: PanelControl["kind"][]): string {
    return [...this.controls.values()].filter((c) => kinds.includes(c.kind)).map((c) => `"${c.name}"`).join(", ") || "none";
  }
}
