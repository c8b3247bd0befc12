/**
 * The wording of syntax errors: chevrotain's defaults name grammar rules and token types
 * ("Expecting token of type --> Semicolon <--"); these say what a programmer would.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";

const describe = (tok: IToken): string => (tok.tokenType.name === "EOF" ? "the end of the file" : `'${tok.image}'`);
const labelOf = (t: TokenType): string => t.LABEL ?? t.name;

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${labelOf(expected)} but found ${describe(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describe(firstRedundant)} after END_PROGRAM`,
  buildNoViableAltMessage: ({ actual, ruleName }) => `expected ${ruleWords[ruleName] ?? ruleName} but found ${describe(actual[0]!)}`,
  buildEarlyExitMessage: ({ actual, ruleName }) => `expected ${ruleWords[ruleName] ?? ruleName} but found ${describe(actual[0]!)}`,
};

const ruleWords: Record<string, string> = {
  statement: "a statement",
  expression: "an expression",
  primary: "a value, a name or '('",
  caseLabel: "a CASE label (an integer)",
  caseElement: "a CASE label (an integer)",
  argument: "an argument",
  varSection: "VAR, VAR_INPUT or VAR_OUTPUT",
  signedInteger: "an integer",
  program: "PROGRAM",
  powerOperand: "a value",
  unary: "an expression",
  assignOrCall: "':=' (assignment) or '(' (function block call)",
  caseStmt: "a CASE label (an integer)",
  power: "an expression",
  statements: "a statement",
};

export const CHARACTER_HINTS: Record<string, string> = {
  "'": " (strings are not part of this subset)",
  '"': " (strings are not part of this subset)",
  "%": " (direct addresses like %IX0.0 are not part of this subset: declare tags in VAR_INPUT / VAR_OUTPUT)",
  "[": " (arrays are not part of this subset)",
  "^": " (pointers are not part of this subset)",
};

export const UNSUPPORTED_HINTS: Record<string, string> = {
  CONTINUE: ": use IF to skip the rest of the loop body",
  VAR_IN_OUT: ": use VAR_INPUT and VAR_OUTPUT",
  VAR_TEMP: ": use VAR",
  CONSTANT: ": declare a VAR with an initial value",
  FUNCTION_BLOCK: ": write one PROGRAM and use the standard function blocks",
  FUNCTION: ": write one PROGRAM and use the standard functions",
  AT: ": declare tags in VAR_INPUT / VAR_OUTPUT without addresses",
};

