/**
 * The sources part of a writer's prompt: the index first, then only the section the atom cites,
 * never the whole source (the manual is the vendor-style fixture, summarized for real).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { SourcesIndex } from "../../shared/sources.ts";
import { openSourceSection } from "../../worker/kb/sources-open.ts";
import { buildSourcesPrompt } from "../../worker/kb/sources-prompt.ts";
import { summarizeSources, writeSourcesIndex } from "../../worker/kb/sources.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
const PATH = "kb/sources/cd400-manual.md";
let repo: string;
let index: SourcesIndex;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), "factory-sources-prompt-"));
  mkdirSync(join(repo, "kb/sources"), { recursive: true });
  writeFileSync(join(repo, PATH), MANUAL);
  index = (await summarizeSources(repo)).index;
  await writeSourcesIndex(repo, index);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const sectionNamed = (title: string) => index.sources[0]!.sections.find((s) => s.title === title)!;

test("a prompt for an atom citing one section holds the index, then that section, and never the whole source", async () => {
  const faults = sectionNamed("6 Faults and warnings");
  const atom = { id: "cd400-fault-codes", sources: [{ title: "CD-400 manual, chapter 6", path: PATH, section: faults.n }] };
  const prompt = await buildSourcesPrompt(repo, index, atom);
  const section = (await openSourceSection(repo, PATH, faults.n)).text;
  expect(prompt.text).toContain(section);
  expect(prompt.text.indexOf("Sources index")).toBeLessThan(prompt.text.indexOf(section));
  // The index lists the section table, so the agent knows what else it could open.
  expect(prompt.text).toContain(`${sectionNamed("3.2 Safe torque off").n}. 3.2 Safe torque off (lines`);
  // Text of other sections is not there, and the prompt is far smaller than the manual.
  expect(prompt.text).not.toContain("Mount the drive vertically on a flat, non-combustible surface.");
  expect(prompt.text).not.toContain("Reform the DC bus capacitors");
  expect(prompt.text.length).toBeLessThan(MANUAL.length / 2);
  expect(prompt.opened).toEqual([{ path: PATH, section: faults.n, sha256: index.sources[0]!.sha256 }]);
});

test("a citation without a section gets the table only, and a bad section is said, not thrown", async () => {
  const atom = { id: "x", sources: [{ title: "manual", path: PATH }, { title: "manual", path: PATH, section: 999 }] };
  const prompt = await buildSourcesPrompt(repo, index, atom);
  expect(prompt.opened).toEqual([]);
  expect(prompt.problems).toEqual([`${PATH} has no section 999: its sections are numbered 1-${index.sources[0]!.sections.length}`]);
  expect(prompt.text).not.toContain("Only qualified electricians");
});

test("an atom citing no kb/sources file adds nothing to the prompt", async () => {
  const prompt = await buildSourcesPrompt(repo, index, { id: "x", sources: [{ title: "IEC 61131-3", url: "https://webstore.iec.ch/" }] });
  expect(prompt).toEqual({ text: "", opened: [], problems: [] });
});
