import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger } from "../../worker/ledger.ts";
import { defaultKbLoader, runPipeline } from "../../worker/pipeline/runner.ts";
import type { Logger } from "../../worker/pipeline/types.ts";
import { contentStage } from "../../worker/steps/content-stage.ts";
import { summariseUsage } from "../../worker/commands/usage.ts";
import { FakeAnthropic } from "../fakes/anthropic.ts";
import { repoDir } from "./helpers.ts";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await FakeAnthropic.start();
});
afterEach(async () => {
  expect(fake.problems).toEqual([]);
  await fake.close();
});

/** A copy of the repository's kb/ in a temp "checkout", plus a work dir and a ledger. */
async function setup() {
  const repo = await mkdtemp(join(tmpdir(), "content-repo-"));
  await cp(join(repoDir, "kb"), join(repo, "kb"), { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), "content-work-"));
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  const env = { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL };
  const run = () =>
    runPipeline({
      job: null,
      snapshot: { dir: repo, sha: null, repository: "local", branch: "main", changes: null },
      stages: [contentStage({ env, sleep: async () => {} })],
      ledger,
      settings: { content: { model: fake.model } },
      workDir,
      loadKb: defaultKbLoader,
      log: silent,
      signal: new AbortController().signal,
    });
  return { repo, ledger, run };
}

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
