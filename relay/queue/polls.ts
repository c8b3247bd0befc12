/**
 * Long polls waiting in the queue object's memory, oldest first. Whatever makes a job ready
 * hands it to the oldest waiter in the same turn; a waiter whose time runs out is answered
 * null (the route turns that into 204).
 */
import type { LeaseResponse } from "../../shared/jobs.ts";

/** One parked `GET /v1/jobs/next`. */
export interface Waiter {
  worker: string;
  /** The polling process's id, when it sent one. */
  instance: string | null;
  pollId: string | undefined;
  resolve: (lease: LeaseResponse | null) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The waiting polls, in arrival order. */
export class WaitingPolls {
  private readonly list: Waiter[] = [];

  get length(): number {
    return this.list.length;
  }

  /** Parks a poll for `waitMs`; it is answered null when the time runs out. */
  add(worker: string, instance: string | null, waitMs: number, resolve: Waiter["resolve"], pollId: string | undefined): void {
    const waiter: Waiter = {
      worker,
      instance,
      pollId,
      resolve,
      timer: setTimeout(() => {
        this.drop(waiter);
        resolve(null);
      }, waitMs),
    };
    this.list.push(waiter);
  }

  /** The poll that has waited longest, if any. */
  oldest(): Waiter | undefined {
    return this.list[0];
  }

  /** Takes a poll out (it is about to be answered by its caller) and stops its timer. */
  remove(waiter: Waiter): void {
    this.drop(waiter);
    clearTimeout(waiter.timer);
  }

  /** Answers null to, and removes, every poll that matches. Returns how many. */
  withdraw(match: (w: Waiter) => boolean): number {
    const gone = this.list.filter(match);
    for (const waiter of gone) {
      this.remove(waiter);
      waiter.resolve(null);
    }
    return gone.length;
  }

  private drop(waiter: Waiter): void {
    const i = this.list.indexOf(waiter);
    if (i >= 0) this.list.splice(i, 1);
  }
}
