import { describe, expect, it } from "vitest";
import { typesetMath } from "../../worker/media/typeset.ts";

const words = (s: string) => s.split(" ").length;

describe("math on slides and burned captions", () => {
  it.each([
    ["P = I^2 x R and P = V^2 / R", "P = I² × R and P = V² / R"],
    ["P = V x I", "P = V × I"],
    ["(V = I x R),", "(V = I × R),"],
    ["24 V x 0.1 A = 2.4 W", "24 V × 0.1 A = 2.4 W"],
    ["it uses 24 x 0.1 = 2.4 W", "it uses 24 × 0.1 = 2.4 W"],
    ["a gain of 10^-3", "a gain of 10⁻³"],
    ["P = (I)^2 * R", "P = (I)² × R"],
  ])("typesets %s", (written, shown) => {
    expect(typesetMath(written)).toBe(shown);
    expect(words(typesetMath(written))).toBe(words(written));
  });

  it.each(["the x axis", "an x-ray of the panel", "Move the X axis home", "box x", "x marks the spot", "Start, x and y are inputs", "2^10 words", "no math here"])("leaves prose alone: %s", (text) => {
    expect(typesetMath(text)).toBe(text === "2^10 words" ? "2¹⁰ words" : text);
  });
});
