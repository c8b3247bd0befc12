/**
 * Literal and duration text → values. Shared by the parser (T#1s500ms, 16#FF, 1_000) and by
 * `factory st run` flags (--cycle 10ms, --set Start=TRUE@100ms), so both accept the same forms.
 */

/** The largest TIME: 32-bit signed milliseconds, as DINT (about 24.8 days). */
export const MAX_TIME_MS = 2_147_483_647;

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const UNIT_ORDER = ["d", "h", "m", "s", "ms"];

/** A value, or a sentence saying why the text is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const fail = (error: string): Parsed<never> => ({ ok: false, error });

/**
 * Parses the part of a duration after `T#`/`TIME#` ("1s500ms", "2m", "1.5s", "1d_2h"), or a
 * bare duration as the CLI takes it ("10ms"). Units go from days down to milliseconds, each at
 * most once; only the last one may have a fraction (IEC 61131-3). The result is whole ms.
 */
export function parseDuration(text: string): Parsed<number> {
  const body = text.replace(/_/g, "");
  if (body.startsWith("-")) return fail(`negative durations are not allowed ("${text}"): TIME values here are never below T#0s`);
  if (body === "") return fail(`empty duration: write e.g. 100ms, 2s, 1m30s`);
  const part = /^(\d+(?:\.\d+)?)(ms|d|h|m|s)/i;
  let rest = body;
  let total = 0;
  let lastUnit = -1;
  let sawFraction = false;
  while (rest !== "") {
    const m = part.exec(rest);
    if (!m) return fail(`"${text}" is not a duration: write numbers with units d, h, m, s, ms (e.g. 1s500ms, 2m, 1.5s)`);
    const unit = m[2]!.toLowerCase();
    const order = UNIT_ORDER.indexOf(unit);
    if (order <= lastUnit) return fail(`"${text}": units must go from days to milliseconds, each once (e.g. 1m30s, not 30s1m)`);
    if (sawFraction) return fail(`"${text}": only the last unit may have a fraction (write 1s500ms or 1.5s)`);
    if (m[1]!.includes(".")) sawFraction = true;
    lastUnit = order;
    total += Number(m[1]) * UNIT_MS[unit]!;
    rest = rest.slice(m[0].length);
  }
  // 1.5s is exactly 1500 ms; guard against binary fractions like 0.1s*3 drifting.
  const rounded = Math.round(total * 1000) / 1000;
  if (!Number.isInteger(rounded)) return fail(`"${text}": TIME has a resolution of 1 ms`);
  if (rounded > MAX_TIME_MS) return fail(`"${text}" is too long: TIME goes up to ${MAX_TIME_MS} ms (about 24 days)`);
  return { ok: true, value: rounded };
}

/** Parses `T#…`/`TIME#…` (any case). */
export function parseTimeLiteral(text: string): Parsed<number> {
  const hash = text.indexOf("#");
  const prefix = text.slice(0, hash).toUpperCase();
  if (hash < 0 || (prefix !== "T" && prefix !== "TIME")) return fail(`"${text}" is not a TIME literal (T#… or TIME#…)`);
  return parseDuration(text.slice(hash + 1));
}

/**
 * Parses an unsigned integer literal: decimal with `_` separators (1_000) or based
 * (2#1010, 8#17, 16#FF). Values beyond 2^53 are refused rather than rounded.
 */
export function parseIntegerLiteral(text: string): Parsed<number> {
  const clean = text.replace(/_/g, "");
  const based = /^(\d+)#([0-9A-Fa-f]+)$/.exec(clean);
  let value: number;
  if (based) {
    const base = Number(based[1]);
    if (base !== 2 && base !== 8 && base !== 16) return fail(`"${text}": the base must be 2, 8 or 16`);
    const digits = based[2]!;
    const valid = base === 16 ? /^[0-9A-Fa-f]+$/ : base === 8 ? /^[0-7]+$/ : /^[01]+$/;
    if (!valid.test(digits)) return fail(`"${text}" has a digit that is not valid in base ${base}`);
    value = parseInt(digits, base);
  } else if (/^\d+$/.test(clean)) {
    value = Number(clean);
  } else {
    return fail(`"${text}" is not an integer`);
  }
  if (!Number.isSafeInteger(value)) return fail(`"${text}" is too large`);
  return { ok: true, value };
}

/** Parses a REAL literal (1.5, 1.0E3, 1_000.5). */
export function parseRealLiteral(text: string): Parsed<number> {
  const value = Number(text.replace(/_/g, ""));
  if (!Number.isFinite(value)) return fail(`"${text}" is not a finite REAL`);
  return { ok: true, value };
}
