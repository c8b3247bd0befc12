/** The stills timeline and the concat list ffmpeg reads (pure). */
import { describe, expect, it } from "vitest";
import { buildCues } from "../../worker/media/captions.ts";
import { buildStills, concatList, MIN_HIGHLIGHT_SEC, partContents, shortClips } from "../../worker/media/render.ts";
import { sampleScript } from "./sample-script.ts";

const clips = [
  { part: "hook", path: "a.wav", durationSec: 4, text: "Why does the motor wait? Meet the TON timer." },
  { part: "section-0", path: "b.wav", durationSec: 5.5, text: "It counts while the rung is true." },
  { part: "section-1", path: "c.wav", durationSec: 30, text: "A false rung resets it." },
  { part: "section-2", path: "d.wav", durationSec: 30, text: "Use it to delay a conveyor." },
  { part: "outro", path: "e.wav", durationSec: 3, text: "That is the on-delay timer." },
];

describe("stills timeline", () => {
  it("has one still per spoken word of each cue when captions are burned in (that word highlighted), else one per part", () => {
    const cues = buildCues(clips, 42);
    const burned = buildStills(clips, cues, true);
    const words = cues.reduce((n, c) => n + c.words.length, 0);
    const highlighted = burned.filter((s) => (s.highlight ?? -1) >= 0).length;
    expect(highlighted).toBeLessThanOrEqual(words);
    expect(highlighted).toBeGreaterThan(words * 0.6);
    // Contiguous from 0 to the end, each still inside its own part.
    expect(burned[0]!.start).toBe(0);
    burned.slice(1).forEach((s, i) => expect(s.start).toBeCloseTo(burned[i]!.end, 9));
    expect(burned.at(-1)!.end).toBeCloseTo(72.5, 9);
    // A highlighted word is on screen from the moment it is heard; only words shorter than
    // MIN_HIGHLIGHT_SEC may pass without one (they would flicker).
    for (const c of cues)
      for (const [m, w] of c.words.entries()) {
        const st = burned.find((s) => s.caption === c.text && s.highlight === m);
        if (st) expect(Math.abs(st.start - w.start)).toBeLessThan(0.001);
        else expect(w.end - w.start).toBeLessThan(MIN_HIGHLIGHT_SEC + 0.05);
      }
    const plain = buildStills(clips, cues, false);
    expect(plain.map((s) => [s.clip, s.start, s.end, s.caption])).toEqual([
      [0, 0, 4, null],
      [1, 4, 9.5, null],
      [2, 9.5, 39.5, null],
      [3, 39.5, 69.5, null],
      [4, 69.5, 72.5, null],
    ]);
  });

  it("re-sends a long still every maxInterval seconds and ends with a short frame so the video lasts as long as the sound", () => {
    const stills = buildStills(clips.slice(0, 2), [], false);
    const list = concatList(["a.pam", "b.pam"], stills, 2);
    const entries = [...list.matchAll(/file '([^']+)'\n(?:duration ([\d.]+))?/g)].map((m): [string, number | null] => [m[1]!, m[2] ? Number(m[2]) : null]);
    expect(list.startsWith("ffconcat version 1.0\n")).toBe(true);
    expect(entries.filter(([f]) => f === "a.pam").map(([, d]) => d)).toEqual([2, 2]);
    const b = entries.filter(([f]) => f === "b.pam").map(([, d]) => d);
    expect(b.slice(0, 3)).toEqual([1.82, 1.82, 1.82]); // 5.46 s in three frames
    expect(b.slice(3)).toEqual([0.04, null]); // the tail frame, then the demuxer's closing repeat
    const total = entries.reduce((s, [, d]) => s + (d ?? 0), 0);
    expect(total).toBeCloseTo(9.5, 6);
  });

  it("labels slides by part and shows progress at each part's end", () => {
    const parts = partContents(sampleScript(), clips);
    expect(parts.map((p) => p.label)).toEqual(["Lesson", "Part 1 of 3", "Part 2 of 3", "Part 3 of 3", "Recap"]);
    expect(parts[4]!.bullets).toEqual(sampleScript().sections.map((s) => s.heading));
    expect(parts.at(-1)!.progress).toBe(1);
    expect(parts[0]!.progress).toBeCloseTo(4 / 72.5, 9);
  });

  it("fills a Short with the hook and the whole sections that fit, never the outro when a section is cut", () => {
    expect(shortClips(clips, 60).map((c) => c.part)).toEqual(["hook", "section-0", "section-1"]);
    expect(shortClips(clips, 3).map((c) => c.part)).toEqual(["hook"]); // at least the hook
  });
});
