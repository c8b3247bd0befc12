/**
 * Parts (boxes) on one-dimensional routes: each part has a route, the position of its front
 * edge along that route (metres, in the direction of travel), a length and a height. Sensors
 * see a part when its extent [front − length, front] covers the sensor's position and the part
 * is tall enough; parts on one route never overlap (a part stops against the one ahead).
 */

export interface PartType {
  id: string;
  /** Footprint along the direction of travel, metres. */
  length: number;
  height: number;
}

/** The boxes the built-in conveyor scenes emit: the same two heights, told apart by the height sensors. */
export const BOXES: readonly PartType[] = [
  { id: "small-box", length: 0.6, height: 0.3 },
  { id: "tall-box", length: 0.6, height: 0.6 },
];

export interface Part {
  id: number;
  type: string;
  length: number;
  height: number;
  route: string;
  /** Front edge along the route, metres. */
  front: number;
}

/** A part's rear edge. */
export const rear = (p: Part): number => p.front - p.length;
/** A part's centre: which surface carries it. */
export const centre = (p: Part): number => p.front - p.length / 2;

/** Does a sensor at `x` on `route`, mounted `minHeight` above the belt, see a part? */
export function sees(parts: readonly Part[], route: string, x: number, minHeight = 0): boolean {
  for (const p of parts) if (p.route === route && rear(p) <= x && x <= p.front && p.height > minHeight) return true;
  return false;
}

/**
 * Moves every part on `route` by its own speed for `dt` seconds. `speedOf` gives the speed of the
 * surface under a part (m/s, negative runs backwards); `limitOf` the furthest its front may go
 * this step (an end stop). Parts moving forward stop against the rear of the part ahead, parts
 * moving backwards against the front of the part behind.
 */
export function moveRoute(
  parts: readonly Part[],
  route: string,
  dt: number,
  speedOf: (p: Part) => number,
  limitOf: (p: Part) => number = () => Infinity,
): void {
  if (!parts.some((p) => p.route === route)) return;
  const onRoute = parts.filter((p) => p.route === route).sort((a, b) => b.front - a.front);
  for (let i = 0; i < onRoute.length; i++) {
    const p = onRoute[i]!;
    const v = speedOf(p);
    if (v > 0) {
      let target = Math.min(p.front + v * dt, limitOf(p));
      const ahead = onRoute[i - 1];
      if (ahead) target = Math.min(target, rear(ahead));
      p.front = Math.max(p.front, target);
    } else if (v < 0) {
      let target = p.front + v * dt;
      const behind = onRoute[i + 1];
      if (behind) target = Math.max(target, behind.front + p.length);
      p.front = Math.min(p.front, target);
    }
  }
}

/** Scenario parts waiting for the emitter, oldest first, and the numbering of parts that entered. */
export class PartQueue {
  private waiting: string[] = [];
  private nextId = 1;

  reset(): void {
    this.waiting = [];
    this.nextId = 1;
  }

  push(type: string): void {
    this.waiting.push(type);
  }

  get length(): number {
    return this.waiting.length;
  }

  /** Takes the oldest waiting part and gives it the next id. */
  take(): { id: number; type: string } | undefined {
    const type = this.waiting.shift();
    return type === undefined ? undefined : { id: this.nextId++, type };
  }
}
