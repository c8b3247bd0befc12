/**
 * Tokens of the Structured Text subset (chevrotain). Keywords are case-insensitive and only
 * whole words: `TON` is an identifier although it starts with the keyword `TO`.
 */
import { Lexer, createToken, type CustomPatternMatcherFunc, type TokenType } from "chevrotain";

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

const keywordNames = [
  "PROGRAM", "END_PROGRAM", "VAR", "VAR_INPUT", "VAR_OUTPUT", "END_VAR",
  "IF", "THEN", "ELSIF", "ELSE", "END_IF", "CASE", "OF", "END_CASE",
  "FOR", "TO", "BY", "DO", "END_FOR", "WHILE", "END_WHILE", "REPEAT", "UNTIL", "END_REPEAT",
  "EXIT", "RETURN", "TRUE", "FALSE", "NOT", "AND", "OR", "XOR", "MOD",
] as const;
export type Keyword = (typeof keywordNames)[number];

/** Keyword token types by keyword. */
export const KW = Object.fromEntries(
  keywordNames.map((k) => [
    k,
    createToken({ name: k, pattern: new RegExp(k, "i"), longer_alt: Identifier, label: k }),
  ]),
) as Record<Keyword, TokenType>;

/**
 * Words of full IEC 61131-3 that this subset leaves out. They are never valid names, so the
 * parser can say "VAR_IN_OUT is not part of this subset" instead of a puzzling "expected …".
 */
const unsupportedWords = [
  "VAR_IN_OUT", "VAR_TEMP", "VAR_GLOBAL", "VAR_EXTERNAL", "VAR_STAT", "CONSTANT", "RETAIN", "PERSISTENT",
  "END_FUNCTION_BLOCK", "FUNCTION_BLOCK", "END_FUNCTION", "FUNCTION", "METHOD", "TYPE", "END_TYPE", "STRUCT",
  "ARRAY", "POINTER", "REF_TO", "JMP", "CONTINUE", "AT",
];
export const Unsupported = createToken({
  name: "Unsupported",
  pattern: new RegExp(`(?:${unsupportedWords.sort((a, b) => b.length - a.length).join("|")})(?![A-Za-z0-9_])`, "i"),
  label: "a construct outside the subset",
});

/** (* … *) comments nest, so commenting out code that holds a comment works. */
const matchComment: CustomPatternMatcherFunc = (text, offset) => {
  if (!text.startsWith("(*", offset)) return null;
  let depth = 0;
  let i = offset;
  while (i < text.length) {
    if (text.startsWith("(*", i)) {
      depth++;
      i += 2;
    } else if (text.startsWith("*)", i)) {
      depth--;
      i += 2;
      if (depth === 0) return [text.slice(offset, i)] as unknown as RegExpExecArray;
    } else i++;
  }
  return null;
};

export const BlockComment = createToken({ name: "BlockComment", pattern: matchComment, line_breaks: true, group: Lexer.SKIPPED, start_chars_hint: ["("] });
/** An opening `(*` that never closes: the parser reports it as such. */
export const UnclosedComment = createToken({ name: "UnclosedComment", pattern: /\(\*/, label: "an unclosed comment" });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });

export const TimeLiteral = createToken({ name: "TimeLiteral", pattern: /(?:TIME|T)#[-+]?[0-9A-Za-z_.]+/i, label: "a TIME literal" });
export const TypedLiteral = createToken({
  name: "TypedLiteral",
  pattern: /(?:BOOL|DINT|INT|REAL)#(?:TRUE|FALSE|[-+]?(?:\d+#[0-9A-Za-z_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][-+]?\d+)?))/i,
  label: "a typed literal",
});
export const BasedInteger = createToken({ name: "BasedInteger", pattern: /\d+#[0-9A-Za-z_]+/, label: "an integer" });
export const RealLiteral = createToken({ name: "RealLiteral", pattern: /\d[\d_]*(?:\.\d[\d_]*(?:[eE][-+]?\d+)?|[eE][-+]?\d+)/, label: "a REAL literal" });
export const IntegerLiteral = createToken({ name: "IntegerLiteral", pattern: /\d[\d_]*/, label: "an integer" });

const punct = (name: string, pattern: string) =>
  createToken({ name, pattern: new RegExp(pattern.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")), label: `'${pattern}'` });
export const Assign = punct("Assign", ":=");
export const Arrow = punct("Arrow", "=>");
export const LessEq = punct("LessEq", "<=");
export const GreaterEq = punct("GreaterEq", ">=");
export const NotEqual = punct("NotEqual", "<>");
export const Less = punct("Less", "<");
export const Greater = punct("Greater", ">");
export const Equal = punct("Equal", "=");
export const Power = punct("Power", "**");
export const Star = punct("Star", "*");
export const Slash = punct("Slash", "/");
export const Plus = punct("Plus", "+");
export const Minus = punct("Minus", "-");
export const Ampersand = punct("Ampersand", "&");
export const DotDot = punct("DotDot", "..");
export const Dot = punct("Dot", ".");
export const Colon = punct("Colon", ":");
export const Semicolon = punct("Semicolon", ";");
export const Comma = punct("Comma", ",");
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");

// Longer keywords first so VAR_INPUT is not read as VAR; literals before identifiers so T#1s
// is one token; comments before the operators they start with.
const keywordsLongestFirst = Object.values(KW).sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length);

export const allTokens: TokenType[] = [
  WhiteSpace, BlockComment, UnclosedComment, LineComment,
  TimeLiteral, TypedLiteral, BasedInteger, RealLiteral, IntegerLiteral,
  Unsupported, ...keywordsLongestFirst, Identifier,
  Assign, Arrow, LessEq, GreaterEq, NotEqual, Less, Greater, Equal, Power, Star, Slash, Plus, Minus, Ampersand,
  DotDot, Dot, Colon, Semicolon, Comma, LParen, RParen,
];

export const stLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: "full" });
