/**
 * Where a JSON text is broken, as line and column.
 *
 * Node 20's `JSON.parse` often names no position at all ("Unexpected token '}', ... is not
 * valid JSON"), which is useless to someone fixing a knowledge-base file by hand. This is a
 * small strict JSON scanner (RFC 8259) used only after `JSON.parse` failed, to point at the
 * first offending character. Pure, no I/O.
 */

/** The first syntax error in a JSON text. Line and column are 1-based. */
export interface JsonSyntaxError {
  offset: number;
  line: number;
  column: number;
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Line and column (1-based) of an offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function startsValue(c: string | undefined): boolean {
  return c !== undefined && (c === '"' || c === "{" || c === "[" || c === "-" || (c >= "0" && c <= "9") || c === "t" || c === "f" || c === "n");
}

/**
 * Finds the first syntax error of `text`, or null when it is valid JSON.
 * @param text the whole file (a leading BOM is not allowed: strip it first if you tolerate it)
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  /** "on the next line" or "at line L, column C" for the token at `at`, seen from `from`. */
  const where = (from: number, at: number) => {
    const a = lineColumn(text, from);
    const b = lineColumn(text, at);
    if (b.line === a.line) return `at column ${b.column}`;
    return b.line === a.line + 1 ? "on the next line" : `at line ${b.line}`;
  };
  const describe = (at: number) => (at >= text.length ? "end of file" : JSON.stringify(text[at]));
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const expect = (ch: string, what: string) => {
    if (text[i] !== ch) throw new Stop(i, `expected ${what} but found ${describe(i)}`);
    i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else throw new Stop(i, `unexpected ${describe(i)}: expected a value (string, number, object, array, true, false or null)`);
  };
  const string = () => {
    expect('"', "a double-quoted string");
    for (;;) {
      if (i >= text.length) throw new Stop(i, "unterminated string: missing closing \"");
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) throw new Stop(i, "control character in a string: write a newline as \\n and a tab as \\t");
      if (c === 92) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, "bad \\u escape: needs 4 hex digits");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i, `bad escape \\${e ?? ""} in a string`);
        continue;
      }
      i++;
    }
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) throw new Stop(i, `unexpected ${describe(i)}: not a valid number`);
    i += m[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) throw new Stop(i, "nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') {
          throw new Stop(
            i,
            text[i] === "}" ? "trailing comma before }" : `expected a double-quoted property name but found ${describe(i)}`,
          );
        }
        string();
        ws();
        expect(":", "':' after the property name");
        value(depth + 1);
        const end = i;
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        // The next property follows with no comma: point where the comma belongs (the end of the
        // previous value), not at the next line's quote, which is where people look for the bug.
        if (text[i] === '"') throw new Stop(end, `missing ',' after this value (the next property starts ${where(end, i)})`);
        throw new Stop(i, `expected ',' or '}' but found ${describe(i)}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === "]") throw new Stop(i, "trailing comma before ]");
        value(depth + 1);
        const end = i;
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        if (startsValue(text[i])) throw new Stop(end, `missing ',' after this value (the next one starts ${where(end, i)})`);
        throw new Stop(i, `expected ',' or ']' but found ${describe(i)}`);
      }
    }
    if (c === '"') return string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    throw new Stop(i, `unexpected ${describe(i)}: expected a value (string, number, object, array, true, false or null)`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) throw new Stop(i, `unexpected ${describe(i)} after the end of the JSON value`);
    return null;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { offset: e.offset, ...lineColumn(text, e.offset), message: e.message };
  }
}

/**
 * Where a JSON text that `JSON.parse` refused is broken, as "line L, column C: why", without
 * quoting the text around it. Config files hold tokens, and `JSON.parse`'s own message quotes a
 * slice of the file, which would put part of a secret into a log.
 */
export function jsonErrorWhere(text: string): string {
  const e = findJsonSyntaxError(text.replace(/^\uFEFF/, ""));
  return e ? `line ${e.line}, column ${e.column}: ${e.message}` : "it could not be parsed";
}
