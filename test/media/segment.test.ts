/** Caption segmentation: sentences behind the protection layer, and cues at phrase boundaries (pure). */
import { describe, expect, it } from "vitest";
import { buildCues } from "../../worker/media/captions.ts";
import { breakCost, sentences, tokenize } from "../../worker/media/segment.ts";
import { sampleScript } from "./sample-script.ts";

/** Cues of one clip, as "line 1 / line 2", timed by length (no word times). */
function cues(text: string, maxChars = 42): string[] {
  return buildCues([{ text, durationSec: text.length * 0.07 }], maxChars).map((c) => c.lines.join(" / "));
}

describe("sentences", () => {
  it.each([
    ["Use e.g. a timer. Then stop.", ["Use e.g. a timer.", "Then stop."]],
    ["That is, i.e. the rung, true. Next.", ["That is, i.e. the rung, true.", "Next."]],
    ["Read Timer1.ACC and .PRE now. Done.", ["Read Timer1.ACC and .PRE now.", "Done."]],
    ["A relay draws 0.1 amps. Next.", ["A relay draws 0.1 amps.", "Next."]],
    ["24 divided by 0.1 equals 240. 1 equals 2.", ["24 divided by 0.1 equals 240.", "1 equals 2."]],
    ["Never divide by 0. The PLC faults.", ["Never divide by 0.", "The PLC faults."]],
    ["IEC 61131-3 defines T#1m30s. 24 volts is safe.", ["IEC 61131-3 defines T#1m30s.", "24 volts is safe."]],
    ["Set T#5s. Then %I0.1 closes. I:1/0 too.", ["Set T#5s.", "Then %I0.1 closes.", "I:1/0 too."]],
    ["The supply is 24.5 V. Mr. Smith checks it.", ["The supply is 24.5 V.", "Mr. Smith checks it."]],
    ["Is it on? Yes! It is.", ["Is it on?", "Yes!", "It is."]],
    ["Wait . . . then go.", ["Wait . . . then go."]],
  ])("%s", (text, expected) => {
    expect(sentences(text)).toEqual(expected);
  });
});

describe("break costs", () => {
  const cost = (text: string, after: string) => {
    const t = tokenize(text).map((x) => x.text);
    return breakCost(t, t.indexOf(after), false);
  };
  it("never splits a number from its unit or a standard from its number", () => {
    expect(cost("draws 0.1 amps now", "0.1")).toBe(Infinity);
    expect(cost("a 24.5 V supply", "24.5")).toBe(Infinity);
    expect(cost("wait 5 seconds here", "5")).toBe(Infinity);
    expect(cost("per IEC 61131-3 today", "IEC")).toBe(Infinity);
  });
  it("prefers clause marks, then conjunctions, then prepositions, over mid-phrase, and never after an article", () => {
    const comma = cost("true, and then", "true,");
    const conj = cost("true and then", "true");
    const prep = cost("reads it from the card", "it");
    const mid = cost("the red motor runs", "red");
    const article = cost("the motor runs", "the");
    expect(comma).toBeLessThan(conj);
    expect(conj).toBeLessThan(prep);
    expect(prep).toBeLessThan(mid);
    expect(mid).toBeLessThan(article);
  });
});

describe("caption cues", () => {
  it.each([
    [
      "A relay coil on a 24 volts DC control circuit draws 0.1 amps. Its resistance is 24 divided by 0.1 equals 240 ohms.",
      ["A relay coil on a 24 volts DC / control circuit draws 0.1 amps.", "Its resistance is 24 divided by 0.1 / equals 240 ohms."],
    ],
    [
      "Set the preset to T#5s. When Timer1.ACC reaches Timer1.PRE, the .DN bit turns on.",
      ["Set the preset to T#5s.", "When Timer1.ACC reaches Timer1.PRE, / the .DN bit turns on."],
    ],
    [
      "Use a sensor, e.g. a photo eye, to see the box. Then wire it to %I0.1 on the PLC.",
      ["Use a sensor, e.g. a photo eye, / to see the box.", "Then wire it to %I0.1 on the PLC."],
    ],
    ["The supply is 24.5 V. The load draws 0.5 A at most, i.e. 12.25 W.", ["The supply is 24.5 V.", "The load draws 0.5 A at most, / i.e. 12.25 W."]],
    ["Input I:1/0 turns on. Output O:2/3 follows it one scan later.", ["Input I:1/0 turns on.", "Output O:2/3 follows it one scan later."]],
    ["Never divide by 0. The PLC faults. 1 equals 2. That is false.", ["Never divide by 0. The PLC faults.", "1 equals 2. That is false."]],
    ["Right. Let's begin.", ["Right. Let's begin."]],
    ["OK.", ["OK."]],
    [
      "The timer counts while the rung is true; when the rung goes false, the accumulated value resets to zero and the done bit clears.",
      ["The timer counts while the rung is true; / when the rung goes false,", "the accumulated value resets to zero / and the done bit clears."],
    ],
  ])("%s", (text, expected) => {
    expect(cues(text)).toEqual(expected);
  });

  it("keeps every rule on real lesson text: no cue of one word or punctuation, at most two lines of 42 characters, words in order", () => {
    const s = sampleScript(3);
    const clips = [s.hook, ...s.sections.map((x) => x.narration), s.outro].map((text) => ({ text, durationSec: text.length * 0.065 }));
    const all = buildCues(clips, 42);
    for (const c of all) {
      expect(c.lines.length).toBeLessThanOrEqual(2);
      for (const l of c.lines) expect(l.length, l).toBeLessThanOrEqual(42);
      expect(c.words.filter((w) => /[\p{L}\p{N}]/u.test(w.text)).length, c.text).toBeGreaterThanOrEqual(2);
      expect(c.end - c.start, c.text).toBeGreaterThanOrEqual(0.8);
    }
    expect(all.map((c) => c.lines.join(" ")).join(" ")).toBe(clips.map((c) => c.text).join(" "));
  });

  it("lets a line hold the configured number of characters, and narrower layouts fewer", () => {
    const text = "When the count reaches the preset, the done bit turns on and the motor starts.";
    expect(Math.max(...buildCues([{ text, durationSec: 6 }], 60).flatMap((c) => c.lines.map((l) => l.length)))).toBeGreaterThan(42);
    for (const c of buildCues([{ text, durationSec: 6 }], { maxChars: 28 })) for (const l of c.lines) expect(l.length).toBeLessThanOrEqual(28);
  });
});
