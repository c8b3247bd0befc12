import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { runPipeline } from "../../worker/pipeline/runner.ts";
import { kbMaintenanceStage } from "../../worker/steps/kb-maintenance-stage.ts";
import { createTestRepo } from "../helpers/git.ts";
import { kbFiles } from "../worker/test-stages.ts";

const manual = ["# Drive manual", "", "## Wiring", "Connect L1, L2 and L3 to the drive's input terminals.", "", "## Parameters", "Set the motor's rated current first."].join("\n");

async function runOn(dir: string, sha: string | null, workDir: string) {
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  try {
    return await runPipeline({
      job: null,
      snapshot: { dir, sha, repository: "me/kb", branch: "main", changes: null },
      stages: [kbMaintenanceStage()],
      ledger, settings: {}, workDir,
      loadKb: async () => ({ kb: { atoms: [], courses: [] }, problems: null }),
      log: silentLogger,
      signal: new AbortController().signal,
    });
  } finally {
    ledger.close();
  }
}

describe("the KB maintenance step of a sync", () => {
  it("reports on the whole KB and summarises kb/sources into the artifacts, changing nothing in the checkout, once per commit", async () => {
    const repo = createTestRepo(undefined, { files: { ...kbFiles(["ohms-law"]), "kb/sources/drive-manual.md": manual } });
    const workDir = mkdtempSync(join(tmpdir(), "kb-maint-"));
    const first = await runOn(repo.work, repo.head(), workDir);
    expect(first.kind).toBe("completed");
    const step = first.result.steps.find((s) => s.key === "kb-maintenance")!;
    expect(step.status).toBe("ran");
    // The one atom is in no course, and the manual is cited by no atom: both reported.
    expect(step.note).toMatch(/KB maintenance report \(nothing was changed\)/);
    const index = JSON.parse(readFileSync(join(workDir, "artifacts", "kb", "sources-index.json"), "utf8"));
    expect(index.sources[0]).toMatchObject({ path: "kb/sources/drive-manual.md" });
    expect(index.sources[0].sections.map((s: { title: string }) => s.title)).toEqual(expect.arrayContaining(["Wiring", "Parameters"]));
    expect(existsSync(join(repo.work, "kb", "sources", "index.json"))).toBe(false);
    expect(execFileSync("git", ["-C", repo.work, "status", "--porcelain"], { encoding: "utf8" })).toBe("");

    const again = await runOn(repo.work, repo.head(), workDir);
    expect(again.result.steps.find((s) => s.key === "kb-maintenance")!.status).toBe("skipped");
  });

  it("does not run for a local run on a dirty tree (no commit to key it by)", async () => {
    const repo = createTestRepo(undefined, { files: kbFiles(["ohms-law"]) });
    const out = await runOn(repo.work, null, mkdtempSync(join(tmpdir(), "kb-maint-")));
    expect(out.result.steps).toEqual([]);
  });
});
