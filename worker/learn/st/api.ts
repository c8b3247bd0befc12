/**
 * The public face of the Structured Text engine: what the plants, the judge, the learning loop
 * and `factory st run` may rely on. Everything else under worker/learn/st/ is internal.
 *
 * The engine is pure and deterministic: no clock, no I/O, no randomness. Simulated time is
 * passed into every scan, so the same program, inputs and times give the same run, always.
 */

/** Elementary types of the supported subset. TIME values are milliseconds (number). */
export type StType = "BOOL" | "INT" | "DINT" | "REAL" | "TIME";

/** A value as the engine hands it out: BOOL → boolean, everything else → number (TIME in ms). */
export type StValue = boolean | number;

/** Where a variable was declared. */
export type StSection = "VAR_INPUT" | "VAR_OUTPUT" | "VAR";

/** One elementary variable of a program (function-block instances are not listed). */
export interface StVariable {
  /** As declared (identifiers are case-insensitive; this keeps the declared spelling). */
  name: string;
  type: StType;
  section: StSection;
  /** The declared initial value, or the type's default (FALSE, 0, T#0s). */
  initial: StValue;
  /** 1-based line of the declaration. */
  line: number;
}

/** One problem found in a program: rendered `file:line:col: error: message`. */
export interface StDiagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

/**
 * A program that does not compile. `message` is every diagnostic, one `file:line:col: error: ...`
 * per line. The class is StCompileError (errors.ts, exported by index.ts), which implements this.
 */
export interface StCompileErrorShape extends Error {
  readonly diagnostics: StDiagnostic[];
}

/**
 * A program that failed while running (division by zero, runaway loop): `file:line:col: runtime
 * error: ...`. The class is StRuntimeError (errors.ts, exported by index.ts), which implements this.
 */
export interface StRuntimeErrorShape extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Simulated time (ms) of the scan that failed. */
  readonly atMs: number;
  /** The message without position: "division by zero". */
  readonly reason: string;
}

export interface InstanceOptions {
  /** Loop iterations allowed per scan over all FOR/WHILE/REPEAT loops before a runaway-loop error. */
  maxLoopIterations?: number;
}

/** A compiled program: its interface, and a factory for independent running instances. */
export interface CompiledProgram {
  readonly name: string;
  readonly file: string;
  readonly variables: readonly StVariable[];
  readonly inputs: readonly StVariable[];
  readonly outputs: readonly StVariable[];
  createInstance(options?: InstanceOptions): ProgramInstance;
}

/** One running program with its own memory (variables and function-block state). */
export interface ProgramInstance {
  /** Sets a VAR_INPUT before the next scan. Unknown names and wrong types throw a plain Error. */
  setInput(name: string, value: StValue): void;
  /** Reads any elementary variable by name (case-insensitive), or a block parameter as "T1.Q". Unknown names throw. */
  get(name: string): StValue;
  /** Runs one scan: the program body once, with timers seeing `nowMs` (simulated, monotonic). */
  scan(nowMs: number): void;
  /** Every elementary variable by declared name. */
  snapshot(): Record<string, StValue>;
}
