import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { stRun } from "../../../worker/commands/st.ts";

const CLI = resolve("bin/factory.mjs");
const dir = mkdtempSync(join(tmpdir(), "st-cli-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const GOOD = write(
  "good.st",
  `PROGRAM Good
VAR_INPUT Start : BOOL; Limit : INT; END_VAR
VAR_OUTPUT Motor : BOOL; Delay : TIME := T#1s; END_VAR
VAR n : INT; END_VAR
Motor := Start;
IF Start THEN Delay := T#250ms; n := Limit; END_IF;
END_PROGRAM
`,
);
const BROKEN = write("broken.st", "PROGRAM Broken\nVAR x : BOOL; END_VAR\nx := 1;\ny := x;\nEND_PROGRAM\n");
const CRASHING = write("crash.st", "PROGRAM Crash\nVAR a, b : INT; END_VAR\na := 10 / b;\nEND_PROGRAM\n");

const factory = (...args: string[]) => spawnSync(process.execPath, [CLI, "st", "run", ...args], { encoding: "utf8", timeout: 60_000 });

describe("factory st run (process)", () => {
  it("prints {initial, final, changes} as JSON and exits 0", () => {
    const r = factory(GOOD, "--cycle", "10ms", "--for", "T#100ms", "--set", "Start=TRUE@25ms", "--set", "Limit=7@0", "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      initial: { Motor: false, Delay: 1000, n: 0 },
      final: { Motor: true, Delay: 250, n: 7 },
      changes: [
        { t: 30, var: "Motor", value: true },
        { t: 30, var: "Delay", value: 250 },
        { t: 30, var: "n", value: 7 },
      ],
    });
  });
  it("exits 2 with every compile error on stderr, named by the file as given", () => {
    const r = factory(BROKEN);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      `${BROKEN}:3:6: error: type mismatch: "x" is BOOL, the value is an integer constant (write TRUE or FALSE)`,
      `${BROKEN}:4:1: error: undeclared variable "y"`,
    ]);
  });
  it("exits 3 on a runtime error with its position", () => {
    const r = factory(CRASHING, "--for", "1s");
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toBe(`${CRASHING}:3:9: runtime error: division by zero (in the scan at 0 ms)`);
  });
  it("exits 2 on an unknown flag", () => {
    expect(factory(GOOD, "--bogus").status).toBe(2);
  });
});

describe("factory st run (in process)", () => {
  const capture = async (file: string, flags: Parameters<typeof stRun>[1]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await stRun(file, flags, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };
  it("prints a readable list of input sets and changes in time order", async () => {
    const r = await capture(GOOD, { for: "60ms", set: ["Start=TRUE@25ms"] });
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      `PROGRAM Good (${GOOD}): 6 scans of 10 ms, t = 0 ms to 50 ms`,
      "initial: Motor = FALSE, Delay = T#1s, n = 0",
      "     25 ms  set Start = TRUE",
      "     30 ms  Motor = TRUE",
      "     30 ms  Delay = T#250ms",
      "final: Motor = TRUE, Delay = T#250ms, n = 0",
    ]);
  });
  it("refuses bad flag values with a clear message and exit 2", async () => {
    const cases: [Parameters<typeof stRun>[1], string][] = [
      [{ cycle: "10" }, 'factory st run: --cycle 10: "10" is not a duration: write numbers with units d, h, m, s, ms (e.g. 1s500ms, 2m, 1.5s) (give a unit: 10ms or 10s)'],
      [{ cycle: "0ms" }, "factory st run: --cycle 0ms: the cycle must be longer than 0 ms"],
      [{ set: ["Start"] }, "factory st run: --set Start: expected NAME=VALUE@TIME, e.g. --set Start=TRUE@100ms"],
      [{ set: ["Motor=TRUE@1s"] }, 'factory st run: --set Motor=TRUE@1s: "Motor" is not a VAR_INPUT of Good (its inputs: Start, Limit)'],
      [{ set: ["Start=yes@1s"] }, "factory st run: --set Start=yes@1s: Start is BOOL, so the value must be TRUE or FALSE"],
      [{ set: ["Limit=40000"] }, "factory st run: --set Limit=40000: Limit is INT, so the value must be an integer in -32768..32767"],
    ];
    for (const [flags, message] of cases) {
      const r = await capture(GOOD, flags);
      expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: [message] });
    }
  });
  it("exits 2 when the file cannot be read", async () => {
    const r = await capture(join(dir, "missing.st"), {});
    expect(r).toMatchObject({ code: 2, err: [`factory st run: cannot read ${join(dir, "missing.st")}: no such file`] });
  });
});
