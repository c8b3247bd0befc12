/** Small builders shared by the Structured Text tests. */
import { type StValue, StCompileError, compileProgram } from "../../../worker/learn/st/index.ts";

/** A whole program around declarations and a body. */
export const program = (decls: string, body: string): string => `PROGRAM Test\n${decls}\n${body}\nEND_PROGRAM\n`;

/** Compiles `r : <type>; r := <expr>;`, runs one scan and returns r. */
export function evaluate(type: string, expr: string, decls = ""): StValue {
  const p = compileProgram(program(`VAR r : ${type}; ${decls} END_VAR`, `r := ${expr};`), "expr.st");
  const i = p.createInstance();
  i.scan(0);
  return i.get("r");
}

/** The rendered diagnostics of a program that must not compile. */
export function compileErrors(source: string, file = "bad.st"): string[] {
  try {
    compileProgram(source, file);
  } catch (e) {
    if (e instanceof StCompileError) return e.message.split("\n");
    throw e;
  }
  throw new Error("the program compiled, but errors were expected");
}

/** Runs `scans` scans `cycleMs` apart and returns the snapshot after each. */
export function scans(source: string, count: number, cycleMs = 10): Record<string, StValue>[] {
  const i = compileProgram(source, "test.st").createInstance();
  const out: Record<string, StValue>[] = [];
  for (let k = 0; k < count; k++) {
    i.scan(k * cycleMs);
    out.push(i.snapshot());
  }
  return out;
}
