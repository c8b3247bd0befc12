import { mkdtemp, mkdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblems, loadKnowledgeBase } from "../../../worker/kb/load.ts";
import { loadSimTasks, validateSimFiles } from "../../../worker/kb/validate-sim.ts";
import { taskJson } from "./helpers.ts";

const file = (name: string, value: unknown) => ({ file: `kb/sim/${name}`, text: typeof value === "string" ? value : JSON.stringify(value, null, 2) });
const pair = (id: string, over: Record<string, unknown> = {}) => [file(`${id}.json`, taskJson({ id, ...over })), file(`${id}.st`, "")];

describe("validateSimFiles", () => {
  it("accepts task/solution pairs, solutions the agent found, and an index", () => {
    const r = validateSimFiles([...pair("a"), ...pair("b"), file("a.solution.st", ""), file("index.json", [{ id: "a" }, { id: "b" }])]);
    expect(r.problems).toEqual([]);
    expect(r.tasks.map((t) => t.id)).toEqual(["a", "b"]);
  });

  it("reports invalid JSON with line and column", () => {
    const r = validateSimFiles([file("a.json", '{\n  "id": "a",\n  "scene": }\n'), file("a.st", "")]);
    expect(r.problems).toEqual([{ file: "kb/sim/a.json", path: "$", message: expect.stringMatching(/^invalid JSON at line 3, column 12/) }]);
  });

  it("reports schema errors with their JSON path", () => {
    const r = validateSimFiles(pair("a", { criteria: [{ kind: "never", id: "n", text: "Never the belt.", condition: { tag: "Belt" } }] }));
    expect(r.problems).toEqual([{ file: "kb/sim/a.json", path: "$.criteria[0]", message: expect.stringContaining('names tag "Belt"') }]);
  });

  it("refuses an unknown scene, listing the scenes", () => {
    expect(validateSimFiles(pair("a", { scene: "from-b-to-a" })).problems).toEqual([
      { file: "kb/sim/a.json", path: "$.scene", message: 'unknown scene "from-b-to-a"; scenes: from-a-to-b, sorting-by-height-basic, level-control' },
    ]);
  });

  it("refuses a tag the scene does not have, with the scene's tags and a near miss", () => {
    const tags = [
      { name: "start", direction: "input", type: "BOOL", identifier: "start" },
      { name: "Conveyor", direction: "output", type: "BOOL", identifier: "Conveyor" },
    ];
    const [p] = validateSimFiles(pair("a", { tags, scenario: [], criteria: [{ kind: "never", id: "n", text: "Never the belt.", condition: { tag: "Conveyor" } }] })).problems;
    expect(p).toMatchObject({ file: "kb/sim/a.json", path: "$.tags[0].name" });
    expect(p!.message).toBe(
      'scene from-a-to-b has no tag "start" (did you mean "Start"? names are exact); its tags: "At entry", "At exit", "Start", "Stop", "Reset", "Emergency stop", "Conveyor", "Emitter", "Remover", "Start light", "Stop light", "Reset light", "Counter"',
    );
  });

  it("refuses a tag with the wrong direction or type for the scene", () => {
    const tags = [
      { name: "Start", direction: "output", type: "BOOL", identifier: "Start" },
      { name: "Conveyor", direction: "output", type: "INT", identifier: "Conveyor" },
    ];
    const r = validateSimFiles(pair("a", { tags, scenario: [], criteria: [{ kind: "never", id: "n", text: "Never the belt.", condition: { tag: "Start" } }] }));
    expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      '$.tags[0].direction: "Start" is an input of scene from-a-to-b, not an output',
      '$.tags[1].type: "Conveyor" is BOOL in scene from-a-to-b, not INT',
    ]);
  });

  it("refuses a part type the scene does not have", () => {
    const r = validateSimFiles(pair("a", { scenario: [{ kind: "part", at: 0, part: "pallet" }] }));
    expect(r.problems).toEqual([{ file: "kb/sim/a.json", path: "$.scenario[0].part", message: 'scene from-a-to-b has no part type "pallet"; part types: "small-box", "tall-box"' }]);
  });

  it("refuses a task without its reference solution, an id that is not the file name, and stray files", () => {
    const r = validateSimFiles([file("a.json", taskJson({ id: "a" })), ...pair("b", { id: "c" }), file("notes.md", "hi"), file("d.st", ""), file("index.json", [{ id: "zz" }])]);
    expect(r.problems.map((p) => `${p.file} ${p.path}: ${p.message}`)).toEqual([
      "kb/sim/a.json $: no reference solution: add kb/sim/a.st, a program that passes this task",
      'kb/sim/b.json $.id: id "c" does not match the file name: rename the file to c.json or set "id": "b"',
      "kb/sim/d.st $: no task kb/sim/d.json for this program",
      "kb/sim/notes.md $: kb/sim/ holds only <id>.json tasks, their <id>.st reference solutions, <id>.solution.st and index.json",
      'kb/sim/index.json $[0].id: unknown task "zz"; tasks: a, b',
    ]);
  });

  it("refuses absurdly nested JSON before the schema sees it", () => {
    let deep = '{"tag":"Start"}';
    for (let i = 0; i < 5000; i++) deep = `{"not":${deep}}`;
    const text = JSON.stringify(taskJson({ id: "a" })).replace('"criteria":[', `"criteria":[{"kind":"never","id":"n","text":"Deep one.","condition":${deep}},`);
    expect(validateSimFiles([file("a.json", text), file("a.st", "")]).problems).toEqual([
      { file: "kb/sim/a.json", path: "$", message: "nested more than 40 levels deep: conditions need only a few" },
    ]);
  });
});

describe("factory kb validate covers kb/sim", () => {
  async function repo(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "sim-kb-"));
    await mkdir(join(dir, "kb/atoms"), { recursive: true });
    await mkdir(join(dir, "kb/sim"), { recursive: true });
    for (const [rel, text] of Object.entries(files)) await writeFile(join(dir, rel), text);
    return dir;
  }

  it("fails the knowledge-base check on a broken task, naming file and path", async () => {
    const dir = await repo({ "kb/sim/a.json": JSON.stringify(taskJson({ id: "a", scene: "nowhere" })), "kb/sim/a.st": "" });
    const { kb, problems } = await loadKnowledgeBase(dir);
    expect(kb).toBeNull();
    expect(formatProblems(problems)).toContain('kb/sim/a.json $.scene: unknown scene "nowhere"');
  });

  it("refuses symbolic links and sub-directories in kb/sim", async () => {
    const dir = await repo({ "kb/sim/a.json": JSON.stringify(taskJson({ id: "a" })), "kb/sim/a.st": "" });
    await symlink(join(dir, "kb/sim/a.st"), join(dir, "kb/sim/b.st"));
    await mkdir(join(dir, "kb/sim/more"));
    expect((await loadSimTasks(dir)).problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      "kb/sim/b.st: symbolic links are not allowed in the knowledge base: commit the file itself",
      "kb/sim/more: kb/sim/ has no sub-directories: put tasks and programs directly in it",
    ]);
  });

  it("accepts the repository's own kb/sim", async () => {
    const r = await loadSimTasks(join(import.meta.dirname, "../../.."));
    expect(r.problems).toEqual([]);
    expect(r.tasks.length).toBeGreaterThanOrEqual(10);
  });
});
