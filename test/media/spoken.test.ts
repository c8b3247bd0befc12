/** The spoken form the voice reads, mapped word to word to the written text the captions show (pure). */
import { describe, expect, it } from "vitest";
import { tokenize } from "../../worker/media/segment.ts";
import { numberWords, spokenForm } from "../../worker/media/spoken.ts";

describe("spoken form", () => {
  it.each([
    ["Set T#5s now.", "Set T five seconds now."],
    ["A 24.5 V supply.", "A twenty-four point five volt supply."],
    ["Read Timer1.ACC first.", "Read Timer 1 dot A C C first."],
    ["Compare .PRE and .DN bits.", "Compare dot P R E and dot D N bits."],
    ["Heat is I^2 x R.", "Heat is I squared times R."],
    ["It draws 0.1 amps.", "It draws zero point one amps."],
    ["A 4-20mA loop at 10% load.", "A four to twenty milliamp loop at ten percent load."],
    ["For a Type 1 24 V DC input, 15 V to 30 V is ON.", "For a Type one twenty-four volt DC input, fifteen volts to thirty volts is ON."],
    ["Ten coils need 1 A from a 24 V supply.", "Ten coils need one amp from a twenty-four volt supply."],
    ["It needs exactly 24 V.", "It needs exactly twenty-four volts."],
    ["A loose terminal (extra resistance) drops voltage.", "A loose terminal, extra resistance, drops voltage."],
    ["Voltage (volts, V) is the push.", "Voltage, volts, V, is the push."],
    ["Wire %I0.1 and I:1/0 here.", "Wire percent I 0 dot 1 and I colon 1 slash 0 here."],
    ["Use T#1m30s, e.g. for a fan.", "Use T one minute thirty seconds, for example for a fan."],
    ["Per IEC 61131-3 it is 1 V.", "Per IEC 6 1 1 3 1 dash 3 it is one volt."],
    ["Draws 1 A (at most).", "Draws one amp, at most."],
  ])("%s", (written, said) => {
    expect(spokenForm(written).text).toBe(said);
  });

  it("maps every spoken word to the written token it reads, in order, covering every token that has letters or digits", () => {
    const written = "At 24.5 V, Timer1.ACC counts to T#5s — then .DN is set.";
    const s = spokenForm(written);
    const tokens = tokenize(written).map((t) => t.text);
    expect(s.writtenCount).toBe(tokens.length);
    expect(s.toWritten).toHaveLength(s.words.length);
    for (let i = 1; i < s.toWritten.length; i++) expect(s.toWritten[i]!).toBeGreaterThanOrEqual(s.toWritten[i - 1]!);
    const read = (i: number) => s.words.filter((_, k) => s.toWritten[k] === i).join(" ");
    expect(read(tokens.indexOf("24.5"))).toBe("twenty-four point five");
    expect(read(tokens.indexOf("V,"))).toBe("volts,");
    expect(read(tokens.indexOf("Timer1.ACC"))).toBe("Timer 1 dot A C C");
    expect(read(tokens.indexOf("T#5s"))).toBe("T five seconds,"); // the dash after it becomes a pause
    expect(read(tokens.indexOf("—"))).toBe(""); // a dash is not read
    tokens.forEach((t, i) => {
      if (/[\p{L}\p{N}]/u.test(t)) expect(read(i), t).not.toBe("");
    });
  });

  it("reads numbers as a teacher says them and leaves long ones to the voice", () => {
    expect(numberWords("0.05")).toBe("zero point zero five");
    expect(numberWords("240")).toBe("two hundred forty");
    expect(numberWords("1,500")).toBe("one thousand five hundred");
    expect(numberWords("2024000")).toBe("2024000");
  });

  it("leaves plain prose alone", () => {
    const text = "The done bit turns on when the count reaches the preset.";
    expect(spokenForm(text).text).toBe(text);
    expect(spokenForm(text).toWritten).toEqual(text.split(" ").map((_, i) => i));
  });
});
