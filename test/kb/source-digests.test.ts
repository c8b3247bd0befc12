/**
 * Digests of cited source text, and staleness judged against what a lesson was made from:
 * per cited section, so only a change to the text a lesson used makes it stale.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SourcesIndex } from "../../shared/sources.ts";
import { atomSourceDigests, citationDigests, loadKbSources } from "../../worker/kb/sources-digest.ts";
import { openSourceSection } from "../../worker/kb/sources-open.ts";
import { formatMaintenanceReport, maintenanceReport } from "../../worker/kb/sources-report.ts";
import { summarizeSources } from "../../worker/kb/sources.ts";
import type { StepOutput } from "../../worker/pipeline/types.ts";
import { lessonsSeen } from "../../worker/steps/kb-maintenance-stage.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
const PATH = "kb/sources/cd400-manual.md";
const sha256 = (t: string) => createHash("sha256").update(t).digest("hex");
let repo: string;
let index: SourcesIndex;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "source-digests-"));
  mkdirSync(join(repo, "kb/sources"), { recursive: true });
  writeFileSync(join(repo, PATH), MANUAL);
  index = (await summarizeSources(repo)).index;
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe("citation digests", () => {
  test("a cited section is digested by its text, a whole-file citation by the file, a broken one is null", async () => {
    const digests = await citationDigests(repo, index, [
      { sources: [{ title: "m", path: PATH, section: 3 }, { title: "m", path: PATH }] },
      { sources: [{ title: "m", path: PATH, section: 999 }, { title: "gone", path: "kb/sources/gone.md", section: 1 }, { title: "book" }] },
    ]);
    expect(digests).toEqual({
      [`${PATH}#3`]: sha256((await openSourceSection(repo, PATH, 3, index)).text),
      [PATH]: index.sources[0]!.sha256,
      [`${PATH}#999`]: null,
      "kb/sources/gone.md#1": null,
    });
  });

  test("a KB whose atoms cite nothing under kb/sources/ loads no sources at all", async () => {
    expect(await loadKbSources(repo, [{ sources: [{ title: "IEC 61131-3" }] }])).toBeUndefined();
    const loaded = await loadKbSources(repo, [{ sources: [{ title: "m", path: PATH, section: 2 }, { title: "m", path: PATH, section: 2 }] }]);
    expect(atomSourceDigests(loaded, { sources: [{ title: "m", path: PATH, section: 2 }, { title: "m", path: PATH, section: 2 }, { title: "book" }] })).toEqual([
      { path: PATH, section: 2, sha256: loaded!.digests[`${PATH}#2`] },
    ]);
  });
});

describe("stale lessons, per cited section", () => {
  const small: SourcesIndex = {
    generatedBy: "t",
    summarizer: 1,
    problems: [],
    sources: [{ path: PATH, kind: "markdown", sha256: "f".repeat(64), bytes: 1, length: 9, unit: "lines", abstract: "", sections: [1, 2, 3].map((n) => ({ n, title: `S${n}`, unit: "lines" as const, start: n * 3 - 2, end: n * 3 })) }],
  };
  const cites = (...ns: number[]) => ns.map((section) => ({ title: "m", path: PATH, section }));
  const report = (seen: Record<string, Record<string, string | null>>) =>
    maintenanceReport({
      atoms: [
        { id: "a", prerequisites: [], sources: cites(1) },
        { id: "b", prerequisites: [], sources: cites(2, 3) },
        { id: "c", prerequisites: [], sources: cites(3) },
        { id: "d", prerequisites: [], sources: cites(1) },
      ],
      courses: [{ id: "k", modules: [{ id: "m", title: "M", atoms: ["a", "b", "c", "d"] }] }],
      index: small,
      seenByLesson: new Map(Object.entries(seen)),
      citationDigests: { [`${PATH}#1`]: "1".repeat(64), [`${PATH}#2`]: "2".repeat(64), [`${PATH}#3`]: "3".repeat(64) },
    });

  test("only a lesson whose cited section's text changed is stale, and the report names the section", () => {
    const r = report({
      a: { [`${PATH}#1`]: "1".repeat(64) },
      b: { [`${PATH}#2`]: "2".repeat(64), [`${PATH}#3`]: "0".repeat(64) },
      // c's lesson cited section 2; the atom now cites 3: the atom changed, not the source.
      c: { [`${PATH}#2`]: "2".repeat(64) },
    });
    expect(r.staleAtoms).toEqual([{ atomId: "b", paths: [PATH], since: "lesson", sections: [{ path: PATH, section: 3 }] }]);
    expect(formatMaintenanceReport(r)).toContain(`- b: ${PATH} (section 3) changed since its lesson was made; it is being made again`);
  });

  test("the lessons' records are read from the script steps' outputs (provenance.sources)", () => {
    const script = (sources?: unknown) => ({ data: { provenance: { sourceHash: "h", writer: "offline", model: null, promptVersion: "v", ...(sources ? { sources } : {}) } } });
    const seen = lessonsSeen(
      new Map<string, StepOutput>([
        ["script:a", script([{ path: PATH, section: 1, sha256: "9".repeat(64) }, { path: PATH, sha256: null }])],
        ["script:plain", script()],
        ["narrate:a", script([{ path: PATH, section: 1, sha256: "x" }])],
        ["script:broken", { data: "not a script" }],
      ]),
    );
    expect([...seen]).toEqual([["a", { [`${PATH}#1`]: "9".repeat(64), [PATH]: null }]]);
    expect(report(Object.fromEntries(seen)).staleAtoms).toEqual([{ atomId: "a", paths: [PATH], since: "lesson", sections: [{ path: PATH, section: 1 }] }]);
  });
});
