/**
 * What the compiler knows while it checks a program: the declared names (case-insensitive),
 * the diagnostics so far, and the run-time context the compiled closures read.
 */
import type { StDiagnostic, StSection, StType, StValue } from "./api.ts";
import type { Name, Pos } from "./ast.ts";
import type { BlockInstance, BlockType } from "./blocks.ts";

/** The memory of one running instance, passed to every compiled closure. */
export interface Ctx {
  /** Elementary variables by slot. */
  m: StValue[];
  /** Function-block instances by slot. */
  fb: BlockInstance[];
  /** Simulated time of the current scan (ms). */
  now: number;
  /** Loop iterations still allowed in this scan. */
  budget: number;
  /** The per-scan loop allowance, for the runaway-loop message. */
  maxLoops: number;
}

export type Sym =
  /** A variable whose declaration failed has type ERROR and no slot: its uses raise no further errors. */
  | { kind: "var"; slot: number; name: string; type: StType | "ERROR"; section: StSection; line: number }
  | { kind: "fb"; slot: number; name: string; block: BlockType; line: number };

/** Edit distance, for "did you mean …?" on misspelt names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export class Scope {
  readonly diagnostics: StDiagnostic[] = [];
  readonly symbols = new Map<string, Sym>();
  private readonly undeclared = new Set<string>();
  /** Depth of enclosing loops, so EXIT outside one is refused. */
  loopDepth = 0;

  constructor(readonly file: string) {}

  error(at: Pos, message: string): void {
    this.diagnostics.push({ file: this.file, line: at.line, col: at.col, message });
  }

  lookup(name: Name): Sym | undefined {
    return this.symbols.get(name.text.toUpperCase());
  }

  /** Reports an unknown name once per name: its other uses would only repeat the message. */
  reportUndeclared(name: Name, what = "variable"): void {
    const key = name.text.toUpperCase();
    if (this.undeclared.has(key)) return;
    this.undeclared.add(key);
    this.error(name, `undeclared ${what} "${name.text}"${this.suggestion(key)}`);
  }

  private suggestion(key: string): string {
    // Short names are too close to everything for a guess to help.
    if (key.length < 3) return "";
    let best: Sym | undefined;
    let bestDistance = 3;
    for (const [k, sym] of this.symbols) {
      const d = distance(k, key);
      if (d < bestDistance) {
        best = sym;
        bestDistance = d;
      }
    }
    return best ? ` (did you mean "${best.name}"?)` : "";
  }
}
