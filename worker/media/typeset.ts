/**
 * Written math as a viewer should see it on a slide or a burned caption, not as code: `I^2`
 * becomes I², and an `x` (or `*`) between two operands becomes ×, so "P = I^2 x R" reads
 * "P = I² × R". Word for word: it never joins or splits a space-separated word (burned captions
 * count words to highlight the one being spoken), and it leaves prose alone: "the x axis" keeps
 * its x because "the" is no operand. The atom's own text, the .srt/.vtt files and the narration
 * keep the written form.
 */

const SUPERSCRIPT: Record<string, string> = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻" };

/** An operand as one word: a number, one letter (a quantity or a unit: V, I, R, A), maybe in brackets, maybe with a power. */
const OPERAND = /^[([]*(?:\d+(?:[.,]\d+)?|[A-Za-zΩ])[)\]]*(?:[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)?[)\]]*[,.;:]?$/;

function powers(word: string): string {
  // A base (letter, digit or closing bracket) then ^ and a whole number.
  return word.replace(/([A-Za-z0-9)\]Ω])\^(-?\d{1,2})(?![\d.])/g, (_m, base: string, exp: string) => base + [...exp].map((c) => SUPERSCRIPT[c] ?? c).join(""));
}

/** `text` with its math typeset; the same number of space-separated words. */
export function typesetMath(text: string): string {
  if (!/[\^x*]/.test(text)) return text;
  const words = text.split(" ").map(powers);
  for (let i = 1; i + 1 < words.length; i += 1) {
    if (words[i] !== "x" && words[i] !== "*" && words[i] !== "X") continue;
    if (OPERAND.test(words[i - 1]!) && OPERAND.test(words[i + 1]!) && !/[,.;:]$/.test(words[i - 1]!)) words[i] = "×";
  }
  return words.join(" ");
}
