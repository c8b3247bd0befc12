/**
 * Source → CompiledProgram: parse, check declarations, compile the body to closures; and the
 * running instance with its own memory.
 */
import type { CompiledProgram, InstanceOptions, ProgramInstance, StDiagnostic, StType, StValue, StVariable } from "./api.ts";
import type { ProgramAst } from "./ast.ts";
import { BLOCK_TYPES, type BlockType } from "./blocks.ts";
import { checkStore, compileExpr } from "./compile-expr.ts";
import { type Exec, compileBlock } from "./compile-stmt.ts";
import { StCompileError, StRuntimeError } from "./errors.ts";
import { parseProgram } from "./parser.ts";
import { type Ctx, Scope } from "./scope.ts";
import { ELEMENTARY, RANGE, UNSUPPORTED_TYPES, defaultValue } from "./types.ts";

/** Loop iterations allowed per scan unless InstanceOptions say otherwise. */
export const DEFAULT_MAX_LOOP_ITERATIONS = 100_000;

const KNOWN_TYPES = [...ELEMENTARY, ...BLOCK_TYPES.keys()].join(", ");

interface Declared {
  variables: StVariable[];
  blocks: { name: string; block: BlockType }[];
}

/** Checks the declarations and fills the scope; initial values are evaluated here, once. */
function declare(ast: ProgramAst, s: Scope): Declared {
  const variables: StVariable[] = [];
  const blocks: { name: string; block: BlockType }[] = [];
  for (const d of ast.decls) {
    const key = d.name.text.toUpperCase();
    const typeKey = d.typeName.text.toUpperCase();
    const previous = s.symbols.get(key);
    if (previous) {
      s.error(d.name, `duplicate declaration of "${d.name.text}" (first declared at line ${previous.line})`);
      continue;
    }
    // Type names are refused (INT : BOOL reads as nonsense); a function name may be reused as a
    // variable, which then hides the function, so a plant tag called "Limit" still works.
    if (ELEMENTARY.includes(key as StType) || BLOCK_TYPES.has(key)) {
      s.error(d.name, `"${d.name.text}" is the name of a standard type: choose another name`);
      s.symbols.set(key, { kind: "var", slot: -1, name: d.name.text, type: "ERROR", section: d.section, line: d.line });
      continue;
    }
    const block = BLOCK_TYPES.get(typeKey);
    if (block) {
      if (d.section !== "VAR") s.error(d.typeName, `function block instances belong in VAR, not ${d.section}`);
      if (d.init) s.error(d.init, `a ${block.name} instance takes no initial value; pass its inputs when you call it`);
      s.symbols.set(key, { kind: "fb", slot: blocks.length, name: d.name.text, block, line: d.line });
      blocks.push({ name: d.name.text, block });
      continue;
    }
    if (!ELEMENTARY.includes(typeKey as StType)) {
      const why = UNSUPPORTED_TYPES.has(typeKey) ? `type ${typeKey} is not part of this subset` : `unknown type "${d.typeName.text}"`;
      s.error(d.typeName, `${why} (supported: ${KNOWN_TYPES})`);
      // Declared with type ERROR, so its uses do not each report "undeclared variable".
      s.symbols.set(key, { kind: "var", slot: -1, name: d.name.text, type: "ERROR", section: d.section, line: d.line });
      continue;
    }
    const type = typeKey as StType;
    let initial = defaultValue(type);
    if (d.init) {
      const before = s.diagnostics.length;
      const ev = checkStore(compileExpr(d.init, s, true), type, d.init, `"${d.name.text}"`, s);
      if (s.diagnostics.length === before) {
        try {
          initial = ev({ m: [], fb: [], now: 0, budget: 0, maxLoops: 0 } satisfies Ctx);
        } catch (e) {
          if (!(e instanceof StRuntimeError)) throw e;
          s.error({ line: e.line, col: e.col }, e.reason);
        }
      }
    }
    const slot = variables.length;
    s.symbols.set(key, { kind: "var", slot, name: d.name.text, type, section: d.section, line: d.line });
    variables.push({ name: d.name.text, type, section: d.section, initial, line: d.line });
  }
  return { variables, blocks };
}

const bySlot = (names: Map<string, number>, name: string, what: string): number => {
  const slot = names.get(name.toUpperCase());
  if (slot === undefined) throw new Error(`no ${what} "${name}" in this program`);
  return slot;
};

function wrongInput(v: StVariable, value: StValue, want: string): Error {
  return new Error(`input "${v.name}" is ${v.type}: expected ${want}, got ${JSON.stringify(value)}`);
}

/** Plants call this every scan for every input: no allocation unless the value is wrong. */
function checkInputValue(v: StVariable, value: StValue): void {
  if (v.type === "BOOL") {
    if (typeof value !== "boolean") throw wrongInput(v, value, "true or false");
    return;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) throw wrongInput(v, value, "a finite number");
  if (v.type === "REAL") return;
  if (!Number.isInteger(value)) throw wrongInput(v, value, v.type === "TIME" ? "whole milliseconds" : "an integer");
  const lo = v.type === "TIME" ? 0 : RANGE[v.type as "INT" | "DINT"][0];
  const hi = v.type === "TIME" ? RANGE.DINT[1] : RANGE[v.type as "INT" | "DINT"][1];
  if (value < lo || value > hi) throw wrongInput(v, value, `a value in ${lo}..${hi}`);
}

class Instance implements ProgramInstance {
  private readonly c: Ctx;
  private lastNow = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly p: Program,
    private readonly maxLoops: number,
  ) {
    this.c = {
      m: p.variables.map((v) => v.initial),
      fb: p.blocks.map((b) => b.block.create()),
      now: 0,
      budget: maxLoops,
      maxLoops,
    };
  }

  setInput(name: string, value: StValue): void {
    const slot = bySlot(this.p.slots, name, "variable");
    const v = this.p.variables[slot]!;
    if (v.section !== "VAR_INPUT") throw new Error(`"${v.name}" is a ${v.section}, not a VAR_INPUT: only inputs can be set`);
    checkInputValue(v, value);
    this.c.m[slot] = value;
  }

  get(name: string): StValue {
    const dot = name.indexOf(".");
    if (dot > 0) {
      const fb = this.c.fb[bySlot(this.p.blockSlots, name.slice(0, dot), "function block instance")]!;
      const param = name.slice(dot + 1).toUpperCase();
      const value = fb[param];
      if (typeof value !== "boolean" && typeof value !== "number") throw new Error(`no parameter "${name.slice(dot + 1)}" in "${name.slice(0, dot)}"`);
      return value;
    }
    return this.c.m[bySlot(this.p.slots, name, "variable")]!;
  }

  scan(nowMs: number): void {
    if (!Number.isFinite(nowMs) || nowMs < this.lastNow) {
      throw new Error(`scan time must be a finite number that never goes back (got ${nowMs} after ${this.lastNow})`);
    }
    this.lastNow = nowMs;
    this.c.now = nowMs;
    this.c.budget = this.maxLoops;
    this.p.body(this.c);
  }

  snapshot(): Record<string, StValue> {
    const out: Record<string, StValue> = {};
    this.p.variables.forEach((v, i) => {
      out[v.name] = this.c.m[i]!;
    });
    return out;
  }
}

class Program implements CompiledProgram {
  readonly inputs: readonly StVariable[];
  readonly outputs: readonly StVariable[];
  readonly slots = new Map<string, number>();
  readonly blockSlots = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly file: string,
    readonly variables: readonly StVariable[],
    readonly blocks: readonly { name: string; block: BlockType }[],
    readonly body: Exec,
  ) {
    this.inputs = variables.filter((v) => v.section === "VAR_INPUT");
    this.outputs = variables.filter((v) => v.section === "VAR_OUTPUT");
    variables.forEach((v, i) => this.slots.set(v.name.toUpperCase(), i));
    blocks.forEach((b, i) => this.blockSlots.set(b.name.toUpperCase(), i));
  }

  createInstance(options: InstanceOptions = {}): Instance {
    const max = options.maxLoopIterations ?? DEFAULT_MAX_LOOP_ITERATIONS;
    if (!Number.isInteger(max) || max < 1) throw new Error(`maxLoopIterations must be a positive integer, got ${max}`);
    return new Instance(this, max);
  }
}

/**
 * Compiles ST source. Throws StCompileError with the first syntax error, or with every type
 * error (each `file:line:col: error: …`), so the program never half-runs.
 */
export function compileProgram(source: string, file: string): CompiledProgram {
  try {
    return compileChecked(source, file);
  } catch (e) {
    // Thousands of nested parentheses or operators exhaust the stack of a recursive parser.
    if (e instanceof RangeError) throw new StCompileError([{ file, line: 1, col: 1, message: "the program nests too deeply (expressions or statements) to compile" }]);
    throw e;
  }
}

function compileChecked(source: string, file: string): CompiledProgram {
  const parsed = parseProgram(source);
  if (!parsed.ok) throw new StCompileError([{ file, ...parsed.problem }]);
  const s = new Scope(file);
  for (const p of parsed.literalProblems) s.error(p, p.message);
  const { variables, blocks } = declare(parsed.ast, s);
  const body = compileBlock(parsed.ast.body, s);
  if (s.diagnostics.length > 0) {
    const sorted: StDiagnostic[] = [...s.diagnostics].sort((a, b) => a.line - b.line || a.col - b.col);
    throw new StCompileError(sorted);
  }
  return new Program(parsed.ast.name.text, file, variables, blocks, body);
}

