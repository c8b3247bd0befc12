import { describe, expect, it } from "vitest";
import { VideoScript } from "../../shared/models.ts";
import { bulletPoints, clip, parseBody, writeOffline } from "../../worker/agents/offline.ts";
import { spokenForm } from "../../worker/media/spoken.ts";
import { PROMPT_VERSION } from "../../worker/agents/prompt.ts";
import { inputFor, starterKb } from "./helpers.ts";

describe("the offline writer", () => {
  it("turns each ## section into a script section: paragraphs narrate, list items become bullets, > Visual: the hint", () => {
    const sections = parseBody(
      "Intro line.\n\n## First part\nSome **bold** text with `code`.\nSame paragraph.\n- one\n- two [link](https://example.com)\n> Visual: a diagram\n\n## Second\n1. only a list",
      "Fallback",
    );
    expect(sections).toEqual([
      { heading: "Introduction", paragraphs: ["Intro line."], bullets: [] },
      { heading: "First part", paragraphs: ["Some bold text with code. Same paragraph."], bullets: ["one", "two link"], visual: "a diagram" },
      { heading: "Second", paragraphs: [], bullets: ["only a list"] },
    ]);
    expect(parseBody("Just text, no headings.", "The Title")[0]?.heading).toBe("The Title");
  });

  it("writes a valid, offline-marked script for every starter atom, with a safety section when the atom has notes", async () => {
    const kb = await starterKb();
    for (const atom of kb.atoms) {
      const script = writeOffline(inputFor(kb, atom.id), `hash-${atom.id}`);
      expect(() => VideoScript.parse(script)).not.toThrow();
      expect(script.provenance).toEqual({ sourceHash: `hash-${atom.id}`, writer: "offline", model: null, promptVersion: PROMPT_VERSION });
      const headings = [...atom.body.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
      expect(script.sections.map((s) => s.heading)).toEqual(atom.safetyNotes.length ? [...headings, "Safety"] : headings);
      expect(script.hook).toBe(atom.summary);
      expect(script.youtube.description).toContain(atom.sources[0]!.title);
      expect(script.estimatedDurationSec).toBeGreaterThan(30);
    }
  });

  it("is deterministic: the same input gives byte-identical output", async () => {
    const kb = await starterKb();
    const a = JSON.stringify(writeOffline(inputFor(kb, "pid-basics"), "h"));
    const b = JSON.stringify(writeOffline(inputFor(kb, "pid-basics"), "h"));
    expect(a).toBe(b);
  });

  it("names the next lesson of the course in the outro and the prerequisites in the description", async () => {
    const kb = await starterKb();
    const script = writeOffline(inputFor(kb, "ton-timer"), "h");
    expect(script.outro).toContain("Next lesson: The Off-Delay Timer (TOF).");
    expect(script.youtube.description).toContain("Watch first:\n- Ladder Logic: Contacts and Coils");
  });

  it("keeps units and symbols written in the narration (captions show them) and the voice says them as words", async () => {
    const kb = await starterKb();
    const example = writeOffline(inputFor(kb, "ohms-law"), "h").sections.find((s) => s.heading === "A worked example")!;
    expect(example.narration).toContain("draws 0.1 A.");
    expect(example.bullets).toContain("24 V / 0.1 A = 240 ohms");
    expect(spokenForm("A coil on 24 V DC draws 0.1 A: 24 / 0.1 = 240 ohms, P = I^2 x R, 4-20 mA, 250 ms, 50%").text).toBe(
      "A coil on twenty-four volts DC draws zero point one amps: twenty-four divided by zero point one equals two hundred forty ohms, P equals I squared times R, four to twenty milliamps, two hundred fifty milliseconds, fifty percent",
    );
    expect(spokenForm("Ten coils need 1 A from the supply.").text).toBe("Ten coils need one amp from the supply.");
  });

  it("makes a long safety note two bullets at its colon rather than cutting it with an ellipsis", async () => {
    const note = "Output modules can be energized by a different supply than the PLC itself: switch off and verify every source before touching field wiring.";
    expect(bulletPoints(note, 120)).toEqual(["Output modules can be energized by a different supply than the PLC itself", "Switch off and verify every source before touching field wiring"]);
    expect(bulletPoints("Fits as it is.", 120)).toEqual(["Fits as it is."]);
    const kb = await starterKb();
    for (const atom of kb.atoms) for (const sec of writeOffline(inputFor(kb, atom.id), "h").sections) for (const b of sec.bullets) expect(b).not.toMatch(/…$/);
  });

  it("clips long bullets at a word boundary", () => {
    expect(clip("short", 10)).toBe("short");
    expect(clip("one two three four five six", 15)).toBe("one two three…");
  });
});
