/**
 * Reversible summaries of kb/sources/: real documents in, a section table whose ranges open back
 * to exactly the right text. The long document is SQLite's public-domain C header (the copy
 * installed with better-sqlite3), the Markdown one a vendor-style manual written for these tests,
 * the PDFs real files written by test/fixtures/sources/make-pdf.ts and parsed by PDF.js.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { SourcesIndex } from "../../shared/sources.ts";
import { openSourceSection } from "../../worker/kb/sources-open.ts";
import { CHUNK_LINES, MAX_SECTION_LINES, scanText } from "../../worker/kb/sources-scan.ts";
import { SourceError, readSourcesIndex, summarizeSources, writeSourcesIndex } from "../../worker/kb/sources.ts";
import { makePdf } from "../fixtures/sources/make-pdf.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
const SQLITE_H = readFileSync(join(dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json")), "deps/sqlite3/sqlite3.h"), "utf8");

const linesOf = (text: string) => {
  const l = text.split(/\r?\n/);
  if (l[l.length - 1] === "") l.pop();
  return l;
};

let repo: string;
function put(path: string, data: string | Buffer): void {
  const abs = join(repo, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, data);
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), "factory-sources-"));
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

async function summarizeAndWrite() {
  const outcome = await summarizeSources(repo);
  await writeSourcesIndex(repo, outcome.index);
  return outcome;
}

describe("a long public-domain text (SQLite's sqlite3.h)", () => {
  test("is cut into bounded chunks whose ranges open back to exactly the file's lines", async () => {
    put("kb/sources/sqlite3-h.txt", SQLITE_H);
    const { index } = await summarizeAndWrite();
    const lines = linesOf(SQLITE_H);
    const source = index.sources[0]!;
    expect(source).toMatchObject({ path: "kb/sources/sqlite3-h.txt", kind: "text", unit: "lines", length: lines.length });
    expect(source.abstract).toContain("The author disclaims copyright to this source code.");
    expect(source.abstract.length).toBeLessThanOrEqual(400);
    expect(source.sections.length).toBeGreaterThan(10);
    expect(source.sections.every((s) => s.end - s.start + 1 <= MAX_SECTION_LINES)).toBe(true);
    // Sections tile the document: each starts where the previous ended.
    source.sections.forEach((s, i) => expect(s.start).toBe(i === 0 ? 1 : source.sections[i - 1]!.end + 1));
    expect(source.sections.at(-1)!.end).toBe(lines.length);
    for (const n of [1, 7, source.sections.length]) {
      const s = source.sections[n - 1]!;
      const opened = await openSourceSection(repo, source.path, n);
      expect(opened.text).toBe(lines.slice(s.start - 1, s.end).join("\n"));
    }
  });
});

describe("a Markdown vendor manual", () => {
  test("gets its sections from its headings, not from code blocks or deep headings", async () => {
    put("kb/sources/cd400-manual.md", MANUAL);
    const { index } = await summarizeAndWrite();
    const source = index.sources[0]!;
    expect(source.abstract.startsWith("This manual describes the installation, commissioning, operation and service of the CD-400 conveyor drive.")).toBe(true);
    const titles = source.sections.map((s) => s.title);
    expect(titles).toContain("1 Safety");
    expect(titles).toContain("3.2 Safe torque off");
    expect(titles).toContain("Ramp times"); // a setext heading
    expect(titles).toContain("Appendix A: Parameter list");
    expect(titles.some((t) => t.includes("hash"))).toBe(false);
    expect(titles).not.toContain("3.2.1 Testing the STO function");
    const safety = source.sections.find((s) => s.title === "1 Safety")!;
    expect(safety.level).toBe(2);
    expect(safety.lead).toBe("Only qualified electricians may install, wire or open the drive.");
  });

  test("every section opens to its exact text, and the sections together are the whole manual", async () => {
    put("kb/sources/cd400-manual.md", MANUAL);
    const { index } = await summarizeAndWrite();
    const source = index.sources[0]!;
    const texts: string[] = [];
    for (const s of source.sections) texts.push((await openSourceSection(repo, source.path, s.n)).text);
    expect(texts.join("\n")).toBe(linesOf(MANUAL).join("\n"));
    const sto = source.sections.find((s) => s.title === "3.2 Safe torque off")!;
    const text = texts[sto.n - 1]!;
    expect(text.startsWith("### 3.2 Safe torque off")).toBe(true);
    expect(text).toContain("#### 3.2.1 Testing the STO function");
    expect(text).not.toContain("## 4 Commissioning");
  });
});

describe("logs", () => {
  test("are chunked with the first line and the ERROR and WARN counts of each chunk", async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 1000; i += 1) {
      const level = i % 50 === 0 ? "ERROR" : i % 10 === 0 ? "WARN" : "INFO";
      lines.push(`2026-11-30T10:${String(i % 60).padStart(2, "0")}:00Z ${level} conveyor: tick ${i}`);
    }
    put("kb/sources/line3.log", `${lines.join("\n")}\n`);
    const { index } = await summarizeAndWrite();
    const s = index.sources[0]!.sections;
    expect(s.map((x) => [x.start, x.end])).toEqual([[1, 400], [401, 800], [801, 1000]]);
    expect(s[0]!.counts).toEqual({ error: 8, warn: 32 });
    expect(s[2]!.counts).toEqual({ error: 4, warn: 16 });
    expect(s[0]!.title).toBe(`Lines 1-400: ${lines[0]}`);
    expect((await openSourceSection(repo, "kb/sources/line3.log", 3)).text).toBe(lines.slice(800).join("\n"));
  });
});

describe("plain text", () => {
  test("takes heading-like lines as sections when there are several", () => {
    const text = ["INTRODUCTION", "", "The drive is small. It is quiet.", "", "2.1 Wiring", "", "Connect L1 first.", "", "Not a heading because it ends with a stop.", "", "APPENDIX", "", "More."].join("\n");
    const r = scanText("text", text);
    expect(r.sections.map((s) => [s.title, s.start, s.end])).toEqual([
      ["INTRODUCTION", 1, 4],
      ["2.1 Wiring", 5, 10],
      ["APPENDIX", 11, 13],
    ]);
    expect(r.abstract).toBe("The drive is small. It is quiet.");
  });

  test("without headings falls back to fixed-size chunks", () => {
    const text = Array.from({ length: 450 }, (_, i) => `line ${i + 1} of prose`).join("\n");
    const r = scanText("text", text);
    expect(r.sections.map((s) => [s.start, s.end])).toEqual([[1, CHUNK_LINES], [CHUNK_LINES + 1, 400], [401, 450]]);
  });

  test("a heading section longer than the limit is split into parts", () => {
    const text = ["# Only heading", ...Array.from({ length: 900 }, (_, i) => `Sentence ${i}.`)].join("\n");
    const r = scanText("markdown", text);
    expect(r.sections.map((s) => [s.title, s.start, s.end])).toEqual([
      ["Only heading", 1, 400],
      ["Only heading (part 2)", 401, 800],
      ["Only heading (part 3)", 801, 901],
    ]);
  });
});

describe("PDF", () => {
  const pages = [
    { lines: ["Drive handbook.", "This handbook covers the drive in brief."] },
    { lines: ["Wiring the supply.", "Connect L1, L2 and L3."] },
    { lines: ["Wiring the motor.", "Connect U, V and W."] },
    { lines: ["Fault F01 means overcurrent."] },
    { lines: ["Fault F02 means overvoltage."] },
    { lines: ["Index page."] },
  ];

  test("sections follow the outline, and a section opens to the text of its pages only", async () => {
    put("kb/sources/handbook.pdf", makePdf(pages, [{ title: "Wiring", page: 2 }, { title: "Faults", page: 4 }, { title: "Index", page: 6 }]));
    const { index } = await summarizeAndWrite();
    const source = index.sources[0]!;
    expect(source).toMatchObject({ kind: "pdf", unit: "pages", length: 6 });
    expect(source.abstract).toBe("Drive handbook. This handbook covers the drive in brief.");
    expect(source.sections.map((s) => [s.title, s.start, s.end])).toEqual([
      ["(before the first bookmark)", 1, 1],
      ["Wiring", 2, 3],
      ["Faults", 4, 5],
      ["Index", 6, 6],
    ]);
    const wiring = await openSourceSection(repo, source.path, 2);
    expect(wiring.text).toBe("Wiring the supply.\nConnect L1, L2 and L3.\n\nWiring the motor.\nConnect U, V and W.");
  });

  test("without an outline, pages are grouped", async () => {
    put("kb/sources/no-outline.pdf", makePdf([...pages, ...pages]));
    const { index } = await summarizeAndWrite();
    expect(index.sources[0]!.sections.map((s) => [s.title, s.start, s.end])).toEqual([
      ["Pages 1-5", 1, 5],
      ["Pages 6-10", 6, 10],
      ["Pages 11-12", 11, 12],
    ]);
  });
});

describe("hostile input", () => {
  test("each bad file gets a clear problem and the others are still summarized", async () => {
    put("kb/sources/cd400-manual.md", MANUAL);
    put("kb/sources/empty.md", "");
    put("kb/sources/junk.txt", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x00, 0x10]));
    put("kb/sources/latin1.txt", Buffer.from("caf\xe9 au lait\n", "latin1"));
    put("kb/sources/broken.pdf", Buffer.from("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nthis is not a PDF at all\n"));
    put("kb/sources/photo.png", Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    put("kb/sources/minified.txt", "x".repeat(70_000));
    const { index } = await summarizeAndWrite();
    expect(index.sources.map((s) => s.path)).toEqual(["kb/sources/cd400-manual.md"]);
    const byPath = Object.fromEntries(index.problems.map((p) => [p.path, p.message]));
    expect(byPath["kb/sources/empty.md"]).toBe("kb/sources/empty.md is empty: nothing to summarize");
    expect(byPath["kb/sources/junk.txt"]).toMatch(/is binary \(it holds NUL bytes\)/);
    expect(byPath["kb/sources/latin1.txt"]).toMatch(/is not UTF-8 text/);
    expect(byPath["kb/sources/broken.pdf"]).toMatch(/^kb\/sources\/broken\.pdf is not a readable PDF/);
    expect(byPath["kb/sources/photo.png"]).toMatch(/reads \.md, \.txt, \.log and \.pdf/);
    expect(byPath["kb/sources/minified.txt"]).toMatch(/line 1 is 70000 characters long/);
    // The index on disk is valid against the shared schema.
    expect(SourcesIndex.safeParse(await readSourcesIndex(repo)).success).toBe(true);
  });

  test("opening a source that changed since the index refuses with what to run", async () => {
    put("kb/sources/cd400-manual.md", MANUAL);
    await summarizeAndWrite();
    put("kb/sources/cd400-manual.md", `# New first line\n${MANUAL}`);
    await expect(openSourceSection(repo, "kb/sources/cd400-manual.md", 2)).rejects.toThrow(
      new SourceError("kb/sources/cd400-manual.md changed since kb/sources/index.json was written: run `factory kb summarize` so the section ranges match"),
    );
    await expect(openSourceSection(repo, "kb/sources/cd400-manual.md", 99)).rejects.toThrow(/has no section 99: its sections are numbered 1-/);
    await expect(openSourceSection(repo, "kb/sources/other.md", 1)).rejects.toThrow(/is not in kb\/sources\/index\.json/);
  });
});

describe("size caps", () => {
  test("a file over the cap is refused by its size, before it is read", async () => {
    put("kb/sources/big.log", "INFO tick\n".repeat(2000));
    put("kb/sources/big.pdf", makePdf([{ lines: ["One page."] }]));
    put("kb/sources/small.txt", "A small file. It fits.\n");
    const { index } = await summarizeSources(repo, { maxTextBytes: 1000, maxPdfBytes: 100 });
    expect(index.sources.map((s) => s.path)).toEqual(["kb/sources/small.txt"]);
    expect(index.problems).toEqual([
      { path: "kb/sources/big.log", message: "kb/sources/big.log is 20000 bytes; text over 1000 bytes is not read: split it" },
      { path: "kb/sources/big.pdf", message: expect.stringMatching(/^kb\/sources\/big\.pdf is \d+ bytes; PDFs over 100 bytes are not read: split it$/) },
    ]);
  });
});

describe("re-summarizing", () => {
  test("keeps the summary of an unchanged file and redoes only the changed one", async () => {
    put("kb/sources/cd400-manual.md", MANUAL);
    put("kb/sources/handbook.pdf", makePdf([{ lines: ["One page."] }]));
    const first = await summarizeAndWrite();
    expect(first.summarized).toEqual(["kb/sources/cd400-manual.md", "kb/sources/handbook.pdf"]);
    const second = await summarizeAndWrite();
    expect(second.summarized).toEqual([]);
    expect(second.reused).toEqual(["kb/sources/cd400-manual.md", "kb/sources/handbook.pdf"]);
    expect(await writeSourcesIndex(repo, second.index)).toBe(false);
    put("kb/sources/cd400-manual.md", MANUAL.replace("five minutes", "ten minutes"));
    const third = await summarizeAndWrite();
    expect(third.summarized).toEqual(["kb/sources/cd400-manual.md"]);
    expect(third.changed).toEqual(["kb/sources/cd400-manual.md"]);
  });
});
