/**
 * Type-checks statements and compiles them to closures. A statement closure returns what the
 * enclosing code does next: carry on, leave the innermost loop (EXIT) or end the scan (RETURN).
 */
import type { StType } from "./api.ts";
import type { Arg, CaseArm, Expr, Stmt } from "./ast.ts";
import { type Ev, checkStore, compileExpr } from "./compile-expr.ts";
import { StRuntimeError } from "./errors.ts";
import { FUNCTIONS } from "./functions.ts";
import { BLOCK_TYPES } from "./blocks.ts";
import type { Ctx, Scope, Sym } from "./scope.ts";
import { article, isInteger, show } from "./types.ts";

/** 0: carry on; EXIT: leave the innermost loop; RETURN: end this scan's program body. */
export const NEXT = 0;
export const EXIT = 1;
export const RETURN = 2;
export type Exec = (c: Ctx) => number;

const nothing: Exec = () => NEXT;

/** Compiles a statement list into one closure. */
export function compileBlock(list: Stmt[], s: Scope): Exec {
  const parts = list.map((st) => compileStmt(st, s));
  if (parts.length === 0) return nothing;
  if (parts.length === 1) return parts[0]!;
  const n = parts.length;
  return (c) => {
    for (let i = 0; i < n; i++) {
      const r = parts[i]!(c);
      if (r !== NEXT) return r;
    }
    return NEXT;
  };
}

function condition(e: Expr, s: Scope, what: string): Ev {
  const x = compileExpr(e, s);
  if (x.type !== "BOOL" && x.type !== "ERROR") s.error(e, `${what} must be BOOL, not ${show(x.type)}`);
  return x.ev;
}

/** The variable a statement writes, or null after reporting why it cannot be written. */
function writable(target: Extract<Stmt, { kind: "assign" }>["target"], s: Scope, purpose: string): Extract<Sym, { kind: "var" }> | null {
  const sym = s.lookup(target);
  if (!sym) {
    s.reportUndeclared(target);
    return null;
  }
  if (sym.kind === "fb") {
    s.error(target, `cannot ${purpose} "${sym.name}": it is a ${sym.block.name} instance; call it with named parameters instead, e.g. ${sym.name}(${Object.keys(sym.block.inputs)[0]} := ...);`);
    return null;
  }
  if (sym.section === "VAR_INPUT") {
    s.error(target, `cannot ${purpose} "${sym.name}": it is a VAR_INPUT, written only by the plant (copy it to a VAR if you need to change it)`);
    return null;
  }
  return sym;
}

function compileStmt(st: Stmt, s: Scope): Exec {
  switch (st.kind) {
    case "assign":
      return compileAssign(st, s);
    case "call":
      return compileFbCall(st, s);
    case "if": {
      const conds = st.branches.map((b) => condition(b.cond, s, "IF condition"));
      const bodies = st.branches.map((b) => compileBlock(b.body, s));
      const otherwise = st.otherwise ? compileBlock(st.otherwise, s) : nothing;
      if (conds.length === 1) {
        const [cond, body] = [conds[0]!, bodies[0]!];
        return (c) => (cond(c) ? body(c) : otherwise(c));
      }
      const n = conds.length;
      return (c) => {
        for (let i = 0; i < n; i++) if (conds[i]!(c)) return bodies[i]!(c);
        return otherwise(c);
      };
    }
    case "case":
      return compileCase(st, s);
    case "for":
      return compileFor(st, s);
    case "while": {
      const cond = condition(st.cond, s, "WHILE condition");
      const body = loopBody(st.body, s);
      const guard = runaway(s, st);
      return (c) => {
        while (cond(c)) {
          if (--c.budget < 0) guard(c);
          const r = body(c);
          if (r === EXIT) break;
          if (r === RETURN) return RETURN;
        }
        return NEXT;
      };
    }
    case "repeat": {
      const body = loopBody(st.body, s);
      const cond = condition(st.cond, s, "UNTIL condition");
      const guard = runaway(s, st);
      return (c) => {
        do {
          if (--c.budget < 0) guard(c);
          const r = body(c);
          if (r === EXIT) break;
          if (r === RETURN) return RETURN;
        } while (!cond(c));
        return NEXT;
      };
    }
    case "exit":
      if (s.loopDepth === 0) s.error(st, "EXIT outside a FOR, WHILE or REPEAT loop");
      return () => EXIT;
    case "return":
      return () => RETURN;
  }
}

function loopBody(list: Stmt[], s: Scope): Exec {
  s.loopDepth++;
  const body = compileBlock(list, s);
  s.loopDepth--;
  return body;
}

/** Throws the runaway-loop error, pointing at the loop's keyword. */
function runaway(s: Scope, at: { line: number; col: number }): (c: Ctx) => never {
  return (c) => {
    throw new StRuntimeError(s.file, at.line, at.col, `loop ran more than ${c.maxLoops} iterations in one scan (runaway loop?)`, c.now);
  };
}

function compileAssign(st: Extract<Stmt, { kind: "assign" }>, s: Scope): Exec {
  if (st.member) {
    const sym = s.lookup(st.target);
    if (!sym) s.reportUndeclared(st.target, "function block instance");
    else if (sym.kind === "var") s.error(st.target, `"${sym.name}" is ${article(sym.type)} variable, not a function block instance: it has no member .${st.member.text}`);
    else s.error(st.target, `cannot assign to ${sym.name}.${st.member.text}: pass inputs in the call, e.g. ${sym.name}(${Object.keys(sym.block.inputs)[0]} := ...); outputs are read-only`);
    compileExpr(st.value, s);
    return nothing;
  }
  const sym = writable(st.target, s, "assign to");
  const value = compileExpr(st.value, s);
  if (!sym) return nothing;
  const ev = checkStore(value, sym.type, st.value, `"${sym.name}"`, s);
  const slot = sym.slot;
  return (c) => {
    c.m[slot] = ev(c);
    return NEXT;
  };
}

function compileFbCall(st: Extract<Stmt, { kind: "call" }>, s: Scope): Exec {
  const key = st.callee.text.toUpperCase();
  const sym = s.lookup(st.callee);
  const checkArgsOnly = () => {
    for (const a of st.args) if (a.kind !== "output") compileExpr(a.value, s);
    return nothing;
  };
  if (!sym) {
    if (BLOCK_TYPES.has(key)) s.error(st.callee, `${key} is a function block type: declare an instance (e.g. My${key.replace("_", "")} : ${key};) in VAR and call that`);
    else if (FUNCTIONS.has(key)) s.error(st.callee, `${key} is a function: use its result, e.g. x := ${FUNCTIONS.get(key)!.signature};`);
    else s.reportUndeclared(st.callee, "function block instance");
    return checkArgsOnly();
  }
  if (sym.kind !== "fb") {
    s.error(st.callee, `"${sym.name}" is ${article(sym.type)} variable, not a function block instance: only function block instances can be called`);
    return checkArgsOnly();
  }
  const block = sym.block;
  const slot = sym.slot;
  const inputs: { param: string; ev: Ev }[] = [];
  const outputs: { param: string; target: number; conv: Ev }[] = [];
  const seen = new Set<string>();
  const list = (r: Readonly<Record<string, StType>>) => Object.keys(r).join(", ");
  for (const a of st.args as Arg[]) {
    if (a.kind === "positional") {
      s.error(a, `function block calls need named parameters: ${sym.name}(${Object.keys(block.inputs).map((p) => `${p} := ...`).join(", ")})`);
      compileExpr(a.value, s);
      continue;
    }
    const param = a.param.text.toUpperCase();
    if (seen.has(param)) s.error(a.param, `parameter ${param} given twice`);
    seen.add(param);
    if (a.kind === "input") {
      const value = compileExpr(a.value, s);
      const type = block.inputs[param];
      if (!type) {
        s.error(a.param, block.outputs[param]
          ? `${param} is an output of ${block.name}: bind it with ${param} => variable, or read ${sym.name}.${param}`
          : `unknown parameter "${a.param.text}" of ${block.name} (inputs: ${list(block.inputs)}; outputs: ${list(block.outputs)})`);
        continue;
      }
      inputs.push({ param, ev: checkStore(value, type, a.value, `${block.name}.${param}`, s) });
    } else {
      const type = block.outputs[param];
      if (!type) {
        s.error(a.param, block.inputs[param]
          ? `${param} is an input of ${block.name}: pass it with ${param} := value`
          : `unknown parameter "${a.param.text}" of ${block.name} (inputs: ${list(block.inputs)}; outputs: ${list(block.outputs)})`);
        continue;
      }
      const target = writable(a.target, s, "bind an output to");
      if (!target) continue;
      const read: Ev = (c: Ctx) => c.fb[slot]![param];
      const conv = checkStore({ type, ev: read }, target.type, a.target, `"${target.name}"`, s);
      outputs.push({ param, target: target.slot, conv });
    }
  }
  const setters = inputs.map(({ param, ev }) => (c: Ctx) => {
    c.fb[slot]![param] = ev(c);
  });
  const binders = outputs.map(({ target, conv }) => (c: Ctx) => {
    c.m[target] = conv(c);
  });
  return (c) => {
    for (const set of setters) set(c);
    c.fb[slot]!.run(c.now);
    for (const bind of binders) bind(c);
    return NEXT;
  };
}

function compileCase(st: Extract<Stmt, { kind: "case" }>, s: Scope): Exec {
  const sel = compileExpr(st.selector, s);
  if (sel.type !== "ERROR" && !isInteger(sel.type)) s.error(st.selector, `CASE selector must be INT or DINT, not ${show(sel.type)}`);
  const seen: { from: number; to: number }[] = [];
  for (const arm of st.arms as CaseArm[]) {
    for (const l of arm.labels) {
      if (l.from > l.to) s.error(l, `CASE range ${l.from}..${l.to} is empty: write the smaller bound first`);
      if (seen.some((o) => l.from <= o.to && o.from <= l.to)) s.error(l, `CASE label ${l.from === l.to ? l.from : `${l.from}..${l.to}`} overlaps an earlier label`);
      seen.push(l);
    }
  }
  // Single values go through a Map (one lookup however many arms); ranges are tested in order.
  const single = new Map<number, number>();
  const ranges: { from: number; to: number; arm: number }[] = [];
  st.arms.forEach((arm, i) => {
    for (const l of arm.labels) {
      if (l.from === l.to) single.set(l.from, i);
      else ranges.push({ from: l.from, to: l.to, arm: i });
    }
  });
  const bodies = st.arms.map((arm) => compileBlock(arm.body, s));
  const otherwise = st.otherwise ? compileBlock(st.otherwise, s) : nothing;
  const f = sel.ev;
  return (c) => {
    const v = f(c);
    let arm = single.get(v);
    if (arm === undefined) for (const r of ranges) if (v >= r.from && v <= r.to) { arm = r.arm; break; }
    return arm === undefined ? otherwise(c) : bodies[arm]!(c);
  };
}

function compileFor(st: Extract<Stmt, { kind: "for" }>, s: Scope): Exec {
  const sym = writable(st.variable, s, "use as FOR variable");
  if (sym && sym.type !== "INT" && sym.type !== "DINT") s.error(st.variable, `FOR variable "${sym.name}" must be INT or DINT, not ${sym.type}`);
  const type = sym?.type === "INT" || sym?.type === "DINT" ? sym.type : "ERROR";
  const bound = (e: Expr, what: string) => (type === "ERROR" ? compileExpr(e, s).ev : checkStore(compileExpr(e, s), type, e, what, s));
  const from = bound(st.from, "the FOR start");
  const to = bound(st.to, "the FOR end");
  const by = st.by ? bound(st.by, "the FOR step") : () => 1;
  const body = loopBody(st.body, s);
  if (!sym) return nothing;
  const slot = sym.slot;
  const wrap = type === "INT" ? (v: number) => (v << 16) >> 16 : (v: number) => v | 0;
  const guard = runaway(s, st);
  // End and step are evaluated once, before the first iteration; the body may read the variable.
  return (c) => {
    const end = to(c);
    const step = by(c);
    if (step === 0) throw new StRuntimeError(s.file, st.line, st.col, "FOR step is 0: the loop would never end", c.now);
    c.m[slot] = from(c);
    for (;;) {
      const i = c.m[slot] as number;
      if (step > 0 ? i > end : i < end) return NEXT;
      if (--c.budget < 0) guard(c);
      const r = body(c);
      if (r === EXIT) return NEXT;
      if (r === RETURN) return RETURN;
      c.m[slot] = wrap((c.m[slot] as number) + step);
    }
  };
}
