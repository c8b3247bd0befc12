/**
 * The two ways a program fails: it does not compile, or it fails while running. Both render as
 * compiler-style lines (`file:line:col: error: …`) because they go back to the model verbatim.
 */
import type { StCompileErrorShape, StDiagnostic, StRuntimeErrorShape } from "./api.ts";

/** Renders one diagnostic as `file:line:col: error: message`. */
export const formatDiagnostic = (d: StDiagnostic): string => `${d.file}:${d.line}:${d.col}: error: ${d.message}`;

/** A program that does not compile; `message` holds every diagnostic, one per line. */
export class StCompileError extends Error implements StCompileErrorShape {
  override readonly name = "StCompileError";
  readonly diagnostics: StDiagnostic[];
  constructor(diagnostics: StDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.diagnostics = diagnostics;
  }
}

/** A program that failed while running: `file:line:col: runtime error: …`. */
export class StRuntimeError extends Error implements StRuntimeErrorShape {
  override readonly name = "StRuntimeError";
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Simulated time (ms) of the scan that failed. */
  readonly atMs: number;
  /** The message without the position: "division by zero". */
  readonly reason: string;
  constructor(file: string, line: number, col: number, reason: string, atMs: number) {
    super(`${file}:${line}:${col}: runtime error: ${reason}`);
    this.file = file;
    this.line = line;
    this.col = col;
    this.reason = reason;
    this.atMs = atMs;
  }
}
