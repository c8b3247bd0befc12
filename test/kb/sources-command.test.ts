/** `factory kb summarize`, `factory kb source` and `factory kb check` on a real temp repository. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { kbCheck, kbSource, kbSummarize } from "../../worker/commands/kb.ts";
import { atomJson, courseJson } from "./helpers.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
let repo: string;
const put = (path: string, text: string) => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const capture = () => {
  const lines: string[] = [];
  return { lines, fn: (s: string) => void lines.push(s) };
};

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "factory-kb-sources-cmd-"));
  put("kb/sources/cd400-manual.md", MANUAL);
  put("kb/atoms/a.json", JSON.stringify(atomJson("a", { sources: [{ title: "manual", path: "kb/sources/cd400-manual.md", section: 2 }] })));
  put("kb/atoms/b.json", JSON.stringify(atomJson("b")));
  put("kb/courses/c.json", JSON.stringify(courseJson("c", ["a"])));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

test("summarize writes the index and reports; source prints a table or one section; check reports without writing", async () => {
  const out = capture();
  expect(await kbSummarize(repo, out.fn, out.fn)).toBe(0);
  expect(out.lines[0]).toBe("Wrote kb/sources/index.json: 1 sources (1 summarized, 0 unchanged), 0 not readable.");
  expect(out.lines[1]).toBe("KB maintenance report (nothing was changed):\n- atoms no course uses: b");

  const table = capture();
  expect(await kbSource(repo, "kb/sources/cd400-manual.md", undefined, table.fn, table.fn)).toBe(0);
  expect(table.lines).toContain("   2. 1 Safety (lines 7-16)");
  const section = capture();
  expect(await kbSource(repo, "./kb/sources/cd400-manual.md", 2, section.fn, section.fn)).toBe(0);
  expect(section.lines).toEqual([MANUAL.split("\n").slice(6, 16).join("\n")]);
  const bad = capture();
  expect(await kbSource(repo, "kb/sources/nope.md", 1, bad.fn, bad.fn)).toBe(1);
  expect(bad.lines[0]).toMatch(/kb\/sources\/nope\.md is not in kb\/sources\/index\.json/);

  const check = capture();
  expect(await kbCheck(repo, check.fn)).toBe(1);
  expect(check.lines).toEqual(["KB maintenance report (nothing was changed):\n- atoms no course uses: b"]);
});

test("a source that cannot be read makes summarize exit 1, naming it, while the rest is summarized", async () => {
  put("kb/sources/empty.txt", "");
  const out = capture();
  expect(await kbSummarize(repo, out.fn, out.fn)).toBe(1);
  expect(out.lines[0]).toBe("Wrote kb/sources/index.json: 1 sources (1 summarized, 0 unchanged), 1 not readable.");
  expect(out.lines[1]).toContain("- source not summarized: kb/sources/empty.txt is empty: nothing to summarize");
});
