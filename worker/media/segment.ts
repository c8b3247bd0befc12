/**
 * Sentence and phrase segmentation for captions: Intl.Segmenter (ICU, built into Node) finds the
 * sentences, behind a protection layer that hides every period a sentence may not end at (decimal
 * numbers, dotted tag names like `Timer1.ACC` or `.PRE`, IEC literals like `T#1.5s` or `%I0.1`,
 * abbreviations like `e.g.`), and the phrase rules say where a caption may break inside a sentence
 * (after a comma, before a conjunction or preposition, never between a number and its unit).
 *
 * Everything works on whitespace-separated tokens: the i-th token of a text is the unit that word
 * timings, captions and the spoken form all agree on.
 */

/** One whitespace-separated token of a text, with its character range. */
export interface Token {
  text: string;
  start: number;
  end: number;
}

/** The whitespace-separated tokens of `text`. */
export function tokenize(text: string): Token[] {
  return [...text.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index!, end: m.index! + m[0].length }));
}

/** Abbreviations whose period never ends a sentence (lower-cased, with their dots). */
const NON_TERMINAL = new Set(["e.g.", "i.e.", "vs.", "cf.", "approx.", "mr.", "mrs.", "ms.", "dr.", "prof.", "fig.", "no.", "nos.", "resp.", "incl.", "min.", "max.", "ca.", "st.", "ref.", "sec.", "eq."]);

/**
 * A stand-in of the same length for a period the segmenter must not see (keeps offsets). Not a
 * dot leader: ICU counts U+2024 as a sentence terminator.
 */
const MASK = "_";

/**
 * `text` with every protected period replaced by {@link MASK}: periods inside a token (`0.1`,
 * `Timer1.ACC`, `.PRE`, `%I0.1`, `e.g`) and the final period of a known abbreviation.
 */
export function maskProtected(text: string): string {
  const out = text.split("");
  for (const t of tokenize(text)) {
    // Closing punctuation after a final period ("0.)") still ends there: find the token's body.
    const body = /^(.*?)([.!?]*["')\]]*)$/.exec(t.text)!;
    const core = body[1]!;
    for (let i = 0; i < core.length; i++) if (core[i] === ".") out[t.start + i] = MASK;
    const bare = t.text.replace(/^["'(\[]+/, "").replace(/["')\],;:]+$/, "").toLowerCase();
    if (NON_TERMINAL.has(bare)) {
      const last = t.text.lastIndexOf(".");
      out[t.start + last] = MASK;
    }
  }
  return out.join("");
}

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/**
 * For each token of `text`, whether a sentence ends after it. A "sentence" of punctuation alone,
 * or one that starts in lower case (a number read as a sentence end by mistake), joins the one before.
 */
export function sentenceEnds(text: string): boolean[] {
  const tokens = tokenize(text);
  const ends = new Array<boolean>(tokens.length).fill(false);
  if (tokens.length === 0) return ends;
  const masked = maskProtected(text);
  const cuts: number[] = [];
  for (const s of segmenter.segment(masked)) if (s.index > 0) cuts.push(s.index);
  let ti = 0;
  for (const cut of cuts) {
    while (ti < tokens.length && tokens[ti]!.end <= cut) ti++;
    // A cut inside a token is never a sentence end (the segmenter splits "ACC and ." style text).
    const prev = ti - 1;
    if (prev < 0 || (ti < tokens.length && tokens[ti]!.start < cut)) continue;
    const next = tokens[ti];
    if (!next) continue;
    if (!/[.!?]["')\]]*$/.test(tokens[prev]!.text)) continue;
    if (!/[\p{L}\p{N}]/u.test(next.text)) continue; // "." or "—" alone stays with its sentence
    if (/^\p{Ll}/u.test(next.text)) continue; // "… by 0. then" is not a new sentence
    ends[prev] = true;
  }
  // ICU never ends a sentence before a number followed by a lower-case word ("…30s. 24 divided by"):
  // an unprotected final period followed by a digit or capital does.
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (next && /[.!?]["')\]]*$/.test(masked.slice(t.start, t.end)) && /^["'(\[]?[\p{Lu}\p{N}]/u.test(next.text)) ends[i] = true;
  });
  ends[tokens.length - 1] = true;
  return ends;
}

/** The sentences of `text`, as strings (for tests and for chunking synthesis requests). */
export function sentences(text: string): string[] {
  const tokens = tokenize(text);
  const ends = sentenceEnds(text);
  const out: string[] = [];
  let from = 0;
  tokens.forEach((t, i) => {
    if (ends[i]) {
      out.push(text.slice(tokens[from]!.start, t.end));
      from = i + 1;
    }
  });
  return out;
}

const CONJUNCTIONS = new Set(["and", "but", "or", "nor", "so", "yet", "because", "which", "while", "whereas", "although", "though", "unless", "until", "when", "where", "whenever", "if", "then", "that", "who", "since", "as"]);
const PREPOSITIONS = new Set(["to", "of", "in", "on", "for", "with", "from", "by", "at", "into", "onto", "over", "under", "after", "before", "between", "through", "during", "without", "within", "about", "across", "against", "along", "per", "via", "like", "behind", "above", "below", "around", "inside", "outside", "toward", "towards", "than", "instead", "except", "because"]);
/** Words that take their preposition with them ("divided by", "equal to"). */
const PHRASAL = new Set(["divided", "multiplied", "equal", "due", "according", "compared", "connected", "wired", "related", "close", "similar", "next", "up", "out", "set", "turned"]);
/** Verbs of a formula read aloud: a natural place to break a long equation. */
const RELATIONS = new Set(["equals", "=", "gives"]);
/** Words that bind to the word after them: a line never ends on one. */
const ARTICLES = new Set(["a", "an", "the"]);
const BINDING = new Set(["its", "their", "his", "her", "our", "your", "my", "this", "these", "those", "each", "every", "no", "not", "very", "more", "less", "most", "least", "such"]);
/** Units and unit-like words a number must keep. */
const UNIT = /^(?:%|[kmMµu]?[VAWΩ]|V(?:DC|AC)|[kmMµun]?s|ms|min|h|Hz|kHz|MHz|°[CF]?|deg|degrees?|[kmM]?ohms?|volts?|amps?|amperes?|watts?|milliamps?|milliseconds?|seconds?|minutes?|hours?|percent|bits?|bytes?|words?|mm|cm|m|kg|g|rpm|bar|psi|N|Nm|DC|AC|x|times)[.,;:!?)]*$/;
const NUMBER = /^[(\[]?[-+−]?\$?\d[\d,]*(?:\.\d+)?[.,;:]?$/;

function bare(t: string): string {
  return t.replace(/^["'(\[]+/, "").replace(/["')\].,;:!?]+$/, "").toLowerCase();
}

/**
 * The cost of a caption or line break after token `i` (before token `i + 1`) of `tokens`:
 * 0 at a sentence end, low after a clause mark, moderate before a conjunction or preposition,
 * high mid-phrase, Infinity where it would split a number from its unit or a name from its number.
 */
export function breakCost(tokens: string[], i: number, sentenceEnd: boolean): number {
  const a = tokens[i]!;
  const b = tokens[i + 1];
  if (b === undefined) return 0;
  const nb = b.replace(/^["'(\[]+/, "");
  if (NUMBER.test(a) && !/[.,;:]$/.test(a) && UNIT.test(nb)) return Infinity; // "24.5 | V", "5 | seconds"
  if (/^(?:IEC|EN|ISO|IEEE|NEMA|UL|DIN|§)$/i.test(a) && /^\d/.test(nb)) return Infinity; // "IEC | 61131-3"
  if (/^[#=×x*/+−-]$/.test(nb) || /^[=×*/+−-]$/.test(a)) return 8; // keep a formula's operators with their operands
  if (sentenceEnd) return 0;
  if (/[,;:]["')\]]*$/.test(a) || /[—–]$/.test(a) || /^[—–]$/.test(nb)) return 1;
  if (/\)$/.test(a)) return 2;
  const unitAfterNumber = i > 0 && NUMBER.test(tokens[i - 1]!) && UNIT.test(a);
  if (ARTICLES.has(bare(a)) && !unitAfterNumber) return 14;
  if (/^(?:e\.g\.|i\.e\.|cf\.|vs\.)$/i.test(a)) return 9; // "i.e." introduces what follows
  if (PHRASAL.has(bare(a)) && PREPOSITIONS.has(bare(b))) return 8; // "divided | by"
  if (BINDING.has(bare(a))) return 9;
  const w = bare(nb);
  if (/^\(/.test(b)) return 2.5;
  if (CONJUNCTIONS.has(w)) return 2.5;
  // "coils on | at once": a line ending in a particle reads unfinished, so a preposition after one is no phrase break.
  if (PREPOSITIONS.has(w) && !PREPOSITIONS.has(bare(a))) return 3.5;
  if (RELATIONS.has(w)) return 3.5;
  return 6;
}
