import { describe, expect, it } from "vitest";
import { judge } from "../../../worker/learn/judge/index.ts";
import type { PlantEvent } from "../../../worker/learn/plants/types.ts";
import { taskWith, traceOf } from "./build.ts";

const A = { A: "BOOL", B: "BOOL" } as const;
const one = (task: Parameters<typeof judge>[0], trace: Parameters<typeof judge>[1]) => judge(task, trace).criteria[0]!;

describe("never", () => {
  const task = (extra = {}) => taskWith(A, [{ kind: "never", id: "not-both", text: "A and B never together.", condition: { all: [{ tag: "A" }, { tag: "B" }] }, ...extra }]);

  it("passes when the condition is never true at a scan", () => {
    expect(one(task(), traceOf({ A: true, B: false }, [[500, "A", false], [500, "B", true]], 1000)).pass).toBe(true);
  });

  it("fails at the first scan where it is true", () => {
    const c = one(task(), traceOf({ A: true, B: false }, [[300, "B", true], [600, "B", false], [800, "B", true]], 1000));
    expect(c).toMatchObject({ pass: false, atMs: 300, reason: "A AND B was true at 0.30 s" });
  });

  it("only looks inside its window", () => {
    const tr = traceOf({ A: true, B: true }, [[200, "B", false], [900, "B", true]], 1000);
    expect(one(task({ fromMs: 200, untilMs: 800 }), tr).pass).toBe(true);
    expect(one(task({ fromMs: 200 }), tr)).toMatchObject({ pass: false, atMs: 900 });
  });
});

describe("response", () => {
  const base = { kind: "response", id: "a-then-b", text: "B follows A.", trigger: { tag: "A" }, response: { tag: "B" }, withinMs: 100 } as const;

  it("passes when the response comes within the time", () => {
    expect(one(taskWith(A, [base]), traceOf({ A: false, B: false }, [[100, "A", true], [200, "B", true]], 1000)).pass).toBe(true);
  });

  it("fails at the deadline when the response is late", () => {
    const c = one(taskWith(A, [base]), traceOf({ A: false, B: false }, [[100, "A", true], [210, "B", true]], 1000));
    expect(c).toMatchObject({ pass: false, atMs: 200, reason: "A rose at 0.10 s but B was still false 100 ms later" });
  });

  it("counts only rising edges, not a trigger already true at the first scan", () => {
    expect(one(taskWith(A, [base]), traceOf({ A: true, B: false }, [], 1000)).pass).toBe(true);
  });

  it("does not judge a trigger whose time runs past the end of the run", () => {
    expect(one(taskWith(A, [base]), traceOf({ A: false, B: false }, [[950, "A", true]], 1000)).pass).toBe(true);
  });

  it("with until, fails when the response drops before the until condition", () => {
    const c = one(
      taskWith({ ...A, C: "BOOL" }, [{ ...base, until: { tag: "C" } }]),
      traceOf({ A: false, B: false, C: false }, [[100, "A", true], [100, "B", true], [300, "B", false], [400, "C", true]], 1000),
    );
    expect(c).toMatchObject({ pass: false, atMs: 300 });
    expect(c.reason).toContain("must stay true until C");
  });

  it("with until, passes when the response drops after the until condition holds", () => {
    const tr = traceOf({ A: false, B: false, C: false }, [[100, "A", true], [100, "B", true], [300, "C", true], [300, "B", false]], 1000);
    expect(one(taskWith({ ...A, C: "BOOL" }, [{ ...base, until: { tag: "C" } }]), tr).pass).toBe(true);
  });

  it("with until, drops the obligation when until holds before the response was due", () => {
    const tr = traceOf({ A: false, B: false, C: false }, [[100, "A", true], [150, "C", true]], 1000);
    expect(one(taskWith({ ...A, C: "BOOL" }, [{ ...base, until: { tag: "C" } }]), tr).pass).toBe(true);
  });

  it("with forMs, the response must hold that long", () => {
    const task = taskWith(A, [{ ...base, forMs: 500 }]);
    expect(one(task, traceOf({ A: false, B: false }, [[100, "A", true], [100, "B", true], [400, "B", false]], 1000))).toMatchObject({ pass: false, atMs: 400 });
    expect(one(task, traceOf({ A: false, B: false }, [[100, "A", true], [100, "B", true], [600, "B", false]], 1000)).pass).toBe(true);
  });
});

describe("delivery", () => {
  const crit = { kind: "delivery", id: "sorted", text: "Boxes sorted.", exits: { "small-box": "left", "tall-box": "right" }, withinMs: 5000, atLeast: 2 } as const;
  const entered = (t: number, id: number, part: string) => ({ t, kind: "part-entered", partId: id, detail: { part } });
  const removed = (t: number, id: number, part: string, exit: string) => ({ t, kind: "part-removed", partId: id, detail: { part, exit } });
  const task = taskWith(A, [crit], 20_000);
  const run = (events: PlantEvent[]) => one(task, traceOf({ A: false, B: false }, [], 20_000, events));

  it("passes when every part leaves at its exit in time and enough arrive", () => {
    expect(run([entered(0, 1, "small-box"), entered(100, 2, "tall-box"), removed(3000, 1, "small-box", "left"), removed(4000, 2, "tall-box", "right")]).pass).toBe(true);
  });

  it("fails at the moment a part leaves at the wrong exit", () => {
    expect(run([entered(0, 1, "small-box"), removed(3000, 1, "small-box", "right")])).toMatchObject({
      pass: false,
      atMs: 3000,
      reason: 'part #1 (small-box) left at exit "right" at 3.00 s; a small-box must leave at "left"',
    });
  });

  it("fails when a part falls off", () => {
    const c = run([entered(0, 1, "small-box"), { t: 2000, kind: "part-fell", partId: 1, detail: { part: "small-box", where: "left-end", reason: "Remover left was off" } }]);
    expect(c).toMatchObject({ pass: false, atMs: 2000, reason: "part #1 (small-box) fell off at left-end at 2.00 s (Remover left was off)" });
  });

  it("fails at the deadline of a part that never leaves", () => {
    expect(run([entered(1000, 1, "tall-box"), entered(2000, 2, "small-box"), removed(4000, 2, "small-box", "left")])).toMatchObject({ pass: false, atMs: 6000 });
  });

  it("fails at the end when fewer parts than atLeast arrive, so doing nothing cannot pass", () => {
    expect(run([])).toMatchObject({ pass: false, atMs: 19_990, reason: "only 0 parts reached the right exit in time (0 entered); at least 2 must" });
  });
});

describe("count", () => {
  const crit = { kind: "count", id: "counts", text: "Counter counts removals.", tag: "Counter", events: { kind: "part-removed" }, toleranceMs: 500 } as const;
  const removed = (t: number, id: number) => ({ t, kind: "part-removed", partId: id, detail: { part: "small-box", exit: "end" } });
  const tags = { Counter: "INT", Reset: "BOOL" } as const;

  it("accepts a counter that counts at the sensor a little before the removal", () => {
    const tr = traceOf({ Counter: 0, Reset: false }, [[800, "Counter", 1], [1800, "Counter", 2]], 3000, [removed(1000, 1), removed(2000, 2)]);
    expect(one(taskWith(tags, [crit]), tr).pass).toBe(true);
  });

  it("fails a counter that counts too early (entries instead of exits)", () => {
    const tr = traceOf({ Counter: 0, Reset: false }, [[100, "Counter", 1], [1100, "Counter", 2]], 3000, [removed(1000, 1), removed(2000, 2)]);
    expect(one(taskWith(tags, [crit]), tr)).toMatchObject({ pass: false, atMs: 100, reason: "Counter was 1 at 0.10 s; 0 part-removed events so far, so it should be 0" });
  });

  it("fails a counter that never counts, once the tolerance has passed", () => {
    const tr = traceOf({ Counter: 0, Reset: false }, [], 3000, [removed(1000, 1)]);
    expect(one(taskWith(tags, [crit]), tr)).toMatchObject({ pass: false, atMs: 1500 });
  });

  it("restarts from 0 when resetOn rises", () => {
    const task = taskWith(tags, [{ ...crit, resetOn: { tag: "Reset" } }]);
    const events = [removed(500, 1), removed(2500, 2)];
    const good = traceOf({ Counter: 0, Reset: false }, [[500, "Counter", 1], [1500, "Reset", true], [1500, "Counter", 0], [1600, "Reset", false], [2500, "Counter", 1]], 4000, events);
    expect(one(task, good).pass).toBe(true);
    const ignoresReset = traceOf({ Counter: 0, Reset: false }, [[500, "Counter", 1], [1500, "Reset", true], [1600, "Reset", false], [2500, "Counter", 2]], 4000, events);
    expect(one(task, ignoresReset)).toMatchObject({ pass: false, atMs: 1500 });
    expect(one(task, ignoresReset).reason).toContain("since the reset at 1.50 s");
  });

  it("in end mode only checks the final value", () => {
    const task = taskWith(tags, [{ ...crit, mode: "end" }]);
    expect(one(task, traceOf({ Counter: 0, Reset: false }, [[100, "Counter", 5], [2000, "Counter", 1]], 3000, [removed(1000, 1)])).pass).toBe(true);
  });

  it("can count only events with matching details", () => {
    const task = taskWith(tags, [{ ...crit, events: { kind: "part-removed", detail: { exit: "left" } } }]);
    const tr = traceOf({ Counter: 0, Reset: false }, [[1000, "Counter", 1]], 3000, [removed(1000, 1)]);
    expect(one(task, tr)).toMatchObject({ pass: false, atMs: 1000 });
    expect(one(task, tr).reason).toContain("part-removed events (exit left)");
  });
});

describe("settle", () => {
  it("checks a REAL tag against another tag's value from a time on", () => {
    const tags = { Level: "REAL", Setpoint: "REAL" } as const;
    const task = taskWith(tags, [{ kind: "settle", id: "holds", text: "Level holds the setpoint.", tag: "Level", target: { tag: "Setpoint" }, tolerance: 0.2, fromMs: 500 }]);
    expect(one(task, traceOf({ Level: 0, Setpoint: 5 }, [[400, "Level", 4.9]], 1000)).pass).toBe(true);
    expect(one(task, traceOf({ Level: 0, Setpoint: 5 }, [[400, "Level", 4.9], [700, "Level", 5.3]], 1000))).toMatchObject({
      pass: false,
      atMs: 700,
      reason: "Level was 5.300 at 0.70 s, more than 0.2 from Setpoint (5)",
    });
  });
});

describe("verdict", () => {
  it("names the earliest violation as the first failure, whatever the order of the criteria", () => {
    const task = taskWith(A, [
      { kind: "never", id: "never-b", text: "B is never on.", condition: { tag: "B" } },
      { kind: "never", id: "never-a", text: "A is never on.", condition: { tag: "A" } },
    ]);
    const v = judge(task, traceOf({ A: false, B: false }, [[300, "A", true], [600, "B", true]], 1000));
    expect(v.pass).toBe(false);
    expect(v.criteria.map((c) => [c.id, c.pass])).toEqual([["never-b", false], ["never-a", false]]);
    expect(v.firstFailure).toMatchObject({ id: "never-a", atMs: 300 });
  });

  it("passes with no first failure when every criterion holds", () => {
    const v = judge(taskWith(A, [{ kind: "never", id: "never-b", text: "B is never on.", condition: { tag: "B" } }]), traceOf({ A: true, B: false }, [], 1000));
    expect(v).toEqual({ pass: true, criteria: [{ id: "never-b", kind: "never", text: "B is never on.", pass: true }], firstFailure: null });
  });
});
