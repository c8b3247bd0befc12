import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { SimTask } from "../../../shared/sim.ts";
import { factoryIoPlantForTask } from "../../../worker/learn/plants/factoryio-config.ts";
import { runTask } from "../../../worker/learn/run-task.ts";
import { compileProgram } from "../../../worker/learn/st/index.ts";
import { FakeFactoryIo } from "../../fakes/factoryio.ts";
import { StepClock } from "./helpers.ts";

/** "From A to B" as the built-in scene names its tags; Stop and Emergency stop are normally closed. */
const fromAToB = () =>
  new FakeFactoryIo({
    tags: [
      ["At entry", "input"],
      ["At exit", "input"],
      ["Start", "input"],
      ["Stop", "input", "bit", true],
      ["Reset", "input"],
      ["Emergency stop", "input", "bit", true],
      ["Conveyor", "output"],
      ["Emitter", "output"],
      ["Remover", "output"],
      ["Start light", "output"],
      ["Stop light", "output"],
      ["Reset light", "output"],
      ["Counter", "output", "int", 0],
    ],
  });

// The knowledge base's own task, at a 50 ms cycle so the run takes 280 scans against the fake.
const task = SimTask.parse({ ...JSON.parse(readFileSync("kb/sim/conveyor-start-stop.json", "utf8")), cycleMs: 50 });
const reference = readFileSync("kb/sim/conveyor-start-stop.st", "utf8");

let fake: FakeFactoryIo;
afterEach(async () => {
  expect(fake.problems).toEqual([]);
  expect(fake.forcedTags()).toEqual([]);
  expect(fake.valueOf("FACTORY I/O (Run)")).toBe(false);
  await fake.close();
});

describe("Factory I/O plant under runTask", () => {
  it("runs the reference solution of conveyor-start-stop against the fake, and every criterion passes", async () => {
    fake = fromAToB();
    const plant = factoryIoPlantForTask(task, { baseUrl: await fake.start(), clock: new StepClock() });
    const result = await runTask({ program: compileProgram(reference, "conveyor-start-stop.st"), task, plant });
    expect(result.status).toBe("passed");
    if (result.status !== "passed") return;
    expect(result.trace.times).toHaveLength(280);
    // Start pressed at 1000 ms, held 300 ms: forced TRUE, then released.
    expect(result.trace.changes).toContainEqual({ t: 1000, tag: "Start", value: true });
    expect(result.trace.changes).toContainEqual({ t: 1300, tag: "Start", value: false });
    expect(result.trace.changes).toContainEqual({ t: 4000, tag: "Stop", value: false });
    expect(fake.requestsTo("PUT /api/tag/values-force")).toHaveLength(6);
  });

  it("fails a program without the seal-in on the criterion it breaks", async () => {
    fake = new FakeFactoryIo({ tags: [["Start", "input"], ["Stop", "input", "bit", true], ["Conveyor", "output"], ["Start light", "output"], ["Stop light", "output"]] });
    const plant = factoryIoPlantForTask(task, { baseUrl: await fake.start(), clock: new StepClock() });
    const noSealIn = reference.replace("Conveyor := (Start OR Conveyor) AND Stop;", "Conveyor := Start AND Stop;");
    const short = SimTask.parse({ ...task, durationMs: 2_000, scenario: task.scenario.slice(0, 1) });
    const result = await runTask({ program: compileProgram(noSealIn, "no-seal-in.st"), task: short, plant });
    expect(result.status).toBe("failed");
    if (result.status !== "failed") return;
    expect(result.verdict.criteria.find((c) => c.id === "start-seals-in")).toMatchObject({ pass: false });
  });
});
