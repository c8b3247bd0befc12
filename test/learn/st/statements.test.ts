import { describe, expect, it } from "vitest";
import { StRuntimeError, compileProgram } from "../../../worker/learn/st/index.ts";
import { program, scans } from "./helpers.ts";

const once = (decls: string, body: string) => scans(program(decls, body), 1)[0]!;

describe("ST statements", () => {
  it("IF / ELSIF / ELSE takes the first true branch", () => {
    const body = "IF x > 10 THEN r := 1; ELSIF x > 5 THEN r := 2; ELSIF x > 0 THEN r := 3; ELSE r := 4; END_IF;";
    for (const [x, r] of [[20, 1], [7, 2], [1, 3], [0, 4]]) {
      expect(once(`VAR x : INT := ${x}; r : INT; END_VAR`, body).r).toBe(r);
    }
  });
  it("CASE matches single values, lists and ranges, else the ELSE branch", () => {
    const body = "CASE x OF 1: r := 10; 2, 3: r := 20; 4..6, 9: r := 30; -2..-1: r := 40; ELSE r := 99; END_CASE;";
    for (const [x, r] of [[1, 10], [3, 20], [5, 30], [9, 30], [-1, 40], [7, 99]]) {
      expect(once(`VAR x : INT := ${x}; r : INT; END_VAR`, body).r).toBe(r);
    }
  });
  it("CASE without ELSE does nothing when no label matches", () => {
    expect(once("VAR x : INT := 8; r : INT := 5; END_VAR", "CASE x OF 1: r := 1; END_CASE;").r).toBe(5);
  });
  it("FOR counts up and down with BY and leaves the variable one step past the end", () => {
    expect(once("VAR i : INT; s : INT; END_VAR", "FOR i := 1 TO 10 DO s := s + i; END_FOR;")).toMatchObject({ s: 55, i: 11 });
    expect(once("VAR i : INT; s : INT; END_VAR", "FOR i := 10 TO 1 BY -3 DO s := s * 10 + i; END_FOR;")).toMatchObject({ s: 10741, i: -2 });
    expect(once("VAR i : INT; s : INT; END_VAR", "FOR i := 5 TO 1 DO s := 1; END_FOR;")).toMatchObject({ s: 0, i: 5 });
  });
  it("WHILE and REPEAT loop until their condition; REPEAT runs its body at least once", () => {
    expect(once("VAR n : INT := 1; END_VAR", "WHILE n < 100 DO n := n * 2; END_WHILE;").n).toBe(128);
    expect(once("VAR n : INT := 500; k : INT; END_VAR", "REPEAT k := k + 1; UNTIL n > 0 END_REPEAT;").k).toBe(1);
  });
  it("EXIT leaves only the innermost loop", () => {
    const body = "FOR i := 1 TO 3 DO FOR j := 1 TO 3 DO IF j = 2 THEN EXIT; END_IF; s := s + 1; END_FOR; END_FOR;";
    expect(once("VAR i, j, s : INT; END_VAR", body).s).toBe(3);
  });
  it("RETURN ends the scan's body, from inside a loop too", () => {
    const body = "a := 1; WHILE TRUE DO RETURN; END_WHILE; a := 2;";
    expect(once("VAR a : INT; END_VAR", body).a).toBe(1);
  });
  it("keeps variables between scans and runs the body once per scan", () => {
    const rows = scans(program("VAR n : INT; END_VAR", "n := n + 1;"), 3);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
  });
  it("reads keywords, names and types in any case", () => {
    const src = "program Mixed\nvar Count : int := 2; flag : Bool; END_VAR\nIf COUNT = 2 tHeN FLAG := true; end_if;\nend_program";
    const i = compileProgram(src, "m.st").createInstance();
    i.scan(0);
    expect(i.get("flag")).toBe(true);
    expect(i.get("FLAG")).toBe(true);
    expect(i.snapshot()).toEqual({ Count: 2, flag: true });
  });
  it("reads block types, instances and parameters in any case", () => {
    const src = program("var t1 : ton; q : bool; END_VAR", "T1(in := TRUE, pt := t#0S); q := t1.q;");
    const i = compileProgram(src, "m.st").createInstance();
    i.scan(0);
    expect([i.get("q"), i.get("T1.Q"), i.get("t1.et")]).toEqual([true, true, 0]);
  });
  it("lets a variable take a standard function's name", () => {
    expect(once("VAR Limit : INT := 3; r : INT; END_VAR", "r := Limit * 2;").r).toBe(6);
  });
  it("skips (* block *), nested (* (* *) *) and // line comments", () => {
    const src = "PROGRAM C (* a (* nested *) comment *)\nVAR x : INT; END_VAR // line\nx := 1; (* x := 2; *)\nEND_PROGRAM";
    expect(scans(src, 1)[0]!.x).toBe(1);
  });
  it("binds FB outputs with => and reads them with a dot", () => {
    const body = "T(IN := TRUE, PT := T#0s, Q => q, ET => e); r := T.Q;";
    expect(once("VAR T : TON; q, r : BOOL; e : TIME := T#1s; END_VAR", body)).toEqual({ q: true, r: true, e: 0 });
  });
});

describe("ST runtime errors", () => {
  const failure = (decls: string, body: string, options = {}) => {
    const i = compileProgram(program(decls, body), "run.st").createInstance(options);
    try {
      i.scan(0);
      i.scan(10);
    } catch (e) {
      if (e instanceof StRuntimeError) return e;
      throw e;
    }
    throw new Error("expected a runtime error");
  };
  it("reports integer and REAL division by zero and MOD 0 at the operator", () => {
    expect(failure("VAR a : INT := 1; b : INT; END_VAR", "a := a / b;").message).toBe("run.st:3:8: runtime error: division by zero");
    expect(failure("VAR a : REAL := 1.0; b : REAL; END_VAR", "a := a / b;").message).toBe("run.st:3:8: runtime error: division by zero");
    expect(failure("VAR a : INT := 1; b : INT; END_VAR", "\n  a := a MOD b;").message).toBe("run.st:4:10: runtime error: division by zero");
  });
  it("carries the position and the simulated time of the failing scan", () => {
    const e = failure("VAR a : INT; n : INT; END_VAR", "n := n + 1; IF n = 2 THEN a := 1 / (n - 2); END_IF;");
    expect({ line: e.line, col: e.col, atMs: e.atMs, file: e.file }).toEqual({ line: 3, col: 34, atMs: 10, file: "run.st" });
  });
  it("stops a runaway loop at the per-scan iteration limit and points at the loop", () => {
    const e = failure("VAR x : BOOL; END_VAR", "x := TRUE;\nWHILE x DO\n  x := TRUE;\nEND_WHILE;");
    expect(e.message).toBe("run.st:4:1: runtime error: loop ran more than 100000 iterations in one scan (runaway loop?)");
    const small = failure("VAR i : INT; END_VAR", "REPEAT i := i + 1; UNTIL FALSE END_REPEAT;", { maxLoopIterations: 50 });
    expect(small.message).toBe("run.st:3:1: runtime error: loop ran more than 50 iterations in one scan (runaway loop?)");
  });
  it("counts iterations over all loops of a scan, and starts afresh each scan", () => {
    const src = program("VAR i, n : INT; END_VAR", "FOR i := 1 TO 30 DO n := n + 1; END_FOR; FOR i := 1 TO 30 DO n := n + 1; END_FOR;");
    const i = compileProgram(src, "r.st").createInstance({ maxLoopIterations: 60 });
    i.scan(0);
    i.scan(10);
    expect(i.get("n")).toBe(120);
    const tight = compileProgram(src, "r.st").createInstance({ maxLoopIterations: 59 });
    expect(() => tight.scan(0)).toThrow("r.st:3:42: runtime error: loop ran more than 59 iterations");
  });
  it("refuses a FOR with a step of 0", () => {
    expect(failure("VAR i, s : INT; END_VAR", "FOR i := 1 TO 5 BY s DO END_FOR;").message).toBe("run.st:3:1: runtime error: FOR step is 0: the loop would never end");
  });
});
