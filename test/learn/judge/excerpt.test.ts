import { describe, expect, it } from "vitest";
import { judge, renderFailure } from "../../../worker/learn/judge/index.ts";
import { taskWith, traceOf } from "./build.ts";

describe("trace excerpt of the first failure", () => {
  const task = taskWith({ Start: "BOOL", Conveyor: "BOOL", Other: "BOOL" }, [
    { kind: "response", id: "starts", text: "Start starts the conveyor.", trigger: { tag: "Start" }, response: { tag: "Conveyor" }, withinMs: 100 },
  ], 10_000);

  it("shows the criterion's tags about a second either side, one row per change, the failure marked", () => {
    const tr = traceOf({ Start: false, Conveyor: false, Other: false }, [[1000, "Other", true], [3000, "Start", true], [3300, "Start", false], [5000, "Conveyor", true]], 10_000, [
      { t: 3500, kind: "part-entered", partId: 1, detail: { part: "small-box" } },
    ]);
    const f = judge(task, tr).firstFailure!;
    expect(f.atMs).toBe(3100);
    expect(f.excerpt.split("\n")).toEqual([
      "   t (ms) | Start | Conveyor",
      "     2100 |     0 |        0",
      "     3000 |     1 |        0",
      ">>   3100 |     1 |        0",
      "     3300 |     0 |        0",
      "plant events:",
      "   3500 ms part-entered #1 part=small-box",
      "(BOOL: 1 = TRUE, 0 = FALSE; a row shows the values of the scan that started at t)",
    ]);
  });

  it("samples analog tags instead of printing every scan", () => {
    const t2 = taskWith({ Level: "REAL" }, [{ kind: "never", id: "not-high", text: "Level stays below 5.", condition: { tag: "Level", above: 5 } }]);
    const changes: Array<[number, string, number]> = [];
    for (let t = 10; t < 4000; t += 10) changes.push([t, "Level", t / 500 + 0.001]);
    const f = judge(t2, traceOf({ Level: 0.001 }, changes, 4000)).firstFailure!;
    const rows = f.excerpt.split("\n").filter((l) => /^\s*(>>)?\s*\d/.test(l));
    expect(rows.length).toBeLessThanOrEqual(30);
    expect(f.excerpt).toContain(">>   2500 |  5.00");
  });

  it("renders the failure for the model: criterion, time, reason and excerpt", () => {
    const f = judge(task, traceOf({ Start: false, Conveyor: false, Other: false }, [[3000, "Start", true]], 10_000)).firstFailure!;
    const text = renderFailure(f);
    expect(text.split("\n").slice(0, 3)).toEqual([
      "criterion starts failed at 3100 ms: Start starts the conveyor.",
      "why: Start rose at 3.00 s but Conveyor was still false 100 ms later",
      "trace around it:",
    ]);
  });
});
