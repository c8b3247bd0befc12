/**
 * The Structured Text engine: compile a program once, then run instances of it scan by scan in
 * simulated time. See docs/structured-text.md for the subset and its rules.
 */
export type {
  CompiledProgram,
  InstanceOptions,
  ProgramInstance,
  StDiagnostic,
  StSection,
  StType,
  StValue,
  StVariable,
} from "./api.ts";
export { StCompileError, StRuntimeError, formatDiagnostic } from "./errors.ts";
export { DEFAULT_MAX_LOOP_ITERATIONS, compileProgram } from "./program.ts";
export { runStandalone, type Change, type InputSet, type StandaloneOptions, type StandaloneRun } from "./standalone.ts";
export { RANGE, formatTime, formatValue } from "./types.ts";
export { parseDuration, parseTimeLiteral } from "./literals.ts";
