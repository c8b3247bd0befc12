import { describe, expect, it } from "vitest";
import { SIM_LIMITS, SimTask, tagIdentifier } from "../../../shared/sim.ts";
import { loadTask, taskJson } from "./helpers.ts";

const issues = (json: unknown) => {
  const r = SimTask.safeParse(json);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("tagIdentifier", () => {
  it.each([
    ["Transf. left", "Transf_left"],
    ["Emergency stop", "Emergency_stop"],
    ["FACTORY I/O (Run)", "FACTORY_I_O_Run"],
    ["Conveyor entry", "Conveyor_entry"],
    ["2nd sensor", "_2nd_sensor"],
    ["  Level -- meter  ", "Level_meter"],
    ["Größe", "Gr_e"],
    ["...", ""],
  ])("%j → %j", (name, id) => {
    expect(tagIdentifier(name)).toBe(id);
  });
});

describe("SimTask", () => {
  it("accepts a valid task and fills in the defaults", () => {
    const t = SimTask.parse(taskJson());
    expect(t.cycleMs).toBe(10);
  });

  it("accepts every task in kb/sim", () => {
    for (const id of ["conveyor-start-stop", "sort-by-height-panel", "tank-setpoint-control"]) expect(loadTask(id).id).toBe(id);
  });

  it("refuses an identifier that does not follow the rule, saying what it must be", () => {
    const tags = [{ name: "Start", direction: "input", type: "BOOL", identifier: "Start" }, { name: "Transf. left", direction: "output", type: "BOOL", identifier: "TransfLeft" }];
    expect(issues(taskJson({ tags, criteria: [{ kind: "never", id: "n", text: "Never left.", condition: { tag: "Transf. left" } }] }))).toEqual([
      'tags.1.identifier: identifier of "Transf. left" must be "Transf_left" (letters and digits kept, every other run of characters one "_")',
    ]);
  });

  it("refuses criteria and scenario events naming tags the task does not have, listing the task's tags", () => {
    const got = issues(
      taskJson({
        scenario: [{ kind: "press", at: 100, tag: "Stop", holdMs: 100 }],
        criteria: [{ kind: "never", id: "n", text: "Never the belt.", condition: { tag: "Belt" } }],
      }),
    );
    expect(got).toEqual([
      `scenario.0.tag: tag "Stop" is not one of the task's tags ("Start", "Conveyor")`,
      `criteria.0: criterion "n" names tag "Belt", which is not one of the task's tags ("Start", "Conveyor")`,
    ]);
  });

  it("refuses scenario actions on outputs, events after the end, and duplicate criterion ids", () => {
    const got = issues(
      taskJson({
        scenario: [{ kind: "press", at: 2000, tag: "Conveyor" }],
        criteria: [
          { kind: "never", id: "n", text: "Never the belt.", condition: { tag: "Conveyor" } },
          { kind: "never", id: "n", text: "Never the belt.", condition: { tag: "Start" } },
        ],
      }),
    );
    expect(got).toEqual([
      "scenario.0.at: at 2000 ms is after the end of the run (durationMs 1000)",
      'scenario.0.tag: "Conveyor" is an output: the scenario can only act on inputs',
      'criteria.1.id: criterion id "n" is used twice',
    ]);
  });

  it("asks a delivery criterion for the exit of every part type the scenario sends", () => {
    const got = issues(
      taskJson({
        scenario: [{ kind: "part", at: 0, part: "tall-box" }],
        criteria: [{ kind: "delivery", id: "d", text: "Parts arrive.", exits: { "small-box": "end" }, withinMs: 1000 }],
      }),
    );
    expect(got).toEqual(['criteria.0.exits: the scenario sends "tall-box" parts: say at which exit they must leave']);
  });

  it("bounds sizes so a hostile file gets a clear error, not minutes of work", () => {
    expect(issues(taskJson({ durationMs: SIM_LIMITS.maxDurationMs + 1 }))[0]).toMatch(/^durationMs: /);
    const many = Array.from({ length: SIM_LIMITS.maxScenarioEvents + 1 }, () => ({ kind: "press", at: 0, tag: "Start", holdMs: 10 }));
    expect(issues(taskJson({ scenario: many }))[0]).toMatch(/^scenario: .*500/);
    let deep: unknown = { tag: "Start" };
    for (let i = 0; i < 10; i++) deep = { not: deep };
    expect(issues(taskJson({ criteria: [{ kind: "never", id: "n", text: "Too deep.", condition: deep }] }))).toEqual(["criteria.0.condition: condition nested deeper than 8 levels"]);
  });

  it("explains what a condition is when one is malformed", () => {
    expect(issues(taskJson({ criteria: [{ kind: "never", id: "n", text: "Bad one.", condition: { nott: { tag: "Start" } } }] }))).toEqual([
      expect.stringMatching(/^criteria\.0\.condition: not a condition: write \{ "tag": name \}/),
    ]);
  });

  it("refuses unknown fields (a typo is not silently dropped)", () => {
    expect(issues(taskJson({ durationMS: 1000 }))).toEqual([expect.stringContaining("durationMS")]);
  });
});
