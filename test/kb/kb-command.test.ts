import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { kbIndex, kbValidate } from "../../worker/commands/kb.ts";
import { atomJson, courseJson, tempRepo } from "./helpers.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

function capture() {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

describe("factory kb", () => {
  it("`factory kb validate` passes on the repository's kb/ and exits 0", async () => {
    const { stdout } = await run(process.execPath, [join(repo, "bin/factory.mjs"), "kb", "validate", repo]);
    expect(stdout).toMatch(/Knowledge base OK: \d+ atoms, 2 courses/);
  });

  it("`factory kb validate` prints file, JSON path and message for each problem and exits 1", async () => {
    const dir = await tempRepo({ "kb/atoms/a.json": atomJson("a", { prerequisites: ["ghost"] }) });
    const err = await run(process.execPath, [join(repo, "bin/factory.mjs"), "kb", "validate", dir]).catch((e) => e);
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('kb/atoms/a.json $.prerequisites[0]: unknown prerequisite "ghost"');
  });

  it("writes kb/index.json with id, title, summary and path of every atom, and validate notices a stale one", async () => {
    const dir = await tempRepo({ "kb/atoms/b.json": atomJson("b"), "kb/atoms/a.json": atomJson("a"), "kb/courses/c.json": courseJson("c", ["a", "b"]) });
    const out = capture();
    expect(await kbIndex(dir, out.write, out.write)).toBe(0);
    const index = JSON.parse(await readFile(join(dir, "kb/index.json"), "utf8"));
    expect(index.atoms).toEqual([
      { id: "a", title: "Atom a", summary: "One-line summary of a.", path: "kb/atoms/a.json" },
      { id: "b", title: "Atom b", summary: "One-line summary of b.", path: "kb/atoms/b.json" },
    ]);
    expect(await kbValidate(dir, out.write, out.write)).toBe(0);

    const stale = await tempRepo({ "kb/atoms/a.json": atomJson("a"), "kb/index.json": index });
    const err = capture();
    expect(await kbValidate(stale, out.write, err.write)).toBe(1);
    expect(err.lines.join("\n")).toContain("kb/index.json $: out of date");
  });

  it("refuses to index a broken knowledge base and writes nothing", async () => {
    const dir = await tempRepo({ "kb/atoms/a.json": "{ not json" });
    const err = capture();
    expect(await kbIndex(dir, err.write, err.write)).toBe(1);
    expect(err.lines.join("\n")).toContain("The index was not written.");
    await expect(readFile(join(dir, "kb/index.json"))).rejects.toThrow(/ENOENT/);
  });
});
