import { describe, expect, it } from "vitest";
import { compileErrors, evaluate, program } from "./helpers.ts";

describe("ST operator precedence (IEC 61131-3 ed. 2)", () => {
  it("multiplies before adding", () => {
    expect(evaluate("INT", "2 + 3 * 4")).toBe(14);
    expect(evaluate("INT", "(2 + 3) * 4")).toBe(20);
    expect(evaluate("INT", "10 - 4 - 3")).toBe(3);
  });
  it("binds NOT tighter than AND, AND tighter than XOR, XOR tighter than OR", () => {
    const decls = "a : BOOL := FALSE; b : BOOL := TRUE;";
    expect(evaluate("BOOL", "NOT a AND b", decls)).toBe(true);
    expect(evaluate("BOOL", "NOT (a AND b)", decls)).toBe(true);
    expect(evaluate("BOOL", "NOT b AND b", decls)).toBe(false);
    expect(evaluate("BOOL", "TRUE OR TRUE XOR TRUE")).toBe(true);
    expect(evaluate("BOOL", "(TRUE OR TRUE) XOR TRUE")).toBe(false);
    expect(evaluate("BOOL", "TRUE XOR TRUE AND FALSE")).toBe(true);
    expect(evaluate("BOOL", "FALSE & TRUE OR TRUE")).toBe(true);
  });
  it("binds ** tighter than unary minus, so -2**2 is -4, and ** is left-associative", () => {
    expect(evaluate("REAL", "-2 ** 2")).toBe(-4);
    expect(evaluate("REAL", "(-2) ** 2")).toBe(4);
    expect(evaluate("REAL", "2 ** 3 ** 2")).toBe(64);
    expect(evaluate("REAL", "2 ** -1")).toBe(0.5);
  });
  it("compares before testing equality, so a < b = c < d compares two BOOLs", () => {
    expect(evaluate("BOOL", "1 < 2 = 3 < 4")).toBe(true);
    expect(evaluate("BOOL", "1 < 2 = 4 < 3")).toBe(false);
    expect(evaluate("BOOL", "2 + 1 > 2 AND 1 <> 2")).toBe(true);
  });
  it("refuses a comparison chain a < b < c with a hint", () => {
    const [err] = compileErrors(program("VAR r : BOOL; END_VAR", "r := 1 < 2 < 3;"));
    expect(err).toBe("bad.st:3:12: error: cannot compare BOOL with an integer constant using < (a comparison gives a BOOL; chain comparisons with AND: a < b AND b < c)");
  });
});

describe("ST integer arithmetic", () => {
  it("wraps INT at 16 bits and DINT at 32 bits", () => {
    expect(evaluate("INT", "x + 1", "x : INT := 32767;")).toBe(-32768);
    expect(evaluate("INT", "x - 1", "x : INT := -32768;")).toBe(32767);
    expect(evaluate("INT", "x * 2", "x : INT := 20000;")).toBe(-25536);
    expect(evaluate("INT", "-x", "x : INT := -32768;")).toBe(-32768);
    expect(evaluate("DINT", "x + 1", "x : DINT := 2147483647;")).toBe(-2147483648);
    expect(evaluate("DINT", "x * x", "x : DINT := 100000;")).toBe(1410065408);
  });
  it("widens INT with DINT to DINT", () => {
    expect(evaluate("DINT", "x + y", "x : INT := 32767; y : DINT := 1;")).toBe(32768);
  });
  it("truncates integer division toward zero", () => {
    expect(evaluate("INT", "7 / 2")).toBe(3);
    expect(evaluate("INT", "-7 / 2")).toBe(-3);
    expect(evaluate("INT", "x / -1", "x : INT := -32768;")).toBe(-32768);
  });
  it("gives MOD the sign of the dividend", () => {
    expect(evaluate("INT", "-7 MOD 3")).toBe(-1);
    expect(evaluate("INT", "7 MOD -3")).toBe(1);
    expect(evaluate("INT", "7 MOD 3")).toBe(1);
    expect(Object.is(evaluate("INT", "-6 MOD 3"), 0)).toBe(true);
  });
  it("reads based, separated and typed integer literals", () => {
    expect(evaluate("DINT", "16#FF + 2#1010 + 8#17 + 1_000")).toBe(255 + 10 + 15 + 1000);
    expect(evaluate("INT", "INT#5 + INT#-3")).toBe(2);
    expect(evaluate("DINT", "DINT#16#7FFFFFFF")).toBe(2147483647);
  });
  it("refuses constants out of range for their variable", () => {
    expect(compileErrors(program("VAR r : INT; END_VAR", "r := 40000;"))).toEqual([
      "bad.st:3:6: error: 40000 is out of range for INT (-32768..32767)",
    ]);
    expect(compileErrors(program("VAR r : INT := -32769; END_VAR", ""))[0]).toBe("bad.st:2:16: error: -32769 is out of range for INT (-32768..32767)");
  });
});

describe("ST REAL and TIME arithmetic", () => {
  it("computes REAL in double precision and mixes integers in", () => {
    expect(evaluate("REAL", "1.5 + 1.0E3")).toBe(1001.5);
    expect(evaluate("REAL", "x / 4", "x : INT := 10;")).toBe(2); // INT / integer constant stays INT
    expect(evaluate("REAL", "x / 4.0", "x : INT := 10;")).toBe(2.5);
    expect(evaluate("REAL", "0.1 + 0.2")).toBe(0.1 + 0.2);
  });
  it("adds, scales and divides TIME in whole milliseconds", () => {
    expect(evaluate("TIME", "T#1s500ms + t#100ms")).toBe(1600);
    expect(evaluate("TIME", "TIME#2m - T#1.5s")).toBe(118_500);
    expect(evaluate("TIME", "T#1s * 3")).toBe(3000);
    expect(evaluate("TIME", "T#1s / 3")).toBe(333);
    expect(evaluate("BOOL", "T#1s > T#999ms")).toBe(true);
  });
});

describe("ST standard functions", () => {
  it("computes ABS, MIN, MAX, LIMIT, SEL, SQRT, TRUNC", () => {
    expect(evaluate("INT", "ABS(-5)")).toBe(5);
    expect(evaluate("INT", "MIN(4, 2, 9)")).toBe(2);
    expect(evaluate("REAL", "MAX(1, 2.5)")).toBe(2.5);
    expect(evaluate("TIME", "MAX(T#1s, T#2s)")).toBe(2000);
    expect(evaluate("INT", "LIMIT(0, 120, 100)")).toBe(100);
    expect(evaluate("INT", "LIMIT(0, -3, 100)")).toBe(0);
    expect(evaluate("INT", "SEL(TRUE, 1, 2)")).toBe(2);
    expect(evaluate("BOOL", "SEL(FALSE, TRUE, FALSE)")).toBe(true);
    expect(evaluate("REAL", "SQRT(16)")).toBe(4);
    expect(evaluate("DINT", "TRUNC(-2.7)")).toBe(-2);
  });
  it("rounds REAL to integers to the nearest, halves away from zero", () => {
    expect(evaluate("INT", "REAL_TO_INT(2.5)")).toBe(3);
    expect(evaluate("INT", "REAL_TO_INT(-2.5)")).toBe(-3);
    expect(evaluate("INT", "REAL_TO_INT(2.4)")).toBe(2);
    expect(evaluate("DINT", "REAL_TO_DINT(1.0E6)")).toBe(1_000_000);
  });
  it("converts between BOOL, INT, DINT, REAL and TIME", () => {
    expect(evaluate("INT", "BOOL_TO_INT(TRUE)")).toBe(1);
    expect(evaluate("BOOL", "INT_TO_BOOL(7)")).toBe(true);
    expect(evaluate("REAL", "INT_TO_REAL(3) / 2.0")).toBe(1.5);
    expect(evaluate("DINT", "TIME_TO_DINT(T#1m)")).toBe(60_000);
    expect(evaluate("INT", "TIME_TO_INT(T#1s500ms)")).toBe(1500);
    expect(evaluate("TIME", "INT_TO_TIME(250)")).toBe(250);
    expect(evaluate("INT", "DINT_TO_INT(x)", "x : DINT := 65537;")).toBe(1);
  });
  it("refuses wrong argument types and counts", () => {
    const errs = compileErrors(program("VAR r : INT; END_VAR", "r := ABS(TRUE);\nr := LIMIT(1, 2);\nr := ABS(IN := 1);"));
    expect(errs).toEqual([
      "bad.st:3:6: error: ABS needs a number, not BOOL",
      "bad.st:4:6: error: LIMIT takes 3 arguments (MN, IN, MX), got 2",
      "bad.st:5:10: error: ABS takes its arguments by position: ABS(IN)",
    ]);
  });
});
