import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findJsonSyntaxError } from "../../worker/kb/json-error.ts";
import { formatProblems, loadKnowledgeBase } from "../../worker/kb/load.ts";
import { atomJson, courseJson, tempRepo } from "./helpers.ts";

describe("loadKnowledgeBase", () => {
  it("returns the parsed knowledge base sorted by id with defaults applied when every file is valid", async () => {
    const b = atomJson("b-atom", { prerequisites: ["a-atom"] });
    delete b.tags;
    const dir = await tempRepo({
      "kb/atoms/b-atom.json": b,
      "kb/atoms/a-atom.json": atomJson("a-atom"),
      "kb/courses/c1.json": courseJson("c1", ["a-atom", "b-atom"]),
      "kb/atoms/README.md": "not an atom",
    });
    const { kb, problems } = await loadKnowledgeBase(dir);
    expect(problems).toEqual([]);
    expect(kb?.atoms.map((a) => a.id)).toEqual(["a-atom", "b-atom"]);
    expect(kb?.atoms[1]?.tags).toEqual([]);
    expect(kb?.courses.map((c) => c.id)).toEqual(["c1"]);
  });

  it("reports invalid JSON with line and column", async () => {
    const dir = await tempRepo({ "kb/atoms/a.json": '{\n  "id": "a",\n  "title": }\n' });
    const { kb, problems } = await loadKnowledgeBase(dir);
    expect(kb).toBeNull();
    expect(problems).toEqual([
      { file: "kb/atoms/a.json", path: "$", message: expect.stringContaining("line 3, column 12") },
    ]);
  });

  it("reports schema errors at their JSON path, unknown fields included", async () => {
    const dir = await tempRepo({
      "kb/atoms/a.json": atomJson("a", { level: "expert", prerequisite: ["x"], sources: [{ url: "not a url" }] }),
    });
    const { problems } = await loadKnowledgeBase(dir);
    const paths = problems.map((p) => p.path).sort();
    expect(paths).toEqual(["$", "$.level", "$.sources[0].title", "$.sources[0].url"]);
    expect(problems.find((p) => p.path === "$")?.message).toContain("prerequisite");
  });

  it("refuses an id that is not a safe slug", async () => {
    const dir = await tempRepo({ "kb/atoms/a.json": atomJson("../etc/passwd") });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems).toEqual([{ file: "kb/atoms/a.json", path: "$.id", message: expect.stringContaining("slug") }]);
  });

  it("reports an id that differs from the file name", async () => {
    const dir = await tempRepo({ "kb/atoms/ohms-law.json": atomJson("ohm-law") });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems).toEqual([
      { file: "kb/atoms/ohms-law.json", path: "$.id", message: expect.stringContaining("rename the file to ohm-law.json") },
    ]);
  });

  it("reports duplicate ids naming the first file", async () => {
    const dir = await tempRepo({ "kb/atoms/a.json": atomJson("a"), "kb/atoms/b.json": atomJson("a") });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems).toContainEqual({
      file: "kb/atoms/b.json",
      path: "$.id",
      message: 'duplicate atom id "a" (also in kb/atoms/a.json)',
    });
  });

  it("reports unknown prerequisites at their index", async () => {
    const dir = await tempRepo({ "kb/atoms/a.json": atomJson("a"), "kb/atoms/b.json": atomJson("b", { prerequisites: ["a", "zz"] }) });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems).toEqual([
      { file: "kb/atoms/b.json", path: "$.prerequisites[1]", message: expect.stringContaining('unknown prerequisite "zz"') },
    ]);
  });

  it("reports each prerequisite cycle once, with the whole loop", async () => {
    const dir = await tempRepo({
      "kb/atoms/a.json": atomJson("a", { prerequisites: ["c"] }),
      "kb/atoms/b.json": atomJson("b", { prerequisites: ["a"] }),
      "kb/atoms/c.json": atomJson("c", { prerequisites: ["b"] }),
      "kb/atoms/d.json": atomJson("d", { prerequisites: ["d"] }),
    });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual({ file: "kb/atoms/d.json", path: "$.prerequisites[0]", message: expect.stringContaining("own prerequisite") });
    expect(problems.find((p) => p.message.includes("cycle"))?.message).toContain("a → c → b → a");
  });

  it("reports course references to missing atoms, repeats and wrong order", async () => {
    const dir = await tempRepo({
      "kb/atoms/a.json": atomJson("a"),
      "kb/atoms/b.json": atomJson("b", { prerequisites: ["a"] }),
      "kb/courses/c.json": courseJson("c", ["b", "a", "ghost", "a"]),
    });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems).toEqual([
      { file: "kb/courses/c.json", path: "$.modules[0].atoms[2]", message: expect.stringContaining('unknown atom "ghost"') },
      { file: "kb/courses/c.json", path: "$.modules[0].atoms[3]", message: expect.stringContaining("listed twice") },
      { file: "kb/courses/c.json", path: "$.modules[0].atoms[0]", message: expect.stringContaining('move "a" earlier') },
    ]);
  });

  it("refuses symbolic links and reports a missing atoms directory", async () => {
    const dir = await tempRepo({ "outside.json": atomJson("x") });
    await symlink(join(dir, "outside.json"), join(dir, "kb/atoms/x.json"));
    expect((await loadKnowledgeBase(dir)).problems[0]?.message).toContain("symbolic links");
    const empty = await tempRepo({});
    await import("node:fs/promises").then((fs) => fs.rm(join(empty, "kb"), { recursive: true }));
    expect((await loadKnowledgeBase(empty)).problems).toEqual([{ file: "kb/atoms", path: "$", message: expect.stringContaining("no kb/atoms/") }]);
  });

  it("formats problems one per line with a count", () => {
    const text = formatProblems([
      { file: "kb/atoms/a.json", path: "$.id", message: "bad" },
      { file: "kb/courses/c.json", path: "$.modules[0].atoms[1]", message: "worse" },
    ]);
    expect(text.split("\n")).toEqual([
      "kb/atoms/a.json $.id: bad",
      "kb/courses/c.json $.modules[0].atoms[1]: worse",
      "2 problems in the knowledge base: fix them and push again.",
    ]);
    expect(formatProblems([])).toBe("");
  });
});

describe("findJsonSyntaxError", () => {
  it.each([
    ['{"a": 1,}', 1, 9, "trailing comma"],
    ['{"a": 1}\n{', 2, 1, "after the end"],
    ['["x",\n "y"\n', 3, 1, "end of file"],
    ['{"a": tru}', 1, 7, "expected a value"],
    ['{"a": "line\nbreak"}', 1, 12, "control character"],
  ])("points at the error in %j", (text, line, column, words) => {
    expect(findJsonSyntaxError(text)).toMatchObject({ line, column, message: expect.stringContaining(words) });
  });

  it("accepts what JSON.parse accepts", () => {
    const text = JSON.stringify({ a: [1, -2.5e3, "é\u0001\"", null, true, false, {}, []] });
    expect(findJsonSyntaxError(text)).toBeNull();
  });
});
