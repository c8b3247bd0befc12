/**
 * What a chaos part reports: named counts, each with the value it must have and the value seen
 * by watching real processes from the outside (HTTP answers, the relay's job listing, the
 * worker's ledger file, the fakes' request logs). A count is wrong when the two differ; the
 * suite exits non-zero on any wrong count.
 */

/** One measured figure. */
export interface Count {
  /** What is counted, e.g. "forged webhooks accepted". */
  name: string;
  /** The value it must have. */
  expected: number;
  /** The value observed. */
  observed: number;
  /** For counts that are a bound rather than an exact value. */
  bound?: "atMost" | "atLeast";
  /** Issue 13 defect this count checks, when a wrong value points at one (e.g. "defect 2"). */
  defect?: string;
  /** Examples of what went wrong (a few, never a secret). */
  examples?: string[];
}

/** The result of one part of the suite. */
export interface PartResult {
  part: string;
  /** One line: what was done to what. */
  what: string;
  counts: Count[];
  /** Measurements that are reported, not judged (e.g. a delay in ms). */
  measured: Record<string, string>;
  durationMs: number;
  /** Set when the part itself could not run to the end (deadline, crash). */
  aborted?: string;
}

/** True when the observed value is the one required. */
export function countOk(c: Count): boolean {
  if (c.bound === "atMost") return c.observed <= c.expected;
  if (c.bound === "atLeast") return c.observed >= c.expected;
  return c.observed === c.expected;
}

/** True when every count of the part is right and the part ran to its end. */
export function partOk(p: PartResult): boolean {
  return !p.aborted && p.counts.every(countOk);
}

/** Collects counts for a part. */
export class Tally {
  readonly counts: Count[] = [];
  readonly measured: Record<string, string> = {};

  /** Adds an exact count. */
  exact(name: string, expected: number, observed: number, extra: Partial<Pick<Count, "defect" | "examples">> = {}): void {
    this.counts.push({ name, expected, observed, ...clean(extra) });
  }

  /** Adds a count that must stay at or below `max`. */
  atMost(name: string, max: number, observed: number, extra: Partial<Pick<Count, "defect" | "examples">> = {}): void {
    this.counts.push({ name, expected: max, observed, bound: "atMost", ...clean(extra) });
  }

  /** Adds a count that must reach at least `min`. */
  atLeast(name: string, min: number, observed: number, extra: Partial<Pick<Count, "defect" | "examples">> = {}): void {
    this.counts.push({ name, expected: min, observed, bound: "atLeast", ...clean(extra) });
  }

  measure(name: string, value: string): void {
    this.measured[name] = value;
  }
}

function clean(extra: Partial<Pick<Count, "defect" | "examples">>): Partial<Count> {
  const out: Partial<Count> = {};
  if (extra.defect) out.defect = extra.defect;
  if (extra.examples && extra.examples.length) out.examples = extra.examples.slice(0, 5);
  return out;
}

/** Keeps the first few examples of a kind of failure. */
export class Examples {
  private readonly items: string[] = [];
  constructor(private readonly max = 5) {}
  add(text: string): void {
    if (this.items.length < this.max) this.items.push(text.length > 300 ? `${text.slice(0, 300)}…` : text);
  }
  get list(): string[] {
    return [...this.items];
  }
}

/**
 * A part's limits: it stops sending when either is reached, so a hung relay cannot make the
 * suite run forever. `spend()` throws {@link BudgetExhausted} past the cap or the deadline.
 */
export class Budget {
  private used = 0;
  constructor(
    readonly maxRequests: number,
    readonly deadline: number,
  ) {}

  /** Counts one request; throws when the cap or the deadline is passed. */
  spend(n = 1): void {
    this.used += n;
    if (this.used > this.maxRequests) throw new BudgetExhausted(`request cap of ${this.maxRequests} reached`);
    if (Date.now() > this.deadline) throw new BudgetExhausted("deadline passed");
  }

  get spent(): number {
    return this.used;
  }

  /** Milliseconds left before the deadline (never negative). */
  get leftMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }
}

export class BudgetExhausted extends Error {}
