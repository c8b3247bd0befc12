/**
 * A clock the test moves by hand: sleep() resolves when advance() passes its deadline.
 * Nothing waits for real time.
 */
import type { Clock } from "../../worker/loop.ts";

interface Timer {
  at: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private timers: Timer[] = [];
  /** Every sleep asked for (ms), in order. */
  readonly sleeps: number[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.t + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Moves time forward, firing every timer due on the way, each followed by a settle. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((x) => x.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.resolve();
      await settle();
    }
    this.t = target;
    await settle();
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.length;
  }
}

/** Lets every queued promise callback and I/O callback run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
