import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { summariseUsage } from "../../worker/commands/usage.ts";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { contentPipeline } from "./helpers.ts";

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await FakeAnthropic.start();
});
afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

const setup = () => contentPipeline(fake);

describe("content stage in the real runner and ledger", () => {
  it("writes every script once; the same push again costs 0 requests and 0 tokens", async () => {
    const { ledger, run } = await setup();
    const first = await run();
    expect(first.kind).toBe("completed");
    const atoms = first.result.ran;
    expect(atoms).toBeGreaterThanOrEqual(20);
    expect(fake.requests).toHaveLength(atoms);

    const second = await run();
    expect(second.result).toMatchObject({ ran: 0, skipped: atoms });
    expect(fake.requests).toHaveLength(atoms); // not one more request
    const [usage] = summariseUsage(ledger.listStepRuns({ kind: "write-script" }));
    expect(usage).toMatchObject({ model: fake.model, scripts: atoms });
    ledger.close();
  });

  it("after a push that changes one atom's summary, rewrites it and only the atoms that list it as a prerequisite", async () => {
    const { repo, ledger, run } = await setup();
    await run();
    const before = fake.requests.length;
    const file = join(repo, "kb/atoms/ton-timer.json");
    const atom = JSON.parse(await readFile(file, "utf8"));
    atom.summary = "A TON timer turns on only after its input has stayed true for the whole preset time.";
    await writeFile(file, JSON.stringify(atom, null, 2));
    const after = await run();
    expect(after.result.steps.filter((s) => s.status === "ran").map((s) => s.key).sort()).toEqual(["script:tof-timer", "script:ton-timer"]);
    expect(fake.requests.length - before).toBe(2);
    ledger.close();
  });

  it("fails the job, not retryable, with the validator's report when the pushed knowledge base is broken", async () => {
    const { repo, ledger, run } = await setup();
    await writeFile(join(repo, "kb/atoms/ohms-law.json"), '{ "id": "ohms-law", }');
    const out = await run();
    expect(out).toMatchObject({ kind: "failed", retryable: false });
    expect(out.kind === "failed" && out.error).toContain("kb/atoms/ohms-law.json $: invalid JSON at line 1, column 21");
    expect(fake.requests).toHaveLength(0);
    ledger.close();
  });
});
