/**
 * The `factory` command itself (bin/factory.mjs), against the real relay: enqueue, run --once,
 * jobs --state dead, retry, status, and run --local.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRepo } from "../helpers/git.ts";
import { startRelay, type RelayProcess } from "../helpers/relay-process.ts";
import { startFactory, type WorkerProcess } from "./harness.ts";

let relay: RelayProcess;
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `factory-cli-${p}-`));
// Each `factory` invocation is a fresh Node process that loads every command module.
const SLOW = 120_000;

beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay?.stop();
});

async function factory(args: string[], env: Record<string, string>): Promise<WorkerProcess & { code: number | null }> {
  const p = startFactory(args, { RELAY_URL: relay.url, WORKER_TOKEN: relay.token, ...env });
  const { code } = await p.exited;
  return Object.assign(p, { code });
}

describe("factory CLI", () => {
  it("enqueue → run --once (dead: unreachable repo) → jobs --state dead → retry → status", async () => {
    const workDir = tmp("wd");
    const env = { WORK_DIR: workDir };
    const missing = join(tmp("gone"), "kb.git");
    const enq = await factory(["enqueue", "sync_and_generate_content", "--payload", JSON.stringify({ repository: "cli/kb", cloneUrl: missing })], env);
    expect(enq.code).toBe(0);
    const jobId = enq.text().trim();
    expect(jobId).toMatch(/\S+/);

    const run = await factory(["run", "--once"], env);
    expect(run.code).toBe(1);
    expect(run.lines.find((l) => l.jobId === jobId && l.msg.startsWith("failed for good"))?.msg).toContain("cloneUrl");

    const dead = await factory(["jobs", "--state", "dead"], env);
    expect(dead.code).toBe(0);
    expect(dead.text()).toMatch(new RegExp(`${jobId}\\s+dead\\s+sync_and_generate_content\\s+1/\\d+`));

    const retry = await factory(["retry", jobId], env);
    expect(retry.code).toBe(0);
    expect(retry.text()).toContain(`${jobId} queued again`);

    const status = await factory(["status"], env);
    expect(status.code).toBe(0);
    expect(status.text()).toMatch(/relay: 1 queued, 0 leased, \d+ done, 0 dead/);
    expect(status.text()).toMatch(new RegExp(`${jobId}\\s+failed\\s+cli/kb`));
  }, SLOW);

  it("run --once with nothing queued exits 0; run --local reports a broken knowledge base and exits 1", async () => {
    const workDir = tmp("wd");
    // Drain whatever the previous test left queued so the poll comes back empty.
    const none = await factory(["run", "--once"], { WORK_DIR: workDir, WORKER_WAIT_SECONDS: "1" });
    expect([0, 1]).toContain(none.code);
    const empty = await factory(["run", "--once"], { WORK_DIR: workDir, WORKER_WAIT_SECONDS: "1" });
    expect(empty.code).toBe(0);
    expect(empty.lines.some((l) => l.msg === "no job was waiting")).toBe(true);

    const repo = createTestRepo(undefined, { files: { "kb/atoms/bad.json": "{ \"id\": " } });
    const local = await factory(["run", "--local", repo.work], { WORK_DIR: workDir });
    expect(local.code).toBe(1);
    expect(local.lines.find((l) => l.level === "error")?.msg).toContain("kb/atoms/bad.json");
  }, SLOW);
});
