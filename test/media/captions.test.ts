/** Caption cues from measured narration durations, and their SRT/WebVTT forms. */
import { describe, expect, it } from "vitest";
import { buildCues, parseCueTimes, toSrt, toVtt } from "../../worker/media/captions.ts";

describe("captions", () => {
  it("cuts at sentence ends first, then at clauses, within the line limit, keeping every word in order", () => {
    const text = "Short one here. This sentence is rather long, and it has to be cut somewhere sensible for reading.";
    const cues = buildCues([{ text, durationSec: 8 }], 40);
    expect(cues[0]!.text).toBe("Short one here.");
    for (const c of cues) for (const l of c.lines) expect(l.length).toBeLessThanOrEqual(40);
    expect(cues.map((c) => c.lines.join(" ")).join(" ")).toBe(text);
  });

  it("keeps 'such as' together", () => {
    const cues = buildCues([{ text: "A digital output does the opposite: a 1 in the program switches a load such as a contactor coil, a solenoid valve or a lamp.", durationSec: 8 }], { maxChars: 42, maxLines: 2 });
    for (const line of cues.flatMap((c) => c.lines)) expect(line).not.toMatch(/\bsuch$/);
  });

  it("never ends a line on a particle before a preposition ('coils on | at once')", () => {
    const cues = buildCues([{ text: "Ten such coils on at once need 1 A from the supply.", durationSec: 4 }], { maxChars: 42, maxLines: 2 });
    expect(cues.flatMap((c) => c.lines)).toEqual(["Ten such coils on at once need 1 A", "from the supply."]);
  });

  it("shares each clip's measured duration among its cues when the clip has no word times, and starts every clip on time", () => {
    const cues = buildCues(
      [
        { text: "The first part is spoken here. It has two sentences, the second longer.", durationSec: 3.2 },
        { text: "Second part ends it.", durationSec: 1.7 },
      ],
      70,
    );
    expect(cues.map((c) => c.clip)).toEqual([0, 0, 1]);
    expect(cues[0]!.start).toBe(0);
    expect(cues[1]!.end).toBeCloseTo(3.2, 9);
    expect(cues[2]!.start).toBeCloseTo(3.2, 9);
    expect(cues[2]!.end).toBeCloseTo(4.9, 9);
    expect(cues[1]!.end - cues[1]!.start).toBeGreaterThan(cues[0]!.end - cues[0]!.start); // longer text, longer cue
  });

  it("writes SRT with commas and WebVTT with a header and dots, both parsing back to the same times", () => {
    const cues = buildCues([{ text: "One two three. Four --> five six seven eight.", durationSec: 3661.5 }], 20);
    const srt = toSrt(cues);
    const vtt = toVtt(cues);
    expect(srt).toMatch(/^1\n00:00:00,000 --> \d\d:\d\d:\d\d,\d{3}\nOne two three\.\n/);
    expect(srt).toContain("--> 01:01:01,500\n");
    expect(vtt).toMatch(/^WEBVTT\n\n00:00:00\.000 --> /);
    expect(vtt).not.toContain("Four -->");
    expect(parseCueTimes(vtt).map((c) => [c.start, c.end])).toEqual(parseCueTimes(srt).map((c) => [c.start, c.end]));
  });
});

describe("cues a viewer can follow in time", () => {
  it("splits a short written sentence that takes long to say, so no cue stays up for 11 s", () => {
    // "24 / 0.1 = 240 ohms" is short on screen but long spoken: each written word takes 0.9 s here.
    const text = "Its resistance is 24 / 0.1 = 240 ohms, and it uses 24 x 0.1 = 2.4 W.";
    const n = text.split(" ").length;
    const words = Array.from({ length: n }, (_, i) => [i * 0.9, i * 0.9 + 0.8] as [number, number]);
    const cues = buildCues([{ text, durationSec: n * 0.9, words }], { maxChars: 42, maxLines: 2 });
    expect(cues.length).toBeGreaterThan(1);
    for (const c of cues) expect(c.end - c.start).toBeLessThan(9);
  });
});
