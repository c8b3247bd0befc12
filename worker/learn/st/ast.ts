/**
 * The syntax tree the parser builds and the compiler reads. Every node carries the 1-based
 * line and column of the token that errors about it should point at.
 */

/** A source position: 1-based line and column. */
export interface Pos {
  line: number;
  col: number;
}

/** A name as written, with its position. Names are compared upper-cased (ST is case-insensitive). */
export interface Name extends Pos {
  text: string;
}

export type Section = "VAR" | "VAR_INPUT" | "VAR_OUTPUT";

export interface VarDecl extends Pos {
  name: Name;
  section: Section;
  typeName: Name;
  init: Expr | null;
}

export interface ProgramAst extends Pos {
  name: Name;
  decls: VarDecl[];
  body: Stmt[];
}

// ---- expressions ----

export type Literal =
  | ({ kind: "bool"; value: boolean } & Pos)
  /** An integer literal; `typed` is set for INT#5 / DINT#5. */
  | ({ kind: "int"; value: number; text: string; typed: "INT" | "DINT" | null } & Pos)
  | ({ kind: "real"; value: number } & Pos)
  | ({ kind: "time"; value: number } & Pos);

export type Expr =
  | Literal
  | ({ kind: "var"; name: Name } & Pos)
  /** `inst.member`: a function-block output (or input) read. */
  | ({ kind: "member"; base: Name; member: Name } & Pos)
  | ({ kind: "call"; callee: Name; args: Arg[] } & Pos)
  | ({ kind: "unary"; op: "-" | "+" | "NOT"; operand: Expr } & Pos)
  | ({ kind: "binary"; op: BinaryOp; left: Expr; right: Expr } & Pos);

export type BinaryOp = "OR" | "XOR" | "AND" | "=" | "<>" | "<" | ">" | "<=" | ">=" | "+" | "-" | "*" | "/" | "MOD" | "**";

/** A call argument: positional (`x`), named input (`IN := x`) or output binding (`Q => y`). */
export type Arg =
  | ({ kind: "positional"; value: Expr } & Pos)
  | ({ kind: "input"; param: Name; value: Expr } & Pos)
  | ({ kind: "output"; param: Name; target: Name } & Pos);

// ---- statements ----

export interface CaseLabel extends Pos {
  from: number;
  to: number;
}

export interface CaseArm {
  labels: CaseLabel[];
  body: Stmt[];
}

export type Stmt =
  | ({ kind: "assign"; target: Name; member: Name | null; value: Expr } & Pos)
  | ({ kind: "call"; callee: Name; args: Arg[] } & Pos)
  | ({ kind: "if"; branches: { cond: Expr; body: Stmt[] }[]; otherwise: Stmt[] | null } & Pos)
  | ({ kind: "case"; selector: Expr; arms: CaseArm[]; otherwise: Stmt[] | null } & Pos)
  | ({ kind: "for"; variable: Name; from: Expr; to: Expr; by: Expr | null; body: Stmt[] } & Pos)
  | ({ kind: "while"; cond: Expr; body: Stmt[] } & Pos)
  | ({ kind: "repeat"; body: Stmt[]; cond: Expr } & Pos)
  | ({ kind: "exit" } & Pos)
  | ({ kind: "return" } & Pos);
