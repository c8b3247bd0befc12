/**
 * The type rules of the subset and the integer arithmetic they imply. INT is 16-bit and DINT
 * 32-bit two's complement: results wrap, as on a PLC. REAL is a JavaScript double.
 */
import type { StType, StValue } from "./api.ts";

/** A type during checking: an elementary type, an untyped integer constant, or an earlier error. */
export type ExprType = StType | "ANYINT" | "ERROR";

export const ELEMENTARY: readonly StType[] = ["BOOL", "INT", "DINT", "REAL", "TIME"];

/** Integer ranges by type. */
export const RANGE = { INT: [-32768, 32767], DINT: [-2147483648, 2147483647] } as const;

const NUMERIC_RANK: Partial<Record<ExprType, number>> = { ANYINT: 0, INT: 1, DINT: 2, REAL: 3 };

export const isNumeric = (t: ExprType): boolean => NUMERIC_RANK[t] !== undefined;
export const isInteger = (t: ExprType): boolean => t === "ANYINT" || t === "INT" || t === "DINT";

/** The wider of two numeric types: INT and DINT give DINT, anything and REAL gives REAL. */
export function widest(a: ExprType, b: ExprType): ExprType {
  return (NUMERIC_RANK[a] ?? 0) >= (NUMERIC_RANK[b] ?? 0) ? a : b;
}

/** Implicit conversions: only the ones that lose nothing (INT → DINT → REAL) and integer constants. */
export function assignable(from: ExprType, to: ExprType): boolean {
  if (from === "ERROR" || to === "ERROR" || from === to) return true;
  if (from === "ANYINT") return to === "INT" || to === "DINT" || to === "REAL";
  if (from === "INT") return to === "DINT" || to === "REAL";
  if (from === "DINT") return to === "REAL";
  return false;
}

/** How a user reads a type in a message (an integer constant is "an integer constant"). */
export const show = (t: ExprType): string => (t === "ANYINT" ? "an integer constant" : t);

/** 16-bit two's-complement wrap (also truncates a fraction toward zero). */
export const wrapInt = (v: number): number => (v << 16) >> 16;
/** 32-bit two's-complement wrap (also truncates a fraction toward zero). */
export const wrapDint = (v: number): number => v | 0;

/** IEC rounds REAL to integer to the nearest, halves away from zero: 2.5 → 3, -2.5 → -3. */
export const roundHalfAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

/** The wrap to apply when a value of type `from` is stored as `to`, or null when none is needed. */
export function storeConversion(from: ExprType, to: ExprType): ((v: number) => number) | null {
  if (to === "INT" && from !== "INT") return wrapInt;
  if (to === "DINT" && from !== "INT" && from !== "DINT") return wrapDint;
  return null;
}

/** The default value of a type (FALSE, 0, T#0s). */
export const defaultValue = (t: StType): StValue => (t === "BOOL" ? false : 0);

/** Types that a declaration may name but this subset leaves out, for a precise message. */
export const UNSUPPORTED_TYPES = new Set([
  "SINT", "USINT", "UINT", "UDINT", "LINT", "ULINT", "LREAL", "BYTE", "WORD", "DWORD", "LWORD",
  "STRING", "WSTRING", "CHAR", "WCHAR", "DATE", "TOD", "TIME_OF_DAY", "DT", "DATE_AND_TIME", "LTIME",
]);

/** Formats a value as ST source would write it: TRUE, 42, 1.5, T#1s500ms. */
export function formatValue(type: StType, v: StValue): string {
  if (type === "BOOL") return v ? "TRUE" : "FALSE";
  if (type === "TIME") return formatTime(v as number);
  if (type === "REAL") {
    const n = v as number;
    return Number.isInteger(n) ? n.toFixed(1) : String(n);
  }
  return String(v);
}

/** T#… text of a duration in ms: T#0s, T#1s500ms, T#2m, T#-5ms. */
export function formatTime(ms: number): string {
  if (ms === 0) return "T#0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  let out = "";
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return `T#${sign}${out}`;
}

/** "a BOOL", "an INT": types in messages read as words. */
export const article = (t: string): string => `${/^[AEIOU]/.test(t) ? "an" : "a"} ${t}`;
