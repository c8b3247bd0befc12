/**
 * Group commit for the queue object. Every write an RPC asks for is queued; when the object
 * is idle the batch runs at the end of the current turn, and while a commit is still being
 * made durable the next batch waits a turn so every write arriving meanwhile shares ONE storage
 * transaction: a burst of 20 enqueues (or four busy workers' acks) then costs one or two
 * storage commits instead of one each. Replies still leave only after their commit
 * (the runtime's output gate), so nothing is acknowledged before it is durable.
 */

interface PendingOp {
  run: (now: number) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitHooks {
  /** Runs `fn` in one storage transaction (ctx.storage.transactionSync). */
  transaction<T>(fn: () => T): T;
  /** The object's clock. */
  now(): number;
  /**
   * Work at the start of the batch, inside its transaction, before any op (e.g. taking back
   * expired leases, so every read and write sees them expired). Optional.
   */
  before?(now: number): void;
  /**
   * Work for the end of the batch, inside the same transaction (e.g. lease jobs to waiting
   * polls); returns what to run once that transaction has succeeded (e.g. answer them).
   */
  inside(now: number): Array<() => void>;
  /** Work after the batch's transaction (e.g. setting the alarm). */
  after(now: number): Promise<void>;
  /** Resolves once everything written so far is durable (ctx.storage.sync). */
  durable(): Promise<void>;
}

export class GroupCommit {
  private pending: PendingOp[] = [];
  /** A batch was written and its commit is not yet confirmed durable. */
  private committing = false;

  constructor(private readonly hooks: GroupCommitHooks) {}

  /** Queues `op` for the next batch; resolves with its result once the batch has run. */
  run<T>(op: (now: number) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: op, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length > 1) return;
      // Idle: write at the end of this turn (no timer hop). Busy (a commit in flight): wait a
      // turn, so the requests arriving meanwhile share the next transaction.
      if (this.committing) setTimeout(() => void this.flush(), 0);
      else queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const now = this.hooks.now();
    this.committing = true;
    let results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    let settle: Array<() => void> = [];
    try {
      results = this.hooks.transaction(() => {
        if (this.hooks.before) {
          try {
            this.hooks.transaction(() => this.hooks.before!(now));
          } catch (error) {
            // Housekeeping must never fail the batch's own ops (the alarm tries again).
            console.error("relay: work before a batch failed", error instanceof Error ? error.message : typeof error);
          }
        }
        const out = batch.map((op) => {
          try {
            // A savepoint per op: one op's failure undoes only its own writes.
            return { ok: true as const, value: this.hooks.transaction(() => op.run(now)) };
          } catch (error) {
            return { ok: false as const, error };
          }
        });
        settle = this.hooks.inside(now);
        return out;
      });
      // From here until the commit is durable, new writes wait a turn to batch up.
      void this.hooks.durable().finally(() => {
        if (this.pending.length === 0) this.committing = false;
      });
    } catch (error) {
      // The transaction itself failed: nothing of this batch was written.
      this.committing = false;
      for (const op of batch) op.reject(error);
      return;
    }
    for (const fn of settle) fn();
    try {
      await this.hooks.after(now);
    } catch (error) {
      // The batch is committed: its ops succeeded, whatever the follow-up work did (it is
      // planned again by the next batch or alarm). Failing them here would report stored
      // jobs as lost.
      console.error("relay: work after a committed batch failed", error instanceof Error ? error.message : typeof error);
    }
    results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.error)));
  }
}
