/**
 * Type-checks an expression and compiles it to a closure over the instance memory. A part that
 * fails to check gets the type ERROR, which every rule accepts, so one mistake gives one message.
 */
import type { StType } from "./api.ts";
import type { Arg, BinaryOp, Expr, Pos } from "./ast.ts";
import { BLOCK_TYPES } from "./blocks.ts";
import { StRuntimeError } from "./errors.ts";
import { type Ev, FUNCTIONS } from "./functions.ts";
import type { Ctx, Scope } from "./scope.ts";
import { ELEMENTARY, type ExprType, RANGE, article, assignable, isInteger, isNumeric, show, storeConversion, widest, wrapDint, wrapInt } from "./types.ts";

export type { Ev };

export interface Compiled {
  type: ExprType;
  ev: Ev;
  /** The value of an integer literal (sign folded in) with its text, for range checks. */
  literal?: { value: number; text: string };
}

const bad: Compiled = { type: "ERROR", ev: () => 0 };

/** Compiles `e`; with `constant`, variables are refused (initial values must be constants). */
export function compileExpr(e: Expr, s: Scope, constant = false): Compiled {
  switch (e.kind) {
    case "bool":
      return { type: "BOOL", ev: e.value ? () => true : () => false };
    case "int": {
      const v = e.value;
      if (e.typed) {
        const [lo, hi] = RANGE[e.typed];
        if (v < lo || v > hi) s.error(e, `${e.text} is out of range for ${e.typed} (${lo}..${hi})`);
        return { type: e.typed, ev: () => v, literal: { value: v, text: e.text } };
      }
      if (v < RANGE.DINT[0] || v > RANGE.DINT[1]) {
        s.error(e, `${e.text} is out of range for DINT (${RANGE.DINT[0]}..${RANGE.DINT[1]}); write a REAL (e.g. ${e.text}.0) if you need it`);
        return bad;
      }
      return { type: "ANYINT", ev: () => v, literal: { value: v, text: e.text } };
    }
    case "real": {
      const v = e.value;
      return { type: "REAL", ev: () => v };
    }
    case "time": {
      const v = e.value;
      return { type: "TIME", ev: () => v };
    }
    case "var": {
      const sym = s.lookup(e.name);
      if (!sym) {
        s.reportUndeclared(e.name);
        return bad;
      }
      if (sym.kind === "fb") {
        s.error(e, `"${sym.name}" is a ${sym.block.name} instance, not a value: read one of its outputs, e.g. ${sym.name}.${Object.keys(sym.block.outputs)[0]}`);
        return bad;
      }
      if (constant) {
        s.error(e, `initial values must be constants, but "${sym.name}" is a variable`);
        return bad;
      }
      const slot = sym.slot;
      return { type: sym.type, ev: (c: Ctx) => c.m[slot] };
    }
    case "member":
      return compileMember(e, s, constant);
    case "call":
      return compileCall(e, s, constant);
    case "unary":
      return compileUnary(e, s, constant);
    case "binary":
      return compileBinary(e, s, constant);
  }
}

function compileMember(e: Extract<Expr, { kind: "member" }>, s: Scope, constant: boolean): Compiled {
  const sym = s.lookup(e.base);
  if (!sym) {
    s.reportUndeclared(e.base, "function block instance");
    return bad;
  }
  if (sym.kind !== "fb") {
    s.error(e, `"${sym.name}" is ${article(sym.type)} variable, not a function block instance: it has no member .${e.member.text}`);
    return bad;
  }
  const param = e.member.text.toUpperCase();
  const type = sym.block.outputs[param] ?? sym.block.inputs[param];
  if (!type) {
    s.error(e.member, `${sym.block.name} has no parameter "${e.member.text}" (outputs: ${Object.keys(sym.block.outputs).join(", ")}; inputs: ${Object.keys(sym.block.inputs).join(", ")})`);
    return bad;
  }
  if (constant) {
    s.error(e, `initial values must be constants, but ${sym.name}.${param} is a function block output`);
    return bad;
  }
  const slot = sym.slot;
  return { type, ev: (c: Ctx) => c.fb[slot]![param] };
}

function compileCall(e: Extract<Expr, { kind: "call" }>, s: Scope, constant: boolean): Compiled {
  const key = e.callee.text.toUpperCase();
  const sym = s.lookup(e.callee);
  if (sym) {
    s.error(e, sym.kind === "fb"
      ? `function block calls are statements, not values: call ${sym.name}(...); on its own line, then read ${sym.name}.${Object.keys(sym.block.outputs)[0]}`
      : `"${sym.name}" is ${article(sym.type)} variable, not a function`);
    return bad;
  }
  if (BLOCK_TYPES.has(key)) {
    s.error(e, `${key} is a function block type: declare an instance (e.g. My${key.replace("_", "")} : ${key};) in VAR and call that`);
    return bad;
  }
  const spec = FUNCTIONS.get(key);
  if (!spec) {
    s.error(e.callee, `unknown function "${e.callee.text}" (see docs/structured-text.md for the supported functions)`);
    return bad;
  }
  const named = e.args.find((a: Arg) => a.kind !== "positional");
  if (named) {
    s.error(named, `${key} takes its arguments by position: ${spec.signature}`);
    return bad;
  }
  const args = e.args.map((a) => compileExpr((a as Extract<Arg, { kind: "positional" }>).value, s, constant));
  const resolved = spec.resolve(args.map((a) => a.type));
  if (typeof resolved === "string") {
    s.error(e, resolved);
    return bad;
  }
  return { type: resolved.type, ev: resolved.make(args.map((a) => a.ev)) };
}

function compileUnary(e: Extract<Expr, { kind: "unary" }>, s: Scope, constant: boolean): Compiled {
  const x = compileExpr(e.operand, s, constant);
  const f = x.ev;
  if (x.type === "ERROR") return bad;
  if (e.op === "NOT") {
    if (x.type !== "BOOL") {
      s.error(e, `NOT needs a BOOL operand, not ${show(x.type)}`);
      return bad;
    }
    return { type: "BOOL", ev: (c) => !f(c) };
  }
  if (!isNumeric(x.type)) {
    s.error(e, `unary ${e.op} needs a number, not ${show(x.type)}`);
    return bad;
  }
  if (e.op === "+") return x;
  if (x.type === "INT") return { type: "INT", ev: (c) => wrapInt(-f(c)) };
  if (x.type === "REAL") return { type: "REAL", ev: (c) => -f(c) };
  return { type: x.type, ev: (c) => wrapDint(-f(c)) };
}

const divisionByZero = (s: Scope, at: Pos, c: Ctx) => new StRuntimeError(s.file, at.line, at.col, "division by zero", c.now);

function compileBinary(e: Extract<Expr, { kind: "binary" }>, s: Scope, constant: boolean): Compiled {
  const l = compileExpr(e.left, s, constant);
  const r = compileExpr(e.right, s, constant);
  if (l.type === "ERROR" || r.type === "ERROR") return bad;
  const a = l.ev;
  const b = r.ev;
  const op = e.op;
  const fail = (message: string): Compiled => (s.error(e, message), bad);

  if (op === "AND" || op === "OR" || op === "XOR") {
    if (l.type !== "BOOL" || r.type !== "BOOL") {
      return fail(`${op} needs BOOL operands, not ${show(l.type === "BOOL" ? r.type : l.type)}`);
    }
    if (op === "AND") return { type: "BOOL", ev: (c) => a(c) && b(c) };
    if (op === "OR") return { type: "BOOL", ev: (c) => a(c) || b(c) };
    return { type: "BOOL", ev: (c) => a(c) !== b(c) };
  }

  if (op === "=" || op === "<>" || op === "<" || op === ">" || op === "<=" || op === ">=") {
    const comparable =
      (isNumeric(l.type) && isNumeric(r.type)) ||
      (l.type === "TIME" && r.type === "TIME") ||
      ((op === "=" || op === "<>") && l.type === "BOOL" && r.type === "BOOL");
    if (!comparable) {
      const hint = l.type === "BOOL" && (op !== "=" && op !== "<>") ? " (a comparison gives a BOOL; chain comparisons with AND: a < b AND b < c)" : "";
      return fail(`cannot compare ${show(l.type)} with ${show(r.type)} using ${op}${hint}`);
    }
    switch (op) {
      case "=": return { type: "BOOL", ev: (c) => a(c) === b(c) };
      case "<>": return { type: "BOOL", ev: (c) => a(c) !== b(c) };
      case "<": return { type: "BOOL", ev: (c) => a(c) < b(c) };
      case ">": return { type: "BOOL", ev: (c) => a(c) > b(c) };
      case "<=": return { type: "BOOL", ev: (c) => a(c) <= b(c) };
      default: return { type: "BOOL", ev: (c) => a(c) >= b(c) };
    }
  }

  if (op === "**") {
    if (!isNumeric(l.type) || !isNumeric(r.type)) return fail(`** needs numbers, not ${show(isNumeric(l.type) ? r.type : l.type)}`);
    return { type: "REAL", ev: (c) => a(c) ** b(c) };
  }

  if (op === "MOD") {
    if (!isInteger(l.type) || !isInteger(r.type)) return fail(`MOD needs integer operands (INT, DINT), not ${show(isInteger(l.type) ? r.type : l.type)}`);
    const t = widest(l.type, r.type);
    const wrap = t === "INT" ? wrapInt : wrapDint;
    return {
      type: t,
      ev: (c) => {
        const d = b(c);
        if (d === 0) throw divisionByZero(s, e, c);
        // JavaScript's % keeps the sign of the dividend, as IEC MOD does: -7 MOD 3 = -1. The
        // wrap turns -0 into 0 and -32768 MOD -1 into 0.
        return wrap(a(c) % d);
      },
    };
  }

  // + - * /
  if (l.type === "TIME" || r.type === "TIME") return compileTimeArithmetic(e, l, r, s);
  if (!isNumeric(l.type) || !isNumeric(r.type)) {
    return fail(`${op} needs numbers (or TIME), not ${show(isNumeric(l.type) ? r.type : l.type)}`);
  }
  const t = widest(l.type, r.type);
  if (t === "REAL") {
    switch (op) {
      case "+": return { type: t, ev: (c) => a(c) + b(c) };
      case "-": return { type: t, ev: (c) => a(c) - b(c) };
      case "*": return { type: t, ev: (c) => a(c) * b(c) };
      default:
        return {
          type: t,
          ev: (c) => {
            const d = b(c);
            if (d === 0) throw divisionByZero(s, e, c);
            return a(c) / d;
          },
        };
    }
  }
  const wrap = t === "INT" ? wrapInt : wrapDint;
  switch (op) {
    case "+": return { type: t, ev: (c) => wrap(a(c) + b(c)) };
    case "-": return { type: t, ev: (c) => wrap(a(c) - b(c)) };
    case "*": return { type: t, ev: (c) => wrap(Math.imul(a(c), b(c))) };
    default:
      return {
        type: t,
        ev: (c) => {
          const d = b(c);
          if (d === 0) throw divisionByZero(s, e, c);
          // The wraps truncate toward zero, as IEC integer division does: -7 / 2 = -3.
          return wrap(a(c) / d);
        },
      };
  }
}

/** TIME ± TIME, TIME * number, number * TIME, TIME / number; results are whole ms, wrapped like DINT. */
function compileTimeArithmetic(e: Extract<Expr, { kind: "binary" }>, l: Compiled, r: Compiled, s: Scope): Compiled {
  const a = l.ev;
  const b = r.ev;
  const both = l.type === "TIME" && r.type === "TIME";
  if ((e.op === "+" || e.op === "-") && both) {
    return { type: "TIME", ev: e.op === "+" ? (c) => wrapDint(a(c) + b(c)) : (c) => wrapDint(a(c) - b(c)) };
  }
  if (e.op === "*" && l.type === "TIME" && isNumeric(r.type)) return { type: "TIME", ev: (c) => wrapDint(a(c) * b(c)) };
  if (e.op === "*" && r.type === "TIME" && isNumeric(l.type)) return { type: "TIME", ev: (c) => wrapDint(a(c) * b(c)) };
  if (e.op === "/" && l.type === "TIME" && isNumeric(r.type)) {
    return {
      type: "TIME",
      ev: (c) => {
        const d = b(c);
        if (d === 0) throw divisionByZero(s, e, c);
        return wrapDint(a(c) / d);
      },
    };
  }
  s.error(e, `cannot apply ${e.op} to ${show(l.type)} and ${show(r.type)} (TIME allows TIME + TIME, TIME - TIME, TIME * number, TIME / number)`);
  return bad;
}

/**
 * Checks that `value` may be stored in a `to` variable and returns the closure that computes
 * the stored value (wrapped to the target width when needed).
 */
export function checkStore(value: Compiled, to: ExprType, at: Pos, what: string, s: Scope): Ev {
  if (!assignable(value.type, to)) {
    const from = value.type === "ANYINT" ? "DINT" : value.type;
    const hint =
      to === "BOOL" && value.type === "ANYINT"
        ? " (write TRUE or FALSE)"
        : to === "TIME" && isNumeric(value.type)
        ? " (write a TIME literal such as T#500ms, or convert with DINT_TO_TIME)"
        : ELEMENTARY.includes(from as StType) && from !== to
          ? ` (convert with ${from}_TO_${to})`
          : "";
    s.error(at, `type mismatch: ${what} is ${to}, the value is ${show(value.type)}${hint}`);
    return value.ev;
  }
  if (value.literal && (to === "INT" || to === "DINT")) {
    const [lo, hi] = RANGE[to];
    if (value.literal.value < lo || value.literal.value > hi) s.error(at, `${value.literal.text} is out of range for ${to} (${lo}..${hi})`);
  }
  const conv = storeConversion(value.type, to);
  const f = value.ev;
  return conv ? (c) => conv(f(c)) : f;
}
