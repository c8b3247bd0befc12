/**
 * The spoken form of a narration: what the voice reads, word by word, mapped back to the written
 * tokens the captions show. `T#5s` is said "T 5 seconds", `24.5 V` "twenty-four point five volts",
 * `Timer1.ACC` "Timer 1 dot A C C", `I^2 x R` "I squared times R"; every spoken word knows which
 * written token it came from, so the voice's word timings time the written words.
 *
 * Pure: no engine-specific markup; each provider wraps the words as it needs (SSML marks, plain text).
 */
import { tokenize } from "./segment.ts";

/** Bump when the spoken form of some text changes: narration made from the old form is remade. */
export const SPOKEN_VERSION = 1;

/** The text to speak and where each of its words came from. */
export interface SpokenText {
  /** The written text the captions show. */
  written: string;
  /** Number of whitespace tokens in `written`. */
  writtenCount: number;
  /** The spoken words (punctuation kept on them for the voice's phrasing). */
  words: string[];
  /** For each spoken word, the index of the written token it reads. */
  toWritten: number[];
  /** `words` joined by single spaces: what is sent to the voice. */
  text: string;
}

const ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/** English words for a whole number below a million ("twenty-four", "one hundred five"). */
export function integerWords(n: number): string {
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? `-${ONES[n % 10]}` : "");
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} hundred${n % 100 ? ` ${integerWords(n % 100)}` : ""}`;
  return `${integerWords(Math.floor(n / 1000))} thousand${n % 1000 ? ` ${integerWords(n % 1000)}` : ""}`;
}

/** Words for a decimal number as written ("24.5" → "twenty-four point five", "0.05" → "zero point zero five"). */
export function numberWords(written: string): string {
  const m = /^([-+−])?(\d[\d,]*)(?:\.(\d+))?$/.exec(written);
  if (!m) return written;
  const whole = Number(m[2]!.replace(/,/g, ""));
  // Long numbers (part numbers, standards, years) are better left to the voice.
  if (!Number.isSafeInteger(whole) || whole >= 1_000_000) return written;
  const sign = m[1] ? "minus " : "";
  const frac = m[3] ? ` point ${[...m[3]].map((d) => ONES[Number(d)]).join(" ")}` : "";
  return `${sign}${integerWords(whole)}${frac}`;
}

/** Unit symbols and their spoken names (singular, plural). */
const UNITS: Record<string, [string, string]> = {
  V: ["volt", "volts"], mV: ["millivolt", "millivolts"], kV: ["kilovolt", "kilovolts"],
  A: ["amp", "amps"], mA: ["milliamp", "milliamps"], uA: ["microamp", "microamps"], µA: ["microamp", "microamps"],
  W: ["watt", "watts"], kW: ["kilowatt", "kilowatts"], mW: ["milliwatt", "milliwatts"],
  Ω: ["ohm", "ohms"], kΩ: ["kilohm", "kilohms"], MΩ: ["megohm", "megohms"],
  s: ["second", "seconds"], ms: ["millisecond", "milliseconds"], us: ["microsecond", "microseconds"], µs: ["microsecond", "microseconds"],
  min: ["minute", "minutes"], h: ["hour", "hours"],
  Hz: ["hertz", "hertz"], kHz: ["kilohertz", "kilohertz"], MHz: ["megahertz", "megahertz"],
  "%": ["percent", "percent"], "°C": ["degree Celsius", "degrees Celsius"], "°F": ["degree Fahrenheit", "degrees Fahrenheit"],
  VDC: ["volt DC", "volts DC"], VAC: ["volt AC", "volts AC"], rpm: ["R P M", "R P M"], mm: ["millimetre", "millimetres"],
  kg: ["kilogram", "kilograms"], Nm: ["newton metre", "newton metres"],
};
/** Duration units inside an IEC TIME literal (`T#1m30s`). */
const TIME_UNITS: Record<string, [string, string]> = {
  d: ["day", "days"], h: ["hour", "hours"], m: ["minute", "minutes"], s: ["second", "seconds"], ms: ["millisecond", "milliseconds"], us: ["microsecond", "microseconds"], ns: ["nanosecond", "nanoseconds"],
};
const ABBREVIATIONS: Record<string, string> = {
  "e.g.": "for example", "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "cf.": "compare", "approx.": "approximately",
};
const OPERATORS: Record<string, string> = { "=": "equals", "×": "times", "*": "times", x: "times", "+": "plus", "−": "minus", "/": "divided by", "÷": "divided by", "<": "less than", ">": "greater than", "≤": "at most", "≥": "at least", "≠": "is not equal to", ":=": "is assigned", "&": "and" };

function unitName(unit: string, value: string, attributive = false): string {
  const [one, many] = UNITS[unit]!;
  // "a 24 V DC supply" is "a twenty-four volt DC supply": a measure before a noun stays singular.
  return attributive || /^[-+−]?1(?:\.0+)?$/.test(value) ? one : many;
}

/** "ACC" → "A C C"; "Timer1" → "Timer 1"; identifiers read the way a PLC programmer says them. */
function identifierWords(id: string): string {
  return id
    .split(/(\d+)/)
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? p : /^[A-Z]{2,4}$/.test(p) ? [...p].join(" ") : p.replace(/_/g, " ")))
    .join(" ");
}

function timeLiteral(body: string): string | null {
  const parts = [...body.matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|d|h|m|s)/gi)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("").toLowerCase() !== body.replace(/_/g, "").toLowerCase()) return null;
  return parts.map((p) => `${numberWords(p[1]!)} ${TIME_UNITS[p[2]!.toLowerCase()]![/^1(?:\.0+)?$/.test(p[1]!) ? 0 : 1]}`).join(" ");
}

/**
 * The spoken words for one token's core (no surrounding punctuation); `prev`/`next` are
 * neighbours' cores; `attributive`: a measure here describes the noun after it ("a 24 V supply").
 */
function speakCore(core: string, prev: string | undefined, next: string | undefined, attributive = false): string {
  if (core === "") return "";
  const abbr = ABBREVIATIONS[core.toLowerCase()];
  if (abbr) return abbr;
  const time = /^(?:T|TIME|LT|LTIME)#(.+)$/i.exec(core);
  if (time) {
    const t = timeLiteral(time[1]!);
    if (t) return `T ${t}`;
  }
  if (/^\d+(?:\.\d+)?$/.test(core) || /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(core)) return numberWords(core);
  const withUnit = /^([-+−]?\d+(?:\.\d+)?)(%|°[CF]|[a-zA-ZµΩ]{1,3})$/.exec(core);
  if (withUnit && UNITS[withUnit[2]!]) return `${numberWords(withUnit[1]!)} ${unitName(withUnit[2]!, withUnit[1]!, attributive)}`;
  if (prev !== undefined && /^(?:IEC|EN|ISO|IEEE|DIN)$/i.test(prev) && /^\d[\d-]*$/.test(core)) {
    return core.split("-").map((n) => [...n].join(" ")).join(" dash "); // "IEC 61131-3": digit by digit
  }
  const range = /^(\d+(?:\.\d+)?)[-–](\d+(?:\.\d+)?)([a-zA-ZµΩ%]{1,3})?$/.exec(core); // "4-20mA"
  if (range && (!range[3] || UNITS[range[3]])) {
    return `${numberWords(range[1]!)} to ${numberWords(range[2]!)}${range[3] ? ` ${unitName(range[3], range[2]!, attributive)}` : ""}`;
  }
  // A unit after a number or a range ("24 V", "4-20 mA") is said in full.
  if (prev !== undefined && /^[-+−]?\d+(?:\.\d+)?(?:[-–]\d+(?:\.\d+)?)?$/.test(prev) && UNITS[core]) {
    return unitName(core, prev, attributive);
  }
  if (OPERATORS[core] && prev !== undefined && next !== undefined) return OPERATORS[core]!;
  const power = /^([A-Za-z]\w*)\^(\d+)$/.exec(core);
  if (power) return `${power[1]} ${power[2] === "2" ? "squared" : power[2] === "3" ? "cubed" : `to the power ${numberWords(power[2]!)}`}`;
  const address = /^%([IQM])([XBWDL]?)(\d+(?:\.\d+)*)$/i.exec(core); // %I0.1, %QX2.3, %MW10
  if (address) return ["percent", ...`${address[1]}${address[2]}`.toUpperCase(), ...address[3]!.split(".").flatMap((n, i) => (i ? ["dot", n] : [n]))].join(" ");
  const ab = /^([IOBNTCRF])(\d*):(\d+)(?:\/(\d+))?$/.exec(core); // I:1/0, N7:0, T4:0
  if (ab) return [ab[1], ab[2], "colon", ab[3], ...(ab[4] !== undefined ? ["slash", ab[4]] : [])].filter(Boolean).join(" ");
  const dotted = /^(\.?)([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$/.exec(core);
  if (dotted && (dotted[1] || core.includes("."))) {
    return `${dotted[1] ? "dot " : ""}${dotted[2]!.split(".").map(identifierWords).join(" dot ")}`;
  }
  return core;
}

/** Words after a measure that show it is not describing a noun ("1 A from the supply", "5 V is OFF"). */
const NOT_A_NOUN = new Set(["to", "from", "and", "or", "is", "are", "was", "were", "at", "in", "on", "of", "for", "with", "into", "per", "than", "the", "a", "an", "when", "while", "so", "but", "if", "as", "by", "then", "across", "between", "over", "under", "below", "above", "before", "after", "until", "each"]);

/**
 * Whether the measure at token `i` (a number with its unit, or the unit after a number)
 * describes the noun after it, as in "a 4-20 mA signal" or "for a Type 1 24 V DC input": an
 * article shortly before the number, and a word after it (past DC/AC) that is not a function word.
 */
function isAttributive(split: readonly { core: string; tail: string }[], i: number): boolean {
  if (split[i]!.tail !== "") return false;
  const numberAt = /^[-+−]?\d/.test(split[i]!.core) ? i : i - 1;
  // The article must belong to this measure: "a Type 1 24 V input", not "A coil on 24 V".
  let article = false;
  for (let k = numberAt - 1; k >= numberAt - 3 && k >= 0; k -= 1) {
    const w = split[k]!.core;
    if (/^an?$/i.test(w)) article = true;
    if (article || NOT_A_NOUN.has(w.toLowerCase()) || split[k]!.tail !== "") break;
  }
  let j = i + 1;
  while (/^(?:DC|AC|RMS)$/.test(split[j]?.core ?? "") && split[j - 1]!.tail === "") j += 1;
  const next = split[j]?.core ?? "";
  return article && split[j - 1]!.tail === "" && /^\p{L}/u.test(next) && !NOT_A_NOUN.has(next.toLowerCase());
}

/** The spoken form of `written`, with each spoken word mapped to its written token. */
export function spokenForm(written: string): SpokenText {
  const tokens = tokenize(written);
  const split = tokens.map((t) => {
    // Abbreviations keep their dots; other tokens shed closing punctuation, which the voice gets back on the last word.
    const m = /^([("'\[]*)(.*?)([)"'\],;:!?.]*)$/.exec(t.text)!;
    let core = m[2]!;
    let tail = m[3]!;
    if (ABBREVIATIONS[(core + tail.replace(/[,;:!?)"'\]]+$/, "")).toLowerCase()]) {
      const dots = tail.replace(/[,;:!?)"'\]]+$/, "");
      core += dots;
      tail = tail.slice(dots.length);
    }
    return { core, tail };
  });
  const words: string[] = [];
  const toWritten: number[] = [];
  split.forEach(({ core, tail }, i) => {
    // An aside in brackets gets a pause before it, as a reader would make.
    if (/^[(\[]/.test(tokens[i]!.text) && words.length > 0 && !/[,;:.!?]$/.test(words.at(-1)!)) words[words.length - 1] += ",";
    const attributive = isAttributive(split, i);
    let said = speakCore(core, split[i - 1]?.core, split[i + 1]?.core, attributive).split(/\s+/).filter(Boolean);
    // Punctuation standing alone ("—", "…") is not a word: the voice pauses instead.
    if (said.length === 1 && said[0] === core && !/[\p{L}\p{N}]/u.test(core)) {
      said = [];
      if (words.length > 0 && !/[,;:.!?]$/.test(words.at(-1)!)) words[words.length - 1] += ",";
    }
    // A closing bracket is a pause as the opening one was: "a loose terminal (extra resistance) drops" →
    // "a loose terminal, extra resistance, drops", not "extra resistance drops".
    let end = tail.replace(/["')\]]/g, "");
    if (/[)\]]/.test(tail) && !/[,;:.!?]/.test(end) && i + 1 < split.length) end = `,${end}`;
    said.forEach((w, k) => {
      words.push(k === said.length - 1 ? w + end : w);
      toWritten.push(i);
    });
  });
  return { written, writtenCount: tokens.length, words, toWritten, text: words.join(" ") };
}
