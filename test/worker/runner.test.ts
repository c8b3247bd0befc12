import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { defaultKbLoader, runPipeline, type RunPipelineOptions } from "../../worker/pipeline/runner.ts";
import type { Stage } from "../../worker/pipeline/types.ts";
import { createTestRepo, type TestRepo } from "../helpers/git.ts";
import { echoStage, editedAtom, kbFiles, type EchoBehaviour } from "./test-stages.ts";

function setup(files: Record<string, string> = kbFiles()) {
  const repo = createTestRepo(undefined, { files });
  const workDir = mkdtempSync(join(tmpdir(), "factory-runner-"));
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  return { repo, workDir, ledger };
}

function run(s: { repo: TestRepo; workDir: string; ledger: Ledger }, stages: Stage[], extra: Partial<RunPipelineOptions> = {}) {
  return runPipeline({
    job: null,
    snapshot: { dir: s.repo.work, sha: s.repo.head(), repository: "me/kb", branch: "main", changes: null },
    stages,
    ledger: s.ledger,
    settings: {},
    workDir: s.workDir,
    loadKb: defaultKbLoader,
    log: silentLogger,
    signal: new AbortController().signal,
    ...extra,
  });
}

describe("runPipeline", () => {
  it("runs every step on a first run, writes its artifacts and reports what it produced", async () => {
    const s = setup();
    const ran: string[] = [];
    const out = await run(s, [echoStage({ ran })]);
    expect(out.kind).toBe("completed");
    expect(ran).toEqual(["echo:lockout-tagout", "echo:ohms-law", "echo:what-is-a-plc", "combine"]);
    expect(out.result).toMatchObject({ ran: 4, skipped: 0, sha: s.repo.head() });
    expect(out.result.produced).toContain("combined.txt");
    expect(out.result.produced).toContain("fakeId=combined-3");
    expect(readFileSync(join(s.workDir, "artifacts", "combined.txt"), "utf8")).toContain("Ohm");
    expect(s.ledger.listStepRuns({ repository: "me/kb" }).every((r) => r.state === "done")).toBe(true);
  });

  it("skips every unchanged step on a second run and reuses its output", async () => {
    const s = setup();
    await run(s, [echoStage()]);
    const ran: string[] = [];
    const out = await run(s, [echoStage({ ran })]);
    expect(ran).toEqual([]);
    expect(out.result).toMatchObject({ ran: 0, skipped: 4 });
    expect(out.result.steps.every((x) => x.status === "skipped")).toBe(true);
  });

  it("makes a finished step again when its output files were deleted, and skips the rest", async () => {
    const s = setup();
    await run(s, [echoStage()]);
    rmSync(join(s.workDir, "artifacts", "echo", "ohms-law.txt"));
    const ran: string[] = [];
    const out = await run(s, [echoStage({ ran })]);
    expect(ran).toEqual(["echo:ohms-law"]);
    expect(out.result).toMatchObject({ ran: 1, skipped: 3 });
    expect(existsSync(join(s.workDir, "artifacts", "echo", "ohms-law.txt"))).toBe(true);
  });

  it("reruns only the edited atom's step and the step that reads it", async () => {
    const s = setup();
    await run(s, [echoStage()]);
    s.repo.commit(editedAtom("ohms-law", "One more paragraph about resistance."));
    const ran: string[] = [];
    const out = await run(s, [echoStage({ ran })]);
    expect(ran).toEqual(["echo:ohms-law", "combine"]);
    expect(out.result).toMatchObject({ ran: 2, skipped: 2 });
  });

  it("fails non-retryably with the knowledge base's own report when it has problems", async () => {
    const s = setup({ ...kbFiles(["ohms-law"]), "kb/atoms/broken.json": "{ not json" });
    const ran: string[] = [];
    const out = await run(s, [echoStage({ ran })]);
    expect(out.kind).toBe("failed");
    if (out.kind !== "failed") return;
    expect(out.retryable).toBe(false);
    expect(out.error).toContain("kb/atoms/broken.json");
    expect(ran).toEqual([]);
  });

  it("stops at the failing step, keeps what finished, and resumes there next time", async () => {
    const s = setup();
    const out = await run(s, [echoStage({ failKey: { key: "echo:ohms-law", retryable: false } })]);
    expect(out.kind).toBe("failed");
    if (out.kind === "failed") {
      expect(out.retryable).toBe(false);
      expect(out.error).toContain("step echo:ohms-law");
      expect(out.result.steps.map((x) => `${x.key}:${x.status}`)).toEqual(["echo:lockout-tagout:ran", "echo:ohms-law:failed"]);
    }
    const ran: string[] = [];
    const again = await run(s, [echoStage({ ran })]);
    expect(again.kind).toBe("completed");
    expect(ran).toEqual(["echo:ohms-law", "echo:what-is-a-plc", "combine"]);
  });

  it("hands a step the values it recorded before it failed, on the next attempt", async () => {
    const s = setup();
    const b: EchoBehaviour = { recordThenFail: { key: "combine", name: "uploadSession", value: "https://upload/1" } };
    const first = await run(s, [echoStage(b)]);
    expect(first.kind === "failed" && first.retryable).toBe(true);
    let seen: Record<string, string> = {};
    const spy: Stage = {
      name: "spy",
      plan: (input) =>
        echoStage(b)
          .plan(input)
          .map((st) => (st.key === "combine" ? { ...st, run: async (ctx) => ((seen = { ...ctx.recorded }), st.run(ctx)) } : st)),
    };
    const second = await run(s, [spy]);
    expect(second.kind).toBe("completed");
    expect(seen).toEqual({ uploadSession: "https://upload/1" });
  });

  it("starts no further step once the soft stop is set, and the next run resumes at the first unfinished step", async () => {
    const s = setup();
    const soft = new AbortController();
    const ran: string[] = [];
    const stage: Stage = {
      name: "s",
      plan: (input) =>
        echoStage({ ran })
          .plan(input)
          .map((st) => ({ ...st, run: async (ctx) => { const o = await st.run(ctx); soft.abort(new Error("shutting down")); return o; } })),
    };
    const out = await run(s, [stage], { stopAtBoundary: soft.signal });
    expect(out).toMatchObject({ kind: "stopped", reason: "shutting down" });
    expect(ran).toEqual(["echo:lockout-tagout"]);
    const ran2: string[] = [];
    await run(s, [echoStage({ ran: ran2 })]);
    expect(ran2).toEqual(["echo:ohms-law", "echo:what-is-a-plc", "combine"]);
  });

  it("reports an aborted step as stopped and runs it again next time", async () => {
    const s = setup();
    const hard = new AbortController();
    const gate = join(s.workDir, "never");
    const started = join(s.workDir, "started");
    const pending = run(s, [echoStage({ blockOn: { key: "echo:ohms-law", file: gate, started } })], { signal: hard.signal });
    while (!existsSync(started)) await new Promise((r) => setImmediate(r));
    hard.abort(new Error("the shutdown deadline passed"));
    const out = await pending;
    expect(out).toMatchObject({ kind: "stopped", reason: "the shutdown deadline passed" });
    expect(s.ledger.listStepRuns().find((r) => r.key === "echo:ohms-law")).toMatchObject({ state: "failed" });
    writeFileSync(gate, "go");
    const ran: string[] = [];
    await run(s, [echoStage({ ran })]);
    expect(ran).toEqual(["echo:ohms-law", "echo:what-is-a-plc", "combine"]);
  });

  it("fails without retries when a stage plans a broken plan", async () => {
    const s = setup();
    const dup: Stage = { name: "dup", plan: (i) => [...echoStage().plan(i), ...echoStage().plan(i)] };
    const out = await run(s, [dup]);
    expect(out).toMatchObject({ kind: "failed", retryable: false });
  });
});
