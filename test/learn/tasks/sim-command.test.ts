import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SIM_EXIT, simRun, simScenes } from "../../../worker/commands/sim.ts";
import { reference, variant } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "../../..");
const KB = join(ROOT, "kb");

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (l: string) => out.push(l), e: (l: string) => err.push(l) };
}

async function programFile(source: string, name = "program.st"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sim-run-"));
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
}

describe("factory sim run", () => {
  it("exits 0 and lists every criterion as passed for a passing program", async () => {
    const c = capture();
    const code = await simRun(await programFile(reference("conveyor-start-stop")), { task: "conveyor-start-stop", kb: KB }, c.o, c.e);
    expect(code).toBe(SIM_EXIT.passed);
    expect(c.out[0]).toBe("Task conveyor-start-stop (Start and stop a conveyor with a seal-in) on the built-in plant: 1400 scans, 14.0 s simulated");
    expect(c.out.at(-1)).toBe("All 5 criteria passed.");
  });

  it("exits 1 and prints the first violated criterion with the trace around it", async () => {
    const c = capture();
    const src = variant("conveyor-start-stop", [["Conveyor := (Start OR Conveyor) AND Stop;", "Conveyor := Start AND Stop;"]]);
    const code = await simRun(await programFile(src), { task: "conveyor-start-stop", kb: KB }, c.o, c.e);
    expect(code).toBe(SIM_EXIT.failed);
    const text = c.out.join("\n");
    expect(text).toContain("  FAIL  start-seals-in at 1300 ms: Conveyor became false at 1.30 s");
    expect(text).toContain("criterion start-seals-in failed at 1300 ms: Whenever Start is pressed, Conveyor runs within 100 ms");
    expect(text).toContain(">>   1300 |     0 |        0 |    1");
  });

  it("prints the verdict as JSON with --json", async () => {
    const c = capture();
    const code = await simRun(await programFile(reference("tank-fill-to-level")), { task: "tank-fill-to-level", kb: KB, json: true }, c.o, c.e);
    expect(code).toBe(SIM_EXIT.passed);
    const v = JSON.parse(c.out.join("\n"));
    expect(v).toMatchObject({ task: "tank-fill-to-level", plant: "builtin", status: "passed", pass: true, firstFailure: null, scans: 4200, simulatedMs: 42_000 });
    expect(v.criteria).toHaveLength(6);
  });

  it("exits 2 with the compiler's diagnostics for a program that does not compile", async () => {
    const c = capture();
    const file = await programFile("PROGRAM P\nVAR_INPUT\n  Start : BOOL\nEND_VAR\nEND_PROGRAM\n", "broken.st");
    expect(await simRun(file, { task: "conveyor-start-stop", kb: KB }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(c.err.join("\n")).toMatch(/broken\.st:\d+:\d+: error: /);
  });

  it("exits 2 for an unknown task, listing the known ones", async () => {
    const c = capture();
    expect(await simRun(await programFile(reference("conveyor-start-stop")), { task: "conveyor-go", kb: KB }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(c.err.join("\n")).toMatch(/no task "conveyor-go".*conveyor-start-stop/s);
  });

  it("exits 2 when the program's declarations do not match the task's tags", async () => {
    const c = capture();
    expect(await simRun(await programFile(reference("conveyor-start-stop")), { task: "conveyor-deliver-parts", kb: KB }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(c.err.join("\n")).toContain("missing VAR_OUTPUT Emitter : BOOL");
  });

  it("exits 2 for a missing program file, a missing --task and an unknown plant", async () => {
    const c = capture();
    expect(await simRun(join(tmpdir(), "no-such-program.st"), { task: "conveyor-start-stop", kb: KB }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(await simRun("x.st", { kb: KB }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(await simRun("x.st", { task: "conveyor-start-stop", plant: "plc-sim", kb: KB }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(c.err).toEqual([
      expect.stringMatching(/no-such-program\.st: no such file$/),
      "give the task: --task <id> (the file name kb/sim/<id>.json without .json)",
      '--plant must be builtin or factoryio, not "plc-sim"',
    ]);
  });

  it("exits 3 for a runtime error, with its line", async () => {
    const c = capture();
    const src = reference("conveyor-start-stop")
      .replace("END_VAR\n\n", "END_VAR\nVAR\n  Zero : INT;\nEND_VAR\n\n")
      .replace("Stop_light := NOT Conveyor;", "Stop_light := NOT Conveyor;\nIF Start THEN\n  Zero := 1 / Zero;\nEND_IF;");
    expect(await simRun(await programFile(src, "div.st"), { task: "conveyor-start-stop", kb: KB }, c.o, c.e)).toBe(SIM_EXIT.runtimeError);
    expect(c.err.join("\n")).toMatch(/div\.st:\d+:\d+: runtime error: .*\n\(at 1000 ms of simulated time/);
  });
});

describe("factory sim with --plant factoryio and nothing listening", () => {
  // Port 1 on loopback: nothing listens, so the connection is refused at once.
  const env = { FACTORY_IO_URL: "http://127.0.0.1:1" };

  it("sim scenes exits 2 with a clear message", async () => {
    const c = capture();
    expect(await simScenes({ plant: "factoryio", env }, c.o, c.e)).toBe(SIM_EXIT.badInput);
    expect(c.err).toEqual([expect.stringMatching(/^cannot list Factory I\/O's tags: .*127\.0\.0\.1:1/)]);
  });

  it("sim run exits 2 without judging anything", async () => {
    const c = capture();
    const code = await simRun(await programFile(reference("conveyor-start-stop")), { task: "conveyor-start-stop", kb: KB, plant: "factoryio", env }, c.o, c.e);
    expect(code).toBe(SIM_EXIT.badInput);
    expect(c.out).toEqual([]);
    expect(c.err.join("\n")).toMatch(/^cannot run against Factory I\/O: Nothing answers/);
  });
});

describe("factory sim scenes", () => {
  it("lists the built-in scenes with every tag's direction, type and identifier", async () => {
    const c = capture();
    expect(await simScenes({}, c.o, c.e)).toBe(0);
    expect(c.out).toContain("sorting-by-height-basic: Sorting by Height (Basic) (parts: small-box, tall-box)");
    expect(c.out).toContain("  output BOOL Transf. left    Transf_left");
    expect(c.out).toContainEqual(expect.stringMatching(/^  input  REAL Level meter +Level_meter$/));
  });

  it("prints JSON with --json", async () => {
    const c = capture();
    await simScenes({ json: true }, c.o, c.e);
    const scenes = JSON.parse(c.out.join("\n"));
    expect(scenes.map((s: { id: string }) => s.id)).toEqual(["from-a-to-b", "sorting-by-height-basic", "level-control"]);
    expect(scenes[1].tags).toContainEqual({ name: "Emergency stop", direction: "input", type: "BOOL", identifier: "Emergency_stop" });
    expect(scenes[1].tags).toContainEqual({ name: "Counter", direction: "output", type: "INT", identifier: "Counter" });
  });

  it("is wired into the factory CLI with its exit codes", async () => {
    const file = await programFile(variant("conveyor-start-stop", [["AND Stop;", "AND NOT Stop;"]]));
    const run = promisify(execFile);
    const r = await run(process.execPath, [join(ROOT, "bin/factory.mjs"), "sim", "run", file, "--task", "conveyor-start-stop", "--kb", KB], { cwd: ROOT }).catch((e) => e);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("criterion start-seals-in failed");
  });
});
