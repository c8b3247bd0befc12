import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SimTask } from "../../../shared/sim.ts";
import { LEARN_SYSTEM_PROMPT, buildRoundMessage, learnTool, scenarioLine } from "../../../worker/learn/prompt.ts";
import { feedbackOf } from "../../../worker/learn/loop.ts";
import { estimateTokens } from "../../fakes/anthropic.ts";
import { COMPILE_ERROR, EXCERPT, PROGRAMS, fixturesDir } from "./helpers.ts";

const task = SimTask.parse(JSON.parse(readFileSync(join(fixturesDir, "sim/seal-in-test.json"), "utf8")));

describe("the learning prompt", () => {
  it("carries the behaviour, the tag table with ST identifiers and sections, the scenario and every criterion", () => {
    const m = buildRoundMessage({ task, round: 1, maxRounds: 5, previous: null });
    expect(m).toContain(task.behaviour);
    expect(m).toContain("| Start | Start | VAR_INPUT | BOOL |");
    expect(m).toContain("| Conveyor | Conveyor | VAR_OUTPUT | BOOL |");
    expect(m).toContain("- 500 ms: press Start, released after 200 ms");
    expect(m).toContain("The run lasts 4 s with a scan every 10 ms.");
    for (const c of task.criteria) expect(m).toContain(`- ${c.id}: ${c.text}`);
  });

  it("maps tag names to identifiers as the task gives them", () => {
    const t = { ...task, tags: [{ name: "Transf. left", direction: "output" as const, type: "BOOL" as const, identifier: "Transf_left" }] };
    expect(buildRoundMessage({ task: t, round: 1, maxRounds: 5, previous: null })).toContain("| Transf. left | Transf_left | VAR_OUTPUT | BOOL |");
  });

  it("describes every scenario event kind in plain words", () => {
    expect(scenarioLine({ kind: "press", at: 1500, tag: "Emergency stop" })).toBe("- 1.5 s: press Emergency stop (it stays pressed until released)");
    expect(scenarioLine({ kind: "release", at: 2000, tag: "Emergency stop" })).toBe("- 2 s: release Emergency stop");
    expect(scenarioLine({ kind: "set", at: 0, tag: "Auto", value: true })).toBe("- 0 ms: set Auto to TRUE");
    expect(scenarioLine({ kind: "part", at: 100, part: "tall-box" })).toBe("- 100 ms: a part of type tall-box becomes available at the emitter");
    expect(scenarioLine({ kind: "disturbance", at: 5000, name: "outflow", value: 0.2 })).toBe("- 5 s: disturbance outflow becomes 0.2");
  });

  it("gives a compile error back verbatim with the previous program", () => {
    const m = buildRoundMessage({ task, round: 2, maxRounds: 5, previous: { program: PROGRAMS.compileError, feedback: feedbackOf({ kind: "compile-error", message: COMPILE_ERROR }) } });
    expect(m).toContain("Round 2 of 5.");
    expect(m).toContain(`<compile_errors>\n${COMPILE_ERROR}\n</compile_errors>`);
    expect(m).toContain(PROGRAMS.compileError.trim());
  });

  it("gives a violated criterion back with its time, the other results and the trace excerpt", () => {
    const criteria = [
      { id: "start-runs", text: "x", pass: false, atMs: 700 },
      { id: "stop-stops", text: "y", pass: true, atMs: null },
    ];
    const m = buildRoundMessage({
      task,
      round: 3,
      maxRounds: 5,
      previous: { program: PROGRAMS.noSealIn, feedback: feedbackOf({ kind: "fail", criteria, first: { id: "start-runs", text: task.criteria[0]!.text, atMs: 700, reason: "Conveyor fell", excerpt: EXCERPT } }) },
    });
    expect(m).toContain("criterion start-runs failed at t = 700 ms");
    expect(m).toContain("Criteria: start-runs FAIL, stop-stops pass");
    expect(m).toContain(`<trace>\n${EXCERPT}\n</trace>`);
    expect(m).toContain("Why: Conveyor fell");
  });

  it("stays small: the per-round message under 1,500 tokens, the cached prefix under 2,500", () => {
    const first = estimateTokens(buildRoundMessage({ task, round: 1, maxRounds: 5, previous: null }));
    const prefix = estimateTokens(JSON.stringify([learnTool()]) + LEARN_SYSTEM_PROMPT);
    expect(first).toBeLessThan(1500);
    expect(prefix).toBeLessThan(2500);
  });
});

describe("the ST rules in the system prompt", () => {
  it("describe only what the engine compiles: a program using every construct they name compiles", async () => {
    const { compileProgram } = await import("../../../worker/learn/st/index.ts");
    const source = `PROGRAM Everything
VAR_INPUT
  Sensor : BOOL;
END_VAR
VAR_OUTPUT
  Motor : BOOL;
  Count : INT;
END_VAR
VAR
  a, b : BOOL;
  n : INT := 3;
  d : DINT;
  r : REAL := 1.0E3;
  t : TIME := T#1s500ms;
  i : INT;
  tDelay : TON; tOff : TOF; tPulse : TP; up : R_TRIG; down : F_TRIG;
  cu : CTU; cd : CTD; cud : CTUD; sr1 : SR; rs1 : RS;
END_VAR
// line comment
(* block comment *)
tDelay(IN := Sensor, PT := T#2s);
tOff(IN := Sensor, PT := TIME#5s);
tPulse(IN := Sensor, PT := T#2m);
up(CLK := Sensor); down(CLK := Sensor);
cu(CU := up.Q, R := down.Q, PV := 5); cd(CD := up.Q, LD := FALSE, PV := 5);
cud(CU := up.Q, CD := down.Q, R := FALSE, LD := FALSE, PV := 5);
sr1(SET1 := Sensor, RESET := a); rs1(SET := Sensor, RESET1 := b);
a := NOT Sensor & tDelay.Q OR b XOR sr1.Q1 AND rs1.Q1;
n := (n + 2 * 3 - 1) / 2 MOD 4;
d := n;
r := INT_TO_REAL(n) ** 2.0 + ABS(-3.5) + SQRT(4.0) + EXPT(2.0, 3.0) + MIN(1.0, 2.0) + MAX(1.0, 2.0) + LIMIT(0.0, r, 10.0) + SEL(a, 1.0, 2.0) + TRUNC(2.5);
t := t + T#100ms - T#50ms;
t := t * 2;
t := t / 2;
IF n > 2 THEN Motor := TRUE; ELSIF n <= 1 THEN Motor := FALSE; ELSE Motor := a; END_IF;
CASE n OF 1: Count := 1; 2, 3: Count := 2; 4..6: Count := REAL_TO_INT(r); ELSE Count := cu.CV; END_CASE;
FOR i := 1 TO 10 BY 1 DO IF i = 5 THEN EXIT; END_IF; END_FOR;
WHILE i > 0 DO i := i - 1; END_WHILE;
REPEAT i := i + 1; UNTIL i >= 3 END_REPEAT;
IF cud.QU OR cud.QD OR cd.Q OR tOff.Q OR tPulse.Q OR (tDelay.ET > T#0s) OR (t <> T#0s) OR (d = 0) THEN RETURN; END_IF;
END_PROGRAM
`;
    expect(() => compileProgram(source, "everything.st")).not.toThrow();
  });
});
