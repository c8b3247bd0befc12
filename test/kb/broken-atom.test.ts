import { describe, expect, it } from "vitest";
import { findJsonSyntaxError } from "../../worker/kb/json-error.ts";
import { loadKnowledgeBase } from "../../worker/kb/load.ts";
import { atomJson, courseJson, tempRepo } from "./helpers.ts";

/** The atom as a person writes it (two-space JSON), with the comma after `"id": "…"` deleted. */
function withoutCommaAfterId(id: string, over: Record<string, unknown> = {}): string {
  const text = JSON.stringify(atomJson(id, over), null, 2);
  const broken = text.replace(`"id": "${id}",`, `"id": "${id}"`);
  expect(broken).not.toBe(text);
  return broken;
}

describe("one missing comma in one atom", () => {
  it("is exactly one problem, at the line and column where the comma belongs", async () => {
    const dir = await tempRepo({
      "kb/atoms/a.json": withoutCommaAfterId("a"),
      "kb/atoms/b.json": atomJson("b", { prerequisites: ["a"] }),
      "kb/atoms/c.json": atomJson("c", { prerequisites: ["a", "b"] }),
      "kb/courses/course.json": courseJson("course", ["a", "b", "c"]),
    });
    const { kb, problems } = await loadKnowledgeBase(dir);
    expect(kb).toBeNull();
    // Line 2 is `  "id": "a"`: 11 characters, so the comma goes in column 12.
    expect(problems).toEqual([
      {
        file: "kb/atoms/a.json",
        path: "$",
        message: "invalid JSON at line 2, column 12: missing ',' after this value (the next property starts on the next line)",
      },
    ]);
  });

  it("still reports a real missing atom next to a broken one", async () => {
    const dir = await tempRepo({
      "kb/atoms/a.json": withoutCommaAfterId("a"),
      "kb/atoms/b.json": atomJson("b", { prerequisites: ["a", "ghost"] }),
    });
    const { problems } = await loadKnowledgeBase(dir);
    expect(problems.map((p) => `${p.file} ${p.path}`)).toEqual(["kb/atoms/a.json $", "kb/atoms/b.json $.prerequisites[1]"]);
    expect(problems[1]!.message).toContain('unknown prerequisite "ghost"');
  });
});

describe("findJsonSyntaxError on a missing comma", () => {
  it.each([
    ['{"a": 1 "b": 2}', 1, 8, "the next property starts at column 9"],
    ['[1,\n 2\n 3]', 2, 3, "the next one starts on the next line"],
    ['{\n  "a": {"x": 1}\n\n  "b": 2\n}', 2, 16, "the next property starts at line 4"],
  ])("puts %j's error where the comma belongs", (text, line, column, words) => {
    expect(findJsonSyntaxError(text)).toMatchObject({ line, column, message: expect.stringContaining(words) });
  });

  it("still points at a stray character itself", () => {
    expect(findJsonSyntaxError('{"a": 1 ; "b": 2}')).toMatchObject({ line: 1, column: 9, message: "expected ',' or '}' but found \";\"" });
  });
});
