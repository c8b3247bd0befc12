import { describe, expect, it } from "vitest";
import { createBuiltinPlant } from "../../../worker/learn/plants/index.ts";
import { checkInterface, runTask } from "../../../worker/learn/run-task.ts";
import { compileProgram } from "../../../worker/learn/st/index.ts";
import { jsProgram } from "../plants/js-program.ts";
import { loadTask, reference, runSource } from "./helpers.ts";

const task = loadTask("conveyor-start-stop");
const io = { inputs: { Start: "BOOL", Stop: "BOOL" }, outputs: { Conveyor: "BOOL", Start_light: "BOOL", Stop_light: "BOOL" } } as const;

describe("runTask", () => {
  it("records the first scan's values and then only changes, with the scan times and plant events", async () => {
    const r = await runSource("conveyor-start-stop", reference("conveyor-start-stop"));
    if (r.status !== "passed") throw new Error(r.status);
    expect(r.trace.times.length).toBe(1400);
    expect(r.trace.times.slice(0, 3)).toEqual([0, 10, 20]);
    expect(r.trace.initial).toEqual({ Start: false, Stop: true, Conveyor: false, "Start light": false, "Stop light": true });
    expect(r.trace.changes.slice(0, 3)).toEqual([
      { t: 1000, tag: "Start", value: true },
      { t: 1000, tag: "Conveyor", value: true },
      { t: 1000, tag: "Start light", value: true },
    ]);
  });

  it("is deterministic: the same program and task give the same trace", async () => {
    const a = await runSource("sort-by-height", reference("sort-by-height"));
    const b = await runSource("sort-by-height", reference("sort-by-height"));
    expect(a).toEqual(b);
  });

  it("refuses a program that misses a task tag, listing the declarations the task needs", async () => {
    const program = jsProgram({ inputs: { Start: "BOOL" }, outputs: { Conveyor: "BOOL", Start_light: "BOOL", Stop_light: "BOOL" }, scan: () => {} });
    const r = await runTask({ program, task, plant: createBuiltinPlant(task.scene) });
    expect(r.status).toBe("interface-error");
    if (r.status !== "interface-error") return;
    expect(r.message).toContain('missing VAR_INPUT Stop : BOOL (tag "Stop")');
    expect(r.message).toContain('    Start_light : BOOL; (* "Start light" *)');
  });

  it("refuses a tag declared in the wrong section or with the wrong type, and unknown VAR_INPUTs", () => {
    const src = `PROGRAM P
VAR_INPUT
  Start : BOOL;
  Stop : INT;
  Conveyor : BOOL;
  Spare : BOOL;
END_VAR
VAR_OUTPUT
  start_light : BOOL;
  Stop_light : BOOL;
END_VAR
END_PROGRAM
`;
    const message = checkInterface(compileProgram(src, "p.st"), task)!;
    expect(message).toContain('Stop is INT (line 4); tag "Stop" is BOOL');
    expect(message).toContain('Conveyor is declared in VAR_INPUT (line 5); tag "Conveyor" is an output: declare it in VAR_OUTPUT');
    expect(message).toContain("VAR_INPUT Spare (line 6) is not a tag of this task");
    expect(message).not.toMatch(/  - .*start_light/i); // identifiers are case-insensitive: start_light matches
    expect(message.split("\n")[0]).toBe("p.st: the program's interface does not match task conveyor-start-stop:");
  });

  it("stops at a runtime error with its line and the simulated time", async () => {
    const src = reference("conveyor-start-stop").replace("Stop_light := NOT Conveyor;", "Stop_light := NOT Conveyor;\nIF Conveyor THEN\n  Zero := 10 / Zero;\nEND_IF;").replace("END_VAR\n\n", "END_VAR\nVAR\n  Zero : INT;\nEND_VAR\n\n");
    const line = src.split("\n").findIndex((l) => l.includes("10 / Zero")) + 1;
    const r = await runSource("conveyor-start-stop", src);
    expect(r).toMatchObject({ status: "runtime-error", line, atMs: 1000 }); // Start is pressed at 1 s
    if (r.status === "runtime-error") expect(r.message).toMatch(new RegExp(`^conveyor-start-stop\\.st:${line}:\\d+: runtime error: .*division by zero`));
  });

  it("passes program values to the plant: an INT program counter reaches the judge as a number", async () => {
    const count = loadTask("count-deliveries");
    let n = 0;
    const program = jsProgram({
      inputs: { At_exit: "BOOL", Reset: "BOOL" },
      outputs: { Conveyor: "BOOL", Emitter: "BOOL", Remover: "BOOL", Counter: "INT" },
      memory: () => ({ before: false }),
      scan: (v, _t, m) => {
        if (v.At_exit && !m.before) n++;
        if (v.Reset) n = 0;
        m.before = v.At_exit as boolean;
        Object.assign(v, { Conveyor: true, Emitter: true, Remover: true, Counter: n });
      },
    });
    const r = await runTask({ program, task: count, plant: createBuiltinPlant(count.scene) });
    expect(r.status).toBe("passed");
  });

  it("can be cancelled with an AbortSignal", async () => {
    const ac = new AbortController();
    ac.abort();
    const program = jsProgram({ ...io, scan: () => {} });
    await expect(runTask({ program, task, plant: createBuiltinPlant(task.scene), signal: ac.signal })).rejects.toThrow();
  });
});
