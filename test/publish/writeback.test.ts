import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { VideoScript } from "../../shared/models.ts";
import { StepError } from "../../worker/pipeline/types.ts";
import { writeBack } from "../../worker/publish/writeback.ts";
import { makeLessonFiles } from "./helpers.ts";
import { runOnce, script } from "./pipeline-fixture.ts";

let root: string;
let bare: string;
let clone: string;

const author = { name: "Agent Factory", email: "factory@example.invalid" };
const settings = { branch: "factory/scripts", folder: "scripts", remote: "origin" };
const now = new Date("2026-11-25T10:00:00Z");

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "writeback-"));
  bare = join(root, "content.git");
  clone = join(root, "clone");
  await simpleGit().raw(["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  // Seed the watched branch through a working clone, as the owner would.
  const seed = join(root, "seed");
  await simpleGit().clone(bare, seed);
  const s = simpleGit(seed).addConfig("user.name", "Owner").addConfig("user.email", "owner@example.invalid");
  await writeFile(join(seed, "README.md"), "# Content\n");
  await s.add("README.md").commit("initial").raw(["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
  await simpleGit().clone(bare, clone, ["--branch", "main"]);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const second: VideoScript = { ...script, atomId: "ton-timer", title: "The TON timer" };

describe("writeBack", () => {
  it("commits the scripts to factory/scripts on the remote, leaving main and the checkout alone", async () => {
    const mainBefore = await simpleGit(bare).revparse(["refs/heads/main"]);
    const result = await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [script, second], author, now });

    expect(result).toMatchObject({ committed: true, pushed: true, changed: ["scripts/ohms-law.json", "scripts/ton-timer.json"] });
    const remote = simpleGit(bare);
    expect(await remote.revparse(["refs/heads/factory/scripts"])).toBe(result.commit);
    expect(await remote.revparse(["refs/heads/main"])).toBe(mainBefore);
    expect(JSON.parse(await remote.show([`factory/scripts:scripts/ohms-law.json`]))).toEqual(script);
    const log = await remote.raw(["log", "-1", "--format=%an <%ae>%n%s", "factory/scripts"]);
    expect(log.trim()).toBe("Agent Factory <factory@example.invalid>\nfactory: update 2 lesson scripts");
    // The checkout is untouched: still on main, clean.
    const status = await simpleGit(clone).status();
    expect(status.current).toBe("main");
    expect(status.isClean()).toBe(true);
  });

  it("makes no commit when the scripts have not changed, and one naming the atom when one changed", async () => {
    const first = await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [script, second], author, now });
    const again = await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [script, second], author, now });
    expect(again).toEqual({ commit: first.commit, committed: false, pushed: false, changed: [] });

    const edited = { ...second, hook: "A timer that waits." };
    const third = await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [script, edited], author, now });
    expect(third).toMatchObject({ committed: true, changed: ["scripts/ton-timer.json"] });
    const remote = simpleGit(bare);
    expect((await remote.raw(["rev-list", "--count", "factory/scripts"])).trim()).toBe("2");
    expect((await remote.raw(["log", "-1", "--format=%s", "factory/scripts"])).trim()).toBe("factory: update the lesson script for ton-timer");
  });

  it("builds on the remote branch when another clone moved it", async () => {
    await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [script], author, now });
    const other = join(root, "other");
    await simpleGit().clone(bare, other);
    await writeBack({ repoDir: other, watchedBranch: "main", settings, scripts: [second], author, now });

    const result = await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [{ ...script, hook: "New hook" }], author, now });
    expect(result.changed).toEqual(["scripts/ohms-law.json"]);
    const files = await simpleGit(bare).raw(["ls-tree", "-r", "--name-only", "factory/scripts"]);
    expect(files.trim().split("\n")).toEqual(["scripts/ohms-law.json", "scripts/ton-timer.json"]);
  });

  it("refuses to write to the watched branch", async () => {
    const err = await writeBack({ repoDir: clone, watchedBranch: "main", settings: { ...settings, branch: "main" }, scripts: [script], author, now }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).message).toMatch(/branch the factory watches/);
    expect((await simpleGit(bare).raw(["rev-list", "--count", "main"])).trim()).toBe("1");
    expect(await readFile(join(clone, "README.md"), "utf8")).toBe("# Content\n");
  });

  it("fails without retries, saying how to grant access, when the remote refuses the push", async () => {
    const hook = join(bare, "hooks", "pre-receive");
    await writeFile(hook, "#!/bin/sh\necho 'permission denied to factory' >&2\nexit 1\n");
    await chmod(hook, 0o755);
    const err = await writeBack({ repoDir: clone, watchedBranch: "main", settings, scripts: [script], author, now }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(StepError);
    expect(err).toMatchObject({ retryable: false, message: expect.stringMatching(/no write access.*deploy key.*remote to null/s) });
    expect(await simpleGit(bare).raw(["branch", "--list", "factory/scripts"])).toBe("");
  });

  it("runs as the pipeline's writeback step when enabled, once per change of the scripts", async () => {
    const workDir = join(root, "work");
    await makeLessonFiles(join(workDir, "artifacts", "lesson"));
    const settings = { publish: { folder: join(workDir, "published"), writeback: { enabled: true } } };

    const first = await runOnce({ workDir, repoDir: clone, settings, now: () => now.getTime() });
    expect(first.kind).toBe("completed");
    const step = first.kind === "completed" ? first.result.steps.find((s) => s.key === "writeback") : undefined;
    expect(step).toMatchObject({ status: "ran", produced: [expect.stringMatching(/^commit=[0-9a-f]{40}$/)] });
    expect(JSON.parse(await simpleGit(bare).show(["factory/scripts:scripts/ohms-law.json"]))).toEqual(script);

    const again = await runOnce({ workDir, repoDir: clone, settings, now: () => now.getTime() });
    expect(again.kind === "completed" && again.result.steps.find((s) => s.key === "writeback")?.status).toBe("skipped");
    expect((await simpleGit(bare).raw(["rev-list", "--count", "factory/scripts"])).trim()).toBe("1");
  });
});
