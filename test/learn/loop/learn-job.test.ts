/**
 * The learning agent in the worker: a `factory.learn` dispatch is routed to it (not to the sync
 * pipeline), and a push that adds or changes a task under kb/sim/ learns that task in the learn
 * stage. Real git (a bare "upstream"), the real runner and ledger, the real ST engine and plant;
 * the Messages API is the loopback fake.
 */
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DISPATCH_PREFIX, LEARN_JOB_TYPE, SYNC_JOB_TYPE, type Job } from "../../../shared/jobs.ts";
import { createJobHandler } from "../../../worker/commands/worker.ts";
import { loadConfig } from "../../../worker/config.ts";
import { Ledger } from "../../../worker/ledger.ts";
import { ST_TOOL_NAME } from "../../../worker/learn/prompt.ts";
import type { JobControl } from "../../../worker/loop.ts";
import { silentLogger } from "../../../worker/log.ts";
import { changedTaskIds, learnStage } from "../../../worker/steps/learn-stage.ts";
import { FakeAnthropic } from "../../fakes/anthropic.ts";
import { createTestRepo, git, type TestRepo } from "../../helpers/git.ts";
import { PROGRAMS, fixturesDir } from "./helpers.ts";

const NOW = Date.parse("2026-12-01T20:00:00Z");
const clock = { now: () => NOW, sleep: async () => {} };
const task = readFileSync(join(fixturesDir, "sim/seal-in-test.json"), "utf8");
const reference = readFileSync(join(fixturesDir, "sim/seal-in-test.st"), "utf8");

let fake: FakeAnthropic;
let repo: TestRepo;
let workDir: string;
let ledger: Ledger;

function job(type: string, payload: Record<string, unknown>, id = "job-1"): Job {
  return { id, type, state: "leased", payload, dedupeKey: null, attempts: 1, maxAttempts: 5, runAt: NOW, createdAt: NOW, updatedAt: NOW, lastError: null, leasedBy: "home", leaseExpiresAt: NOW + 60_000 };
}

const dispatch = (clientPayload: Record<string, unknown>) =>
  job(LEARN_JOB_TYPE, { trigger: "dispatch", repository: "owner/kb", cloneUrl: repo.bare, branch: "main", eventType: LEARN_JOB_TYPE, clientPayload, deliveryIds: ["d1"], receivedAt: NOW });

const push = (after: string, changes: { added?: string[]; modified?: string[] }) =>
  job(SYNC_JOB_TYPE, {
    trigger: "push", repository: "owner/kb", cloneUrl: repo.bare, ref: "refs/heads/main", branch: "main", before: null, after, pusher: "me",
    changes: { added: changes.added ?? [], modified: changes.modified ?? [], removed: [] }, deliveryIds: ["d2"], receivedAt: NOW,
  });

function control(): JobControl {
  return { signal: new AbortController().signal, stopAtBoundary: new AbortController().signal, progress() {}, log: silentLogger };
}

function handler(env: Record<string, string | undefined>, settings: Record<string, unknown> = {}) {
  const config = loadConfig({ env: { WORK_DIR: workDir }, cwd: workDir });
  config.settings = { content: { model: fake.model }, ...settings };
  const deps = { env, sleep: async () => {} };
  // The push tests' repository holds tasks only: no lesson atoms to load.
  const handle = createJobHandler(config, ledger, { log: silentLogger, clock, stages: [learnStage(deps)], learn: deps, loadKb: async () => ({ kb: null, problems: null }) });
  return (j: Job) => handle({ job: j, lease: { token: "t".repeat(20), expiresAt: NOW + 60_000 } }, control());
}

beforeEach(async () => {
  fake = await FakeAnthropic.start();
  fake.toolName = ST_TOOL_NAME;
  repo = createTestRepo(undefined, { files: { "kb/sim/seal-in-test.json": task, "kb/sim/seal-in-test.st": reference, "README.md": "kb\n" } });
  workDir = await mkdtemp(join(tmpdir(), "learn-job-"));
  ledger = Ledger.open(join(workDir, "ledger.sqlite"));
});
afterEach(async () => {
  ledger.close();
  expect(fake.problems).toEqual([]);
  await fake.close();
});

describe("the factory.learn job", () => {
  it("is routed to the learning agent: sync, read the task at the branch head, learn it", async () => {
    const run = handler({ ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL });
    fake.replies.push({ kind: "script", input: { program: PROGRAMS.noSealIn } }, { kind: "script", input: { program: PROGRAMS.passing } });
    const outcome = await run(dispatch({ task: "seal-in-test", rounds: 3 }));
    expect(outcome.kind, JSON.stringify(outcome)).toBe("completed");
    if (outcome.kind !== "completed") return;
    expect(outcome.result.sha).toBe(repo.head());
    expect(outcome.result.steps.map((s) => [s.key, s.status])).toEqual([["sim:seal-in-test", "ran"], ["learn:seal-in-test", "ran"]]);
    expect(outcome.result.steps[1]!.note).toMatch(/^seal-in-test: passed every criterion in round 2 of 3 \(claude-sonnet-4-6/);
    expect(fake.requests).toHaveLength(2);

    // The same request again: the task is unchanged, so nothing is asked.
    const again = await run(dispatch({ task: "seal-in-test", rounds: 3 }));
    expect(again.kind).toBe("completed");
    if (again.kind === "completed") expect(again.result.steps.find((s) => s.key === "learn:seal-in-test")?.status).toBe("skipped");
    expect(fake.requests).toHaveLength(2);
  });

  it("checks the reference solution when no key is set, and says no model was asked", async () => {
    const outcome = await handler({})(dispatch({ task: "seal-in-test" }));
    expect(outcome.kind).toBe("completed");
    if (outcome.kind === "completed") expect(outcome.result.steps[1]!.note).toBe("seal-in-test: passed every criterion in round 1 of 1 (reference solution (no model was asked))");
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a malformed request without retrying, saying what to send", async () => {
    const outcome = await handler({})(dispatch({ rounds: 3 }));
    expect(outcome).toMatchObject({ kind: "failed", retryable: false });
    if (outcome.kind === "failed") expect(outcome.error).toContain('client_payload {"task": "<id of kb/sim/<id>.json>", "rounds": 5}');
  });

  it("fails clearly for a task the repository does not have", async () => {
    const outcome = await handler({})(dispatch({ task: "no-such-task" }));
    expect(outcome).toMatchObject({ kind: "failed", retryable: false });
    if (outcome.kind === "failed") expect(outcome.error).toContain('no task "no-such-task"');
    expect(DISPATCH_PREFIX).toBe("factory.");
  });
});

describe("the learn stage of a push", () => {
  it("learns the tasks a push adds or changes, and none when the push touches no task", async () => {
    const run = handler({});
    const first = await run(push(repo.head(), { added: ["kb/sim/seal-in-test.json", "kb/sim/seal-in-test.st", "README.md"] }));
    expect(first.kind).toBe("completed");
    if (first.kind === "completed") expect(first.result.steps.map((s) => s.key)).toEqual(["sim:seal-in-test", "learn:seal-in-test"]);

    const readme = repo.commitAndPush({ "README.md": "kb, edited\n" });
    const second = await run(push(readme, { modified: ["README.md"] }));
    expect(second.kind).toBe("completed");
    if (second.kind === "completed") expect(second.result.steps).toEqual([]);
  });

  it("commits the program Claude wrote and the judge passed to the write-back branch as kb/sim/<id>.solution.st", async () => {
    const settings = { publish: { writeback: { enabled: true } } };
    // Without a key only the reference is checked: nothing learnt, nothing written back.
    const offline = await handler({}, settings)(push(repo.head(), { added: ["kb/sim/seal-in-test.json"] }));
    expect(offline.kind, JSON.stringify(offline)).toBe("completed");
    expect(() => git(repo.bare, "rev-parse", "--verify", "-q", "refs/heads/factory/scripts")).toThrow();

    fake.replies.push({ kind: "script", input: { program: PROGRAMS.passing } });
    const run = handler({ ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL }, settings);
    const outcome = await run(push(repo.head(), { added: ["kb/sim/seal-in-test.json"] }));
    expect(outcome.kind, JSON.stringify(outcome)).toBe("completed");
    expect(git(repo.bare, "show", "factory/scripts:kb/sim/seal-in-test.solution.st")).toBe(PROGRAMS.passing.trim());
    expect(git(repo.bare, "log", "-1", "--format=%s", "factory/scripts")).toBe("factory: add the learnt control program for seal-in-test");
  });

  it("picks task ids from the changed paths, not solutions or removed tasks", () => {
    expect(
      changedTaskIds({
        added: ["kb/sim/a-task.json", "kb/sim/b.st", "kb/sim/c.solution.st", "kb/atoms/x.json", "kb/sim/index.json"],
        modified: ["kb/sim/d.st"],
        removed: ["kb/sim/d.json"],
      }),
    ).toEqual(["a-task", "b"]);
  });
});
