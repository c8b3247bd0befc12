import { describe, expect, it } from "vitest";
import { PLCAtom } from "../../shared/models.ts";
import { deriveVisual, parseBody, writeOffline } from "../../worker/agents/offline.ts";
import { inputFor, starterKb } from "./helpers.ts";

describe("the offline writer's diagrams", () => {
  it("draws the formulas of a section's bullets, never the prose after the colon", () => {
    const [raw] = parseBody("## Power\nText.\n- P = V x I\n- P = I^2 x R and P = V^2 / R\n- Size the supply by adding currents", "T");
    expect(deriveVisual(raw!, {})).toEqual({ kind: "formula", lines: ["P = V x I", "P = I^2 x R", "P = V^2 / R"], legend: [] });
  });

  it("turns a Markdown table in a section into a table visual", () => {
    const [raw] = parseBody("## Truth table\nText.\n| S | R | Q |\n|---|---|---|\n| 1 | 0 | 1 |\n| 0 | 1 | 0 |", "T");
    expect(deriveVisual(raw!, {})).toEqual({ kind: "table", header: ["S", "R", "Q"], rows: [["1", "0", "1"], ["0", "1", "0"]] });
  });

  it("uses the atom's own visual for the section it names, before anything derived", () => {
    const [raw] = parseBody("## The seal-in\nText.\n- M = Start", "T");
    const ladder = { kind: "ladder" as const, rungs: [{ groups: [[[{ type: "no" as const, tag: "Start" }]], [[{ type: "coil" as const, tag: "M" }]]] }], steps: [] };
    expect(deriveVisual(raw!, { visuals: [{ section: "the seal-in", visual: ladder }] })).toEqual(ladder);
  });

  it("gives the Ohm's law lesson real formulas and leaves sections without one bare", async () => {
    const kb = await starterKb();
    const script = writeOffline(inputFor(kb, "ohms-law"), "h");
    const kinds = script.sections.map((s) => s.visual?.kind ?? null);
    expect(kinds[0]).toBe("formula");
    expect(kinds).toContain(null);
  });

  it("refuses an atom visual that does not fit a slide, naming the path", () => {
    const r = PLCAtom.safeParse({
      id: "x-y", title: "Title", kind: "concept", level: "beginner", summary: "A summary of ten chars.", body: "## A\nlong enough body",
      sources: [{ title: "S" }], version: 1,
      visuals: [{ section: "A", visual: { kind: "table", header: ["a"], rows: Array.from({ length: 9 }, () => ["1"]) } }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join(".")).toBe("visuals.0.visual.rows");
  });
});
