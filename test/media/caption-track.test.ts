/**
 * The caption band stream and eSpeak's break splitting (pure), and the neutral, per-lesson look:
 * no product name or logo unless configured, thumbnails that differ between lessons.
 */
import { describe, expect, it } from "vitest";
import { mergeTimelines, stackGraph, trackRows } from "../../worker/media/caption-track.ts";
import { loadFonts } from "../../worker/media/fonts.ts";
import { VideoSettings } from "../../worker/media/settings.ts";
import { baseSvg, LANDSCAPE, logoHref, PORTRAIT, thumbnailSvg } from "../../worker/media/slides.ts";
import { silentRuns, splitAtBreaks } from "../../worker/media/tts/espeak.ts";
import type { Pcm } from "../../worker/media/wav.ts";

describe("caption track", () => {
  it("changes wherever the slide or the caption changes, naming both", () => {
    const slides = [
      { start: 0, end: 4 },
      { start: 4, end: 10 },
    ];
    const captions = [
      { start: 0, end: 1 },
      { start: 1, end: 4 },
      { start: 4, end: 7 },
      { start: 7, end: 10 },
    ];
    expect(mergeTimelines(slides, captions).map((s) => [s.start, s.end, s.slide, s.caption])).toEqual([
      [0, 1, 0, 0],
      [1, 4, 0, 1],
      [4, 7, 1, 2],
      [7, 10, 1, 3],
    ]);
    const offset = mergeTimelines(slides, [{ start: 0, end: 6 }, { start: 6, end: 10 }]);
    expect(offset.map((s) => [s.start, s.end, s.slide, s.caption])).toEqual([
      [0, 4, 0, 0],
      [4, 6, 1, 0],
      [6, 10, 1, 1],
    ]);
  });

  it("replaces even rows holding the whole caption band, and stacks the slide around them", () => {
    for (const L of [LANDSCAPE, PORTRAIT]) {
      const r = trackRows(L);
      expect(r.top % 2).toBe(0);
      expect(r.height % 2).toBe(0);
      expect(r.top + r.height).toBeLessThanOrEqual(L.height);
      const g = stackGraph(L);
      expect(g).toContain(`crop=${L.width}:${r.top}:0:0`);
      expect(g).toContain(`crop=${L.width}:${L.height - r.top - r.height}:0:${r.top + r.height}`);
      expect(g).toMatch(/vstack=inputs=3\[v\]$/);
    }
  });
});

describe("eSpeak break splitting", () => {
  const rate = 1000;
  /** Tone for `on` seconds, silence for `off`, repeated. */
  const speech = (pattern: [number, number][]): Pcm => {
    const out: number[] = [];
    for (const [on, off] of pattern) {
      for (let i = 0; i < on * rate; i++) out.push(i % 2 ? 8000 : -8000);
      for (let i = 0; i < off * rate; i++) out.push(0);
    }
    return { sampleRate: rate, channels: 1, samples: Int16Array.from(out) };
  };

  it("finds the long breaks, shortens each to its pause, and measures each phrase where it is heard", () => {
    const pcm = speech([
      [1.0, 0.9],
      [0.5, 0.1],
      [0.7, 0.9],
      [0.4, 0],
    ]);
    expect(silentRuns(pcm, 0.65)).toHaveLength(2); // the 0.1 s pause inside phrase 2 is not a break
    const split = splitAtBreaks(pcm, [0.2, 0.4])!;
    expect(split).not.toBeNull();
    expect(split.pcm.samples.length / rate).toBeCloseTo(1.0 + 0.2 + 0.5 + 0.1 + 0.7 + 0.4 + 0.4, 1);
    const [a, b, c] = split.spans;
    expect(a![0]).toBeCloseTo(0, 2);
    expect(a![1]).toBeCloseTo(1.0, 1);
    expect(b![0]).toBeCloseTo(1.2, 1);
    expect(b![1]).toBeCloseTo(2.5, 1);
    expect(c![0]).toBeCloseTo(2.9, 1);
  });

  it("gives up (so phrases are spoken one by one) when the breaks found do not match", () => {
    expect(splitAtBreaks(speech([[1, 0.9], [1, 0]]), [0.2, 0.2])).toBeNull();
  });
});

describe("brand", () => {
  const fonts = loadFonts({});
  const slide = { kind: "title" as const, label: "Lesson", heading: "TON timers", bullets: [], progress: 0.2 };

  it("is neutral by default: no product name, no logo, no tagline", () => {
    const style = VideoSettings.parse({}).style;
    expect(style.brand).toBe("");
    expect(logoHref(style)).toBe("");
    const svg = baseSvg(slide, LANDSCAPE, style, fonts, logoHref(style), true);
    expect(svg).not.toMatch(/agent factory/i);
    expect(svg).not.toContain("<image");
    expect(thumbnailSvg("TON timers", style, fonts, "")).not.toMatch(/agent factory|<image/i);
  });

  it("shows the configured channel name and intro line", () => {
    const style = VideoSettings.parse({ style: { brand: "PLC Basics", tagline: "New lessons every Tuesday" } }).style;
    const svg = baseSvg(slide, LANDSCAPE, style, fonts, "", true);
    expect(svg).toContain("PLC BASICS");
    expect(svg).toContain("New lessons every Tuesday");
    expect(baseSvg({ ...slide, kind: "section" }, LANDSCAPE, style, fonts, "", true)).not.toContain("New lessons every Tuesday");
    expect(thumbnailSvg("TON timers", style, fonts, "")).toContain("PLC BASICS");
  });

  it("makes each lesson's thumbnail its own: its outline and its own pattern", () => {
    const style = VideoSettings.parse({}).style;
    const a = thumbnailSvg("TON timers", style, fonts, "", { sections: ["What a TON does", "Resets"], seed: "ton-timer" });
    const b = thumbnailSvg("TOF timers", style, fonts, "", { sections: ["What a TOF does", "Resets"], seed: "tof-timer" });
    expect(a).toContain("What a TON does");
    expect(b).toContain("What a TOF does");
    const rings = (svg: string) => svg.match(/<circle cx="\d+" cy="\d+" r="\d+" fill="none"[^>]*>/g);
    expect(rings(a)).toHaveLength(3);
    expect(rings(a)).not.toEqual(rings(b));
    expect(thumbnailSvg("TON timers", style, fonts, "", { seed: "ton-timer" })).toEqual(thumbnailSvg("TON timers", style, fonts, "", { seed: "ton-timer" }));
  });
});

describe("caption settings", () => {
  it("defaults to lines of 42 characters and still loads a config written for whole cues of 70", () => {
    expect(VideoSettings.parse({}).captionMaxChars).toBe(42);
    expect(VideoSettings.parse({ captionMaxChars: 70 }).captionMaxChars).toBe(70);
  });
});
