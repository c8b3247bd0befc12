/**
 * The learning loop against Factory I/O: the real Factory I/O plant adapter over HTTP to the
 * loopback fake of its Web API (test/fakes/factoryio.ts), with a stepped clock so no test waits,
 * and Claude through the loopback Messages API fake. The seal-in task at a 50 ms cycle.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { learnCommand } from "../../../worker/commands/learn.ts";
import { judgeWith } from "../../../worker/learn/judge-program.ts";
import { factoryIoPlantForTask } from "../../../worker/learn/plants/factoryio-config.ts";
import { ST_TOOL_NAME } from "../../../worker/learn/prompt.ts";
import { FakeAnthropic } from "../../fakes/anthropic.ts";
import { FakeFactoryIo } from "../../fakes/factoryio.ts";
import { StepClock } from "../factoryio/helpers.ts";
import { PROGRAMS, tempKb, testConfig } from "./helpers.ts";

let claude: FakeAnthropic;
let fio: FakeFactoryIo;

beforeEach(async () => {
  claude = await FakeAnthropic.start();
  claude.toolName = ST_TOOL_NAME;
  fio = new FakeFactoryIo({ tags: [["Start", "input"], ["Stop", "input", "bit", true], ["Conveyor", "output"]] });
});
afterEach(async () => {
  expect(claude.problems).toEqual([]);
  expect(fio.problems).toEqual([]);
  expect(fio.valueOf("FACTORY I/O (Run)")).toBe(false); // the scene is stopped after every round
  await fio.close();
  await claude.close();
});

describe("factory learn --plant factoryio", () => {
  it("feeds a violation seen on Factory I/O back and passes in round 2", async () => {
    const { kbDir, workDir } = await tempKb();
    const file = join(kbDir, "sim/seal-in-test.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), cycleMs: 50 }));
    const baseUrl = await fio.start();
    claude.replies.push({ kind: "script", input: { program: PROGRAMS.noSealIn } }, { kind: "script", input: { program: PROGRAMS.passing } });
    const lines: string[] = [];
    const r = await learnCommand(testConfig(workDir, { content: { model: claude.model } }), "seal-in-test", { rounds: 5, plant: "factoryio", kb: kbDir, json: false }, {
      env: { ANTHROPIC_API_KEY: claude.apiKey, ANTHROPIC_BASE_URL: claude.baseURL },
      sleep: async () => {},
      say: (l) => lines.push(l),
      makeJudge: (task, plant) => {
        expect(plant).toBe("factoryio");
        return judgeWith(task, {
          makePlant: () => factoryIoPlantForTask(task, { baseUrl, clock: new StepClock() }),
          fileName: (round) => `round-${round}.st`,
          plantName: `Factory I/O at ${baseUrl}`,
        });
      },
    });
    expect(r.error).toBeNull();
    expect(r.result).toMatchObject({ passed: true, passingRound: 2, plant: "factoryio" });
    expect(claude.requests[1]!.body.messages[0].content).toContain("criterion start-runs failed at t = 700 ms");
    expect(readFileSync(join(r.artifacts!, "trace-summary.txt"), "utf8")).toContain(`on Factory I/O at ${baseUrl}`);
    expect(fio.requestsTo("PUT /api/tag/values-force").length).toBeGreaterThan(0);
  });
});
