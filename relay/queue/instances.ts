/**
 * The worker processes the queue object has seen, per worker name: a poll from a process id
 * never seen under that name is a restarted worker (see leases.ts, `reclaimFromPredecessors`).
 * Kept in memory, like the waiting polls: after the object restarts every process looks new
 * once, which is harmless (a process never takes back its own leases). Bounded.
 */
export class InstanceRegistry {
  private readonly seen = new Map<string, string[]>();

  constructor(
    private readonly perWorker = 8,
    private readonly workers = 1000,
  ) {}

  /** Records `instance` under `worker`; true when it was not known yet. */
  firstSeen(worker: string, instance: string): boolean {
    const list = this.seen.get(worker);
    if (list?.includes(instance)) return false;
    if (list) {
      list.push(instance);
      if (list.length > this.perWorker) list.shift();
    } else {
      if (this.seen.size >= this.workers) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(worker, [instance]);
    }
    return true;
  }
}
