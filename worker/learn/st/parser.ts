/**
 * Structured Text source → syntax tree (chevrotain, embedded actions). Only the first syntax
 * error is reported: after one, the rest of the parse is guesswork and its errors are noise.
 */
import { EmbeddedActionsParser, type IToken, type TokenType } from "chevrotain";
import type { Arg, BinaryOp, CaseArm, CaseLabel, Expr, Name, Pos, ProgramAst, Section, Stmt, VarDecl } from "./ast.ts";
import * as T from "./lexer.ts";
import { parseIntegerLiteral, parseRealLiteral, parseTimeLiteral } from "./literals.ts";
import { CHARACTER_HINTS, UNSUPPORTED_HINTS, messages } from "./syntax-messages.ts";

const { KW } = T;

/** A syntax error at a 1-based position. */
export interface SyntaxProblem extends Pos {
  message: string;
}

/** Literals whose text is wrong (T#-1s, 2#102) are reported with the type errors, not as syntax errors. */
export type LiteralProblem = SyntaxProblem;

const pos = (t: IToken): Pos => ({ line: t.startLine ?? 0, col: t.startColumn ?? 0 });
const name = (t: IToken): Name => ({ text: t.image, ...pos(t) });

class StParser extends EmbeddedActionsParser {
  /** Literal problems found while parsing; only meaningful when the parse succeeded. */
  literalProblems: LiteralProblem[] = [];

  constructor() {
    super(T.allTokens, { errorMessageProvider: messages, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  program = this.RULE("program", (): ProgramAst => {
    const start = this.CONSUME(KW.PROGRAM);
    const id = this.CONSUME(T.Identifier);
    const decls: VarDecl[] = [];
    this.MANY(() => {
      const section = this.SUBRULE(this.varSection);
      this.ACTION(() => decls.push(...section));
    });
    const body = this.SUBRULE(this.statements);
    this.CONSUME(KW.END_PROGRAM);
    return { name: name(id), decls, body, ...pos(start) };
  });

  varSection = this.RULE("varSection", (): VarDecl[] => {
    const kw = this.OR([
      { ALT: () => this.CONSUME(KW.VAR) },
      { ALT: () => this.CONSUME(KW.VAR_INPUT) },
      { ALT: () => this.CONSUME(KW.VAR_OUTPUT) },
    ]);
    const decls: VarDecl[] = [];
    this.MANY(() => {
      const list = this.SUBRULE(this.varDecl, { ARGS: [this.ACTION(() => kw.image.toUpperCase() as Section)] });
      this.ACTION(() => decls.push(...list));
    });
    this.CONSUME(KW.END_VAR);
    return decls;
  });

  varDecl = this.RULE("varDecl", (section?: Section): VarDecl[] => {
    const names: IToken[] = [this.CONSUME(T.Identifier)];
    this.MANY(() => {
      this.CONSUME(T.Comma);
      names.push(this.CONSUME2(T.Identifier));
    });
    this.CONSUME(T.Colon);
    const typeTok = this.CONSUME3(T.Identifier);
    let init: Expr | null = null;
    this.OPTION(() => {
      this.CONSUME(T.Assign);
      init = this.SUBRULE(this.expression);
    });
    this.CONSUME(T.Semicolon);
    return this.ACTION(() =>
      names.map((n) => ({ name: name(n), section: section ?? "VAR", typeName: name(typeTok), init, ...pos(n) })),
    );
  });

  statements = this.RULE("statements", (): Stmt[] => {
    const list: Stmt[] = [];
    this.MANY(() => {
      const s = this.SUBRULE(this.statement);
      if (s) list.push(s);
    });
    return list;
  });

  statement = this.RULE("statement", (): Stmt | null =>
    this.OR<Stmt | null>([
      { ALT: () => this.SUBRULE(this.assignOrCall) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.caseStmt) },
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.whileStmt) },
      { ALT: () => this.SUBRULE(this.repeatStmt) },
      {
        ALT: () => {
          const t = this.CONSUME(KW.EXIT);
          this.CONSUME(T.Semicolon);
          return { kind: "exit", ...pos(t) };
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(KW.RETURN);
          this.CONSUME2(T.Semicolon);
          return { kind: "return", ...pos(t) };
        },
      },
      // An empty statement (a lone `;`) is legal ST.
      { ALT: () => (this.CONSUME3(T.Semicolon), null) },
    ]),
  );

  assignOrCall = this.RULE("assignOrCall", (): Stmt => {
    const id = this.CONSUME(T.Identifier);
    let member: Name | null = null;
    const stmt = this.OR<Stmt>([
      {
        ALT: () => {
          this.OPTION(() => {
            this.CONSUME(T.Dot);
            member = name(this.CONSUME2(T.Identifier));
          });
          this.CONSUME(T.Assign);
          const value = this.SUBRULE(this.expression);
          return this.ACTION(() => ({ kind: "assign", target: name(id), member, value, ...pos(id) }) as Stmt);
        },
      },
      {
        ALT: () => {
          const args = this.SUBRULE(this.argumentList);
          return { kind: "call", callee: name(id), args, ...pos(id) };
        },
      },
    ]);
    this.CONSUME(T.Semicolon);
    return stmt;
  });

  argumentList = this.RULE("argumentList", (): Arg[] => {
    this.CONSUME(T.LParen);
    const args: Arg[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.argument)) });
    this.CONSUME(T.RParen);
    return args;
  });

  /**
   * `x + 1`, `IN := x` or `Q => y`. Parsed as an expression first, then re-read as a parameter
   * name when `:=` or `=>` follows: that keeps the grammar LL(1).
   */
  argument = this.RULE("argument", (): Arg => {
    const first = this.SUBRULE(this.expression);
    let arg: Arg | null = null;
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            const op = this.CONSUME(T.Assign);
            const value = this.SUBRULE2(this.expression);
            arg = this.ACTION(() => ({ kind: "input", param: this.paramName(first, op), value, line: first.line, col: first.col }));
          },
        },
        {
          ALT: () => {
            const op = this.CONSUME(T.Arrow);
            const target = this.CONSUME(T.Identifier);
            arg = this.ACTION(() => ({ kind: "output", param: this.paramName(first, op), target: name(target), line: first.line, col: first.col }));
          },
        },
      ]);
    });
    return this.ACTION(() => arg ?? { kind: "positional", value: first, line: first.line, col: first.col });
  });

  private paramName(e: Expr, op: IToken): Name {
    if (e.kind === "var") return e.name;
    // Reported like a syntax error: the parameter before := or => must be a plain name.
    this.literalProblems.push({ message: `expected a parameter name before '${op.image}'`, line: e.line, col: e.col });
    return { text: "?", line: e.line, col: e.col };
  }

  ifStmt = this.RULE("ifStmt", (): Stmt => {
    const start = this.CONSUME(KW.IF);
    const branches: { cond: Expr; body: Stmt[] }[] = [];
    const cond = this.SUBRULE(this.expression);
    this.CONSUME(KW.THEN);
    branches.push({ cond, body: this.SUBRULE(this.statements) });
    this.MANY(() => {
      this.CONSUME(KW.ELSIF);
      const c = this.SUBRULE2(this.expression);
      this.CONSUME2(KW.THEN);
      branches.push({ cond: c, body: this.SUBRULE2(this.statements) });
    });
    let otherwise: Stmt[] | null = null;
    this.OPTION(() => {
      this.CONSUME(KW.ELSE);
      otherwise = this.SUBRULE3(this.statements);
    });
    this.CONSUME(KW.END_IF);
    this.CONSUME(T.Semicolon);
    return { kind: "if", branches, otherwise, ...pos(start) };
  });

  caseStmt = this.RULE("caseStmt", (): Stmt => {
    const start = this.CONSUME(KW.CASE);
    const selector = this.SUBRULE(this.expression);
    this.CONSUME(KW.OF);
    const arms: CaseArm[] = [];
    this.AT_LEAST_ONE(() => arms.push(this.SUBRULE(this.caseElement)));
    let otherwise: Stmt[] | null = null;
    this.OPTION(() => {
      this.CONSUME(KW.ELSE);
      otherwise = this.SUBRULE(this.statements);
    });
    this.CONSUME(KW.END_CASE);
    this.CONSUME(T.Semicolon);
    return { kind: "case", selector, arms, otherwise, ...pos(start) };
  });

  caseElement = this.RULE("caseElement", (): CaseArm => {
    const labels: CaseLabel[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => labels.push(this.SUBRULE(this.caseLabel)) });
    this.CONSUME(T.Colon);
    return { labels, body: this.SUBRULE(this.statements) };
  });

  caseLabel = this.RULE("caseLabel", (): CaseLabel => {
    const from = this.SUBRULE(this.signedInteger);
    let to = from;
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      to = this.SUBRULE2(this.signedInteger);
    });
    return { from: from.value, to: to.value, line: from.line, col: from.col };
  });

  signedInteger = this.RULE("signedInteger", (): { value: number } & Pos => {
    let sign = 1;
    let signTok: IToken | null = null;
    this.OPTION(() => {
      signTok = this.CONSUME(T.Minus);
      sign = -1;
    });
    const tok = this.OR([{ ALT: () => this.CONSUME(T.IntegerLiteral) }, { ALT: () => this.CONSUME(T.BasedInteger) }]);
    return this.ACTION(() => {
      const v = this.integerValue(tok);
      return { value: sign * v, ...pos(signTok ?? tok) };
    });
  });

  forStmt = this.RULE("forStmt", (): Stmt => {
    const start = this.CONSUME(KW.FOR);
    const variable = name(this.CONSUME(T.Identifier));
    this.CONSUME(T.Assign);
    const from = this.SUBRULE(this.expression);
    this.CONSUME(KW.TO);
    const to = this.SUBRULE2(this.expression);
    let by: Expr | null = null;
    this.OPTION(() => {
      this.CONSUME(KW.BY);
      by = this.SUBRULE3(this.expression);
    });
    this.CONSUME(KW.DO);
    const body = this.SUBRULE(this.statements);
    this.CONSUME(KW.END_FOR);
    this.CONSUME(T.Semicolon);
    return { kind: "for", variable, from, to, by, body, ...pos(start) };
  });

  whileStmt = this.RULE("whileStmt", (): Stmt => {
    const start = this.CONSUME(KW.WHILE);
    const cond = this.SUBRULE(this.expression);
    this.CONSUME(KW.DO);
    const body = this.SUBRULE(this.statements);
    this.CONSUME(KW.END_WHILE);
    this.CONSUME(T.Semicolon);
    return { kind: "while", cond, body, ...pos(start) };
  });

  repeatStmt = this.RULE("repeatStmt", (): Stmt => {
    const start = this.CONSUME(KW.REPEAT);
    const body = this.SUBRULE(this.statements);
    this.CONSUME(KW.UNTIL);
    const cond = this.SUBRULE(this.expression);
    this.CONSUME(KW.END_REPEAT);
    this.CONSUME(T.Semicolon);
    return { kind: "repeat", body, cond, ...pos(start) };
  });

  // ---- expressions, lowest precedence first (IEC 61131-3 ed. 2, table 52) ----

  private binaryLevel(
    ruleName: string,
    ops: { tok: TokenType; op: BinaryOp }[],
    next: () => (idx?: number) => Expr,
  ) {
    return this.RULE(ruleName, (): Expr => {
      let left = this.SUBRULE(next());
      this.MANY(() => {
        const t = this.OR(ops.map(({ tok }) => ({ ALT: () => this.CONSUME(tok) })));
        const right = this.SUBRULE2(next());
        left = this.ACTION(() => {
          const op = ops.find((o) => o.tok === t.tokenType)!.op;
          return { kind: "binary", op, left, right, ...pos(t) } as Expr;
        });
      });
      return left;
    });
  }

  expression: (idx?: number) => Expr = this.binaryLevel("expression", [{ tok: KW.OR, op: "OR" }], () => this.xorExpr);
  xorExpr: (idx?: number) => Expr = this.binaryLevel("xorExpr", [{ tok: KW.XOR, op: "XOR" }], () => this.andExpr);
  andExpr: (idx?: number) => Expr = this.binaryLevel(
    "andExpr",
    [
      { tok: KW.AND, op: "AND" },
      { tok: T.Ampersand, op: "AND" },
    ],
    () => this.equality,
  );
  equality: (idx?: number) => Expr = this.binaryLevel(
    "equality",
    [
      { tok: T.Equal, op: "=" },
      { tok: T.NotEqual, op: "<>" },
    ],
    () => this.comparison,
  );
  comparison: (idx?: number) => Expr = this.binaryLevel(
    "comparison",
    [
      { tok: T.LessEq, op: "<=" },
      { tok: T.GreaterEq, op: ">=" },
      { tok: T.Less, op: "<" },
      { tok: T.Greater, op: ">" },
    ],
    () => this.additive,
  );
  additive: (idx?: number) => Expr = this.binaryLevel(
    "additive",
    [
      { tok: T.Plus, op: "+" },
      { tok: T.Minus, op: "-" },
    ],
    () => this.multiplicative,
  );
  multiplicative: (idx?: number) => Expr = this.binaryLevel(
    "multiplicative",
    [
      { tok: T.Star, op: "*" },
      { tok: T.Slash, op: "/" },
      { tok: KW.MOD, op: "MOD" },
    ],
    () => this.unary,
  );

  /** Unary minus and NOT bind looser than ** (so -2**2 = -4), tighter than * / MOD. */
  unary: (idx?: number) => Expr = this.RULE("unary", (): Expr =>
    this.OR([
      {
        ALT: () => {
          const t = this.OR2([
            { ALT: () => this.CONSUME(T.Minus) },
            { ALT: () => this.CONSUME(T.Plus) },
            { ALT: () => this.CONSUME(KW.NOT) },
          ]);
          const operand = this.SUBRULE(this.unary);
          return this.ACTION(() => this.makeUnary(t, operand));
        },
      },
      { ALT: () => this.SUBRULE(this.power) },
    ]),
  );

  /** `**` is left-associative like every IEC binary operator: 2**3**2 = (2**3)**2. */
  power: (idx?: number) => Expr = this.RULE("power", (): Expr => {
    let left = this.SUBRULE(this.primary);
    this.MANY(() => {
      const t = this.CONSUME(T.Power);
      const right = this.SUBRULE(this.powerOperand);
      left = { kind: "binary", op: "**", left, right, ...pos(t) };
    });
    return left;
  });

  /** The exponent may carry its own sign: 2 ** -1. */
  powerOperand: (idx?: number) => Expr = this.RULE("powerOperand", (): Expr =>
    this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(T.Minus);
          const operand = this.SUBRULE(this.powerOperand);
          return this.ACTION(() => this.makeUnary(t, operand));
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]),
  );

  primary: (idx?: number) => Expr = this.RULE("primary", (): Expr =>
    this.OR<Expr>([
      { ALT: () => ({ kind: "bool", value: true, ...pos(this.CONSUME(KW.TRUE)) }) },
      { ALT: () => ({ kind: "bool", value: false, ...pos(this.CONSUME(KW.FALSE)) }) },
      {
        ALT: () => {
          const t = this.OR2([{ ALT: () => this.CONSUME(T.IntegerLiteral) }, { ALT: () => this.CONSUME(T.BasedInteger) }]);
          return this.ACTION(() => ({ kind: "int", value: this.integerValue(t), text: t.image, typed: null, ...pos(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.RealLiteral);
          return this.ACTION(() => ({ kind: "real", value: this.checked(t, parseRealLiteral(t.image), 0), ...pos(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.TimeLiteral);
          return this.ACTION(() => ({ kind: "time", value: this.checked(t, parseTimeLiteral(t.image), 0), ...pos(t) }));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.TypedLiteral);
          return this.ACTION(() => this.typedLiteral(t));
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const e = this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
          return e;
        },
      },
      {
        ALT: () => {
          const id = this.CONSUME2(T.Identifier);
          return this.OR3<Expr>([
            {
              ALT: () => {
                const args = this.SUBRULE(this.argumentList);
                return { kind: "call", callee: name(id), args, ...pos(id) };
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Dot);
                const m = this.CONSUME3(T.Identifier);
                return { kind: "member", base: name(id), member: name(m), ...pos(id) };
              },
            },
            { ALT: () => ({ kind: "var", name: name(id), ...pos(id) }) },
          ]);
        },
      },
    ]),
  );

  private makeUnary(t: IToken, operand: Expr): Expr {
    const op = t.tokenType === T.Minus ? "-" : t.tokenType === T.Plus ? "+" : "NOT";
    // Fold the sign into a number literal so -32768 is a valid INT constant.
    if (op === "-" && (operand.kind === "int" || operand.kind === "real") && operand.line !== undefined) {
      if (operand.kind === "int") return { ...operand, value: -operand.value, text: `-${operand.text}`, line: t.startLine!, col: t.startColumn! };
      return { ...operand, value: -operand.value, line: t.startLine!, col: t.startColumn! };
    }
    return { kind: "unary", op, operand, ...pos(t) };
  }

  private checked<V>(tok: IToken, parsed: { ok: true; value: V } | { ok: false; error: string }, fallback: V): V {
    if (parsed.ok) return parsed.value;
    this.literalProblems.push({ message: parsed.error, ...pos(tok) });
    return fallback;
  }

  private integerValue(tok: IToken): number {
    return this.checked(tok, parseIntegerLiteral(tok.image), 0);
  }

  /** INT#5, DINT#16#FF, REAL#1.5, BOOL#TRUE, BOOL#1. */
  private typedLiteral(tok: IToken): Expr {
    const hash = tok.image.indexOf("#");
    const type = tok.image.slice(0, hash).toUpperCase();
    let text = tok.image.slice(hash + 1);
    const p = pos(tok);
    if (type === "BOOL") {
      const v = text.toUpperCase();
      if (v === "TRUE" || v === "1") return { kind: "bool", value: true, ...p };
      if (v === "FALSE" || v === "0") return { kind: "bool", value: false, ...p };
      this.literalProblems.push({ message: `"${tok.image}" is not a BOOL: write BOOL#TRUE, BOOL#FALSE, BOOL#1 or BOOL#0`, ...p });
      return { kind: "bool", value: false, ...p };
    }
    let sign = 1;
    if (text.startsWith("-") || text.startsWith("+")) {
      sign = text.startsWith("-") ? -1 : 1;
      text = text.slice(1);
    }
    if (type === "REAL") return { kind: "real", value: sign * this.checked(tok, parseRealLiteral(text), 0), ...p };
    const value = sign * this.checked(tok, parseIntegerLiteral(text), 0);
    return { kind: "int", value, text: tok.image, typed: type as "INT" | "DINT", ...p };
  }
}

let parser: StParser | null = null;

/** The parse of one source: a tree, or the first syntax error. */
export type ParseResult =
  | { ok: true; ast: ProgramAst; literalProblems: LiteralProblem[] }
  | { ok: false; problem: SyntaxProblem };

/** Parses a whole program. The parser is built once per process (its grammar analysis costs ~10 ms). */
export function parseProgram(source: string): ParseResult {
  const lexed = T.stLexer.tokenize(source);
  const unclosed = lexed.tokens.find((t) => t.tokenType === T.UnclosedComment);
  const lexError = lexed.errors[0];
  if (unclosed && (!lexError || unclosed.startOffset < lexError.offset)) {
    return { ok: false, problem: { message: "comment opened here is never closed: add '*)'", ...pos(unclosed) } };
  }
  if (lexError) {
    const ch = source[lexError.offset] ?? "";
    const hint = CHARACTER_HINTS[ch] ?? "";
    return { ok: false, problem: { message: `unexpected character '${ch}'${hint}`, line: lexError.line ?? 0, col: lexError.column ?? 0 } };
  }
  parser ??= new StParser();
  parser.literalProblems = [];
  parser.input = lexed.tokens;
  const ast = parser.program();
  const err = parser.errors[0];
  if (err) {
    // A construct from full IEC 61131-3 that the subset leaves out: say so rather than "expected …".
    const outside = lexed.tokens.find((t) => t.tokenType === T.Unsupported);
    if (outside && (err.token.tokenType.name === "EOF" || outside.startOffset <= err.token.startOffset)) {
      const word = outside.image.toUpperCase();
      return { ok: false, problem: { message: `${word} is not part of this subset${UNSUPPORTED_HINTS[word] ?? ""} (see docs/structured-text.md)`, ...pos(outside) } };
    }
    const index = lexed.tokens.indexOf(err.token);
    const previous = lexed.tokens[(index < 0 ? lexed.tokens.length : index) - 1];
    if (err.message.startsWith("expected ';'") && previous) {
      // A missing ';' belongs where the statement ended, not at the next line's first token.
      const at = { line: previous.endLine ?? previous.startLine ?? 1, col: (previous.endColumn ?? previous.startColumn ?? 0) + 1 };
      return { ok: false, problem: { message: `expected ';' after '${previous.image}'`, ...at } };
    }
    let at = pos(err.token);
    if (!Number.isFinite(at.line) || !at.line) {
      // Errors at the end of the file point just after the last real token.
      const last = lexed.tokens[lexed.tokens.length - 1];
      at = last ? { line: last.endLine ?? last.startLine ?? 1, col: (last.endColumn ?? last.startColumn ?? 0) + 1 } : { line: 1, col: 1 };
    }
    return { ok: false, problem: { message: err.message, ...at } };
  }
  return { ok: true, ast, literalProblems: [...parser.literalProblems] };
}
