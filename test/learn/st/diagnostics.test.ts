import { describe, expect, it } from "vitest";
import { StCompileError, compileProgram } from "../../../worker/learn/st/index.ts";
import { compileErrors, program } from "./helpers.ts";

describe("ST syntax errors", () => {
  it("reports only the first syntax error, at the offending token", () => {
    const src = "PROGRAM P\nVAR x : INT; END_VAR\nx := 1\ny := 2;\nz := ;\nEND_PROGRAM";
    expect(compileErrors(src, "prog.st")).toEqual(["prog.st:3:7: error: expected ';' after '1'"]);
  });
  it("puts a missing ';' right after the token it should follow", () => {
    expect(compileErrors(program("VAR b : BOOL; END_VAR", "IF b THEN b := FALSE; END_IF\n"))).toEqual(["bad.st:3:29: error: expected ';' after 'END_IF'"]);
    expect(compileErrors(program("VAR b : BOOL END_VAR", ""))).toEqual(["bad.st:2:13: error: expected ';' after 'BOOL'"]);
  });
  it("says = is not assignment", () => {
    expect(compileErrors(program("VAR b : BOOL; END_VAR", "b = TRUE;"))).toEqual([
      "bad.st:3:3: error: expected ':=' (assignment) or '(' (function block call) but found '='",
    ]);
  });
  it("names constructs of full IEC 61131-3 that the subset leaves out", () => {
    expect(compileErrors("PROGRAM P\nVAR_IN_OUT x : INT; END_VAR\nEND_PROGRAM")).toEqual([
      "bad.st:2:1: error: VAR_IN_OUT is not part of this subset: use VAR_INPUT and VAR_OUTPUT (see docs/structured-text.md)",
    ]);
    expect(compileErrors(program("VAR i : INT; END_VAR", "FOR i := 1 TO 2 DO CONTINUE; END_FOR;"))).toEqual([
      "bad.st:3:20: error: CONTINUE is not part of this subset: use IF to skip the rest of the loop body (see docs/structured-text.md)",
    ]);
    expect(compileErrors(program("VAR Start AT %IX0.0 : BOOL; END_VAR", ""))).toEqual([
      "bad.st:2:14: error: unexpected character '%' (direct addresses like %IX0.0 are not part of this subset: declare tags in VAR_INPUT / VAR_OUTPUT)",
    ]);
  });
  it("refuses a program nested too deeply to compile instead of crashing", () => {
    expect(compileErrors(program("VAR x : INT; END_VAR", `x := ${"(".repeat(5000)}1${")".repeat(5000)};`))).toEqual([
      "bad.st:1:1: error: the program nests too deeply (expressions or statements) to compile",
    ]);
  });
  it("names what was expected at the end of the file", () => {
    expect(compileErrors("PROGRAM P\nVAR x : INT; END_VAR\nIF x = 1 THEN x := 2;\n")).toEqual([
      "bad.st:3:22: error: expected END_IF but found the end of the file",
    ]);
  });
  it("says an expression is missing", () => {
    expect(compileErrors(program("VAR x : INT; END_VAR", "x := ;"))).toEqual(["bad.st:3:6: error: expected an expression but found ';'"]);
  });
  it("points at an unclosed comment and at characters outside the subset", () => {
    expect(compileErrors("PROGRAM P\n  (* never closed\nEND_PROGRAM")).toEqual(["bad.st:2:3: error: comment opened here is never closed: add '*)'"]);
    expect(compileErrors(program("VAR x : INT; END_VAR", "x := 'a';"))).toEqual([
      "bad.st:3:6: error: unexpected character ''' (strings are not part of this subset)",
    ]);
  });
  it("refuses negative and malformed durations", () => {
    expect(compileErrors(program("VAR t : TIME; END_VAR", "t := T#-1s;"))).toEqual([
      'bad.st:3:6: error: negative durations are not allowed ("-1s"): TIME values here are never below T#0s',
    ]);
    expect(compileErrors(program("VAR t : TIME; END_VAR", "t := T#5s2m;"))).toEqual([
      'bad.st:3:6: error: "5s2m": units must go from days to milliseconds, each once (e.g. 1m30s, not 30s1m)',
    ]);
  });
  it("accepts every TIME literal form", () => {
    const p = compileProgram(program("VAR a, b, c, d, e : TIME; END_VAR", "a := T#1s500ms; b := TIME#2m; c := t#100ms; d := T#1.5s; e := T#1h_2m;"), "t.st");
    const i = p.createInstance();
    i.scan(0);
    expect(i.snapshot()).toEqual({ a: 1500, b: 120_000, c: 100, d: 1500, e: 3_720_000 });
  });
});

describe("ST type errors", () => {
  const decls = "VAR_INPUT Start : BOOL; END_VAR VAR_OUTPUT Motor : BOOL; END_VAR VAR n : INT; d : DINT; T1 : TON; END_VAR";
  const errs = (body: string) => compileErrors(program(decls, body));
  it("names an undeclared variable once, with a close match", () => {
    expect(errs("Motor := Strat;\nMotor := Strat AND Strat;")).toEqual(['bad.st:3:10: error: undeclared variable "Strat" (did you mean "Start"?)']);
  });
  it("refuses assigning to a VAR_INPUT", () => {
    expect(errs("Start := TRUE;")).toEqual([
      'bad.st:3:1: error: cannot assign to "Start": it is a VAR_INPUT, written only by the plant (copy it to a VAR if you need to change it)',
    ]);
  });
  it("refuses a type mismatch and names the conversion", () => {
    expect(errs("Motor := n;\nn := d;\nn := T#1s;")).toEqual([
      'bad.st:3:10: error: type mismatch: "Motor" is BOOL, the value is INT (convert with INT_TO_BOOL)',
      'bad.st:4:6: error: type mismatch: "n" is INT, the value is DINT (convert with DINT_TO_INT)',
      'bad.st:5:6: error: type mismatch: "n" is INT, the value is TIME (convert with TIME_TO_INT)',
    ]);
  });
  it("refuses unknown and misused FB parameters", () => {
    expect(errs("T1(IN := Start, PTT := T#1s);\nT1(Q := TRUE);\nT1(IN := n);\nT1(Start);")).toEqual([
      'bad.st:3:17: error: unknown parameter "PTT" of TON (inputs: IN, PT; outputs: Q, ET)',
      "bad.st:4:4: error: Q is an output of TON: bind it with Q => variable, or read T1.Q",
      'bad.st:5:10: error: type mismatch: TON.IN is BOOL, the value is INT (convert with INT_TO_BOOL)',
      "bad.st:6:4: error: function block calls need named parameters: T1(IN := ..., PT := ...)",
    ]);
  });
  it("refuses calling what is not a function block instance", () => {
    expect(errs("n(IN := TRUE);\nTON(IN := TRUE);\nFoo(IN := TRUE);\nMotor := T1;")).toEqual([
      'bad.st:3:1: error: "n" is an INT variable, not a function block instance: only function block instances can be called',
      "bad.st:4:1: error: TON is a function block type: declare an instance (e.g. MyTON : TON;) in VAR and call that",
      'bad.st:5:1: error: undeclared function block instance "Foo"',
      'bad.st:6:10: error: "T1" is a TON instance, not a value: read one of its outputs, e.g. T1.Q',
    ]);
  });
  it("refuses unknown types, unsupported types and duplicate declarations", () => {
    expect(compileErrors(program("VAR a : INTEGER; b : WORD; c : BOOL; C : INT; END_VAR", ""))).toEqual([
      'bad.st:2:9: error: unknown type "INTEGER" (supported: BOOL, INT, DINT, REAL, TIME, TON, TOF, TP, R_TRIG, F_TRIG, CTU, CTD, CTUD, SR, RS)',
      "bad.st:2:22: error: type WORD is not part of this subset (supported: BOOL, INT, DINT, REAL, TIME, TON, TOF, TP, R_TRIG, F_TRIG, CTU, CTD, CTUD, SR, RS)",
      'bad.st:2:38: error: duplicate declaration of "C" (first declared at line 2)',
    ]);
  });
  it("does not cascade from an unknown type into its uses", () => {
    expect(compileErrors(program("VAR a : INTEGER; b : INT; END_VAR", "a := 1; b := a + 1; IF a > 0 THEN b := 0; END_IF;"))).toHaveLength(1);
  });
  it("refuses non-BOOL conditions, non-integer CASE selectors, EXIT outside loops", () => {
    expect(compileErrors(program("VAR n : INT; r : REAL; END_VAR", "IF n THEN END_IF;\nCASE r OF 1: n := 1; END_CASE;\nEXIT;\nWHILE 1 DO END_WHILE;"))).toEqual([
      "bad.st:3:4: error: IF condition must be BOOL, not INT",
      "bad.st:4:6: error: CASE selector must be INT or DINT, not REAL",
      "bad.st:5:1: error: EXIT outside a FOR, WHILE or REPEAT loop",
      "bad.st:6:7: error: WHILE condition must be BOOL, not an integer constant",
    ]);
  });
  it("refuses variables in initial values and FB instances outside VAR", () => {
    expect(compileErrors(program("VAR a : INT := 1; b : INT := a; END_VAR VAR_OUTPUT T : TON; END_VAR", ""))).toEqual([
      'bad.st:2:30: error: initial values must be constants, but "a" is a variable',
      "bad.st:2:56: error: function block instances belong in VAR, not VAR_OUTPUT",
    ]);
  });
  it("throws StCompileError with structured diagnostics", () => {
    try {
      compileProgram(program("VAR n : INT; END_VAR", "n := TRUE;"), "x.st");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StCompileError);
      expect((e as StCompileError).diagnostics).toEqual([{ file: "x.st", line: 3, col: 6, message: 'type mismatch: "n" is INT, the value is BOOL (convert with BOOL_TO_INT)' }]);
    }
  });
});
