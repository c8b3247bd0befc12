/** The KB maintenance report: what needs a person's eye, found without changing anything. */
import { describe, expect, test } from "vitest";
import type { SourcesIndex } from "../../shared/sources.ts";
import { formatMaintenanceReport, maintenanceReport, prerequisiteCycles, reportIsClean } from "../../worker/kb/sources-report.ts";

const sha = (c: string) => c.repeat(64);
const index: SourcesIndex = {
  generatedBy: "test",
  summarizer: 1,
  sources: [
    { path: "kb/sources/manual.md", kind: "markdown", sha256: sha("a"), bytes: 10, length: 10, unit: "lines", abstract: "", sections: [{ n: 1, title: "Intro", unit: "lines", start: 1, end: 10 }] },
    { path: "kb/sources/old.log", kind: "log", sha256: sha("b"), bytes: 10, length: 10, unit: "lines", abstract: "", sections: [] },
  ],
  problems: [{ path: "kb/sources/bad.pdf", message: "kb/sources/bad.pdf is not a readable PDF (Invalid PDF structure)" }],
};
const atom = (id: string, prerequisites: string[] = [], sources: { title: string; path?: string; section?: number }[] = [{ title: "book" }]) => ({ id, prerequisites, sources });
const course = (...atoms: string[]) => ({ id: "c", modules: [{ id: "m", title: "M", atoms }] });

describe("maintenanceReport", () => {
  test("finds unused atoms, cycles, uncited sources, broken citations and source problems", () => {
    const r = maintenanceReport({
      atoms: [
        atom("a", ["c"]),
        atom("b", ["a"]),
        atom("c", ["b"]),
        atom("lonely", [], [{ title: "manual", path: "kb/sources/manual.md", section: 4 }, { title: "gone", path: "kb/sources/gone.md" }]),
      ],
      courses: [course("a", "b", "c")],
      index,
    });
    expect(r.unusedAtoms).toEqual(["lonely"]);
    expect(r.cycles).toEqual([["a", "c", "b", "a"]]);
    expect(r.uncitedSources).toEqual(["kb/sources/old.log"]);
    expect(r.brokenCitations).toEqual([
      { atomId: "lonely", path: "kb/sources/manual.md", message: "has no section 4 (it has 1)" },
      { atomId: "lonely", path: "kb/sources/gone.md", message: "is not in kb/sources/index.json (missing, unreadable, or not summarized yet)" },
    ]);
    expect(r.sourceProblems).toEqual(index.problems);
    const text = formatMaintenanceReport(r);
    expect(text).toContain("- prerequisite cycles: a -> c -> b -> a");
    expect(text).toContain("- source not summarized: kb/sources/bad.pdf is not a readable PDF");
  });

  test("an atom is stale when a cited source differs from what its lesson saw, else when it changed since the last index", () => {
    const cites = [{ title: "manual", path: "kb/sources/manual.md", section: 1 }];
    const r = maintenanceReport({
      atoms: [atom("seen-same", [], cites), atom("seen-other", [], cites), atom("never-made", [], cites)],
      courses: [course("seen-same", "seen-other", "never-made")],
      index,
      changedSinceIndex: ["kb/sources/manual.md"],
      seenByLesson: new Map([
        ["seen-same", { "kb/sources/manual.md": sha("a") }],
        ["seen-other", { "kb/sources/manual.md": sha("0") }],
      ]),
    });
    expect(r.staleAtoms).toEqual([
      { atomId: "never-made", paths: ["kb/sources/manual.md"], since: "index" },
      { atomId: "seen-other", paths: ["kb/sources/manual.md"], since: "lesson" },
    ]);
  });

  test("a healthy KB reports nothing", () => {
    const r = maintenanceReport({ atoms: [atom("a"), atom("b", ["a"], [{ title: "m", path: "kb/sources/manual.md", section: 1 }, { title: "l", path: "kb/sources/old.log" }])], courses: [course("a", "b")], index: { ...index, problems: [] } });
    expect(reportIsClean(r)).toBe(true);
    expect(formatMaintenanceReport(r)).toBe("KB maintenance: nothing to report.");
  });

  test("self-loops and two separate cycles are each reported once", () => {
    expect(prerequisiteCycles([atom("x", ["x"]), atom("p", ["q"]), atom("q", ["p"]), atom("r", ["p"])])).toEqual([
      ["p", "q", "p"],
      ["x", "x"],
    ]);
  });
});
