/**
 * A source that changes re-makes exactly the lessons made from the changed text: a sync of a real
 * git repository (maintenance + content stages, the real runner, ledger and KB loader, the offline
 * writer) where a vendor manual in kb/sources/ is edited between commits.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MaintenanceReport } from "../../worker/kb/sources-report.ts";
import { summarizeSources } from "../../worker/kb/sources.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { defaultKbLoader, runPipeline } from "../../worker/pipeline/runner.ts";
import { contentStage } from "../../worker/steps/content-stage.ts";
import { kbMaintenanceStage } from "../../worker/steps/kb-maintenance-stage.ts";
import { createTestRepo, type TestRepo } from "../helpers/git.ts";
import { atomJson, courseJson } from "./helpers.ts";

const here = dirname(new URL(import.meta.url).pathname);
const MANUAL = readFileSync(join(here, "../fixtures/sources/cd400-manual.md"), "utf8");
const PATH = "kb/sources/cd400-manual.md";

let STO: number;
let FAULTS: number;
let repo: TestRepo;
let workDir: string;
let ledger: Ledger;

beforeAll(async () => {
  // The section numbers, as the summarizer gives them.
  const probe = mkdtempSync(join(tmpdir(), "source-changes-probe-"));
  mkdirSync(join(probe, "kb/sources"), { recursive: true });
  writeFileSync(join(probe, PATH), MANUAL);
  const sections = (await summarizeSources(probe)).index.sources[0]!.sections;
  STO = sections.find((s) => s.title === "3.2 Safe torque off")!.n;
  FAULTS = sections.find((s) => s.title === "6 Faults and warnings")!.n;
  rmSync(probe, { recursive: true, force: true });

  const atom = (id: string, sources: unknown[]) => JSON.stringify(atomJson(id, { sources }), null, 2);
  repo = createTestRepo(undefined, {
    files: {
      "kb/atoms/sto-wiring.json": atom("sto-wiring", [{ title: "CD-400 manual, 3.2", path: PATH, section: STO }]),
      "kb/atoms/fault-codes.json": atom("fault-codes", [{ title: "CD-400 manual, chapter 6", path: PATH, section: FAULTS }]),
      "kb/atoms/plain.json": atom("plain", [{ title: "IEC 61131-3", publisher: "IEC" }]),
      "kb/courses/drive.json": JSON.stringify(courseJson("drive", ["plain", "sto-wiring", "fault-codes"])),
      [PATH]: MANUAL,
    },
  });
  workDir = mkdtempSync(join(tmpdir(), "source-changes-work-"));
  ledger = Ledger.open(join(workDir, "ledger.sqlite"));
});

afterAll(() => {
  ledger?.close();
  rmSync(dirname(repo.work), { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

/** One sync of the repository's head: what each step did, and the maintenance report. */
async function sync() {
  const out = await runPipeline({
    job: null,
    snapshot: { dir: repo.work, sha: repo.head(), repository: "me/drive-kb", branch: "main", changes: null },
    stages: [kbMaintenanceStage(), contentStage({ env: {} })],
    ledger,
    settings: {},
    workDir,
    loadKb: defaultKbLoader,
    log: silentLogger,
    signal: new AbortController().signal,
  });
  expect(out.kind).toBe("completed");
  const status = Object.fromEntries(out.result.steps.map((s) => [s.key, s.status]));
  const maintenance = out.result.steps.find((s) => s.key === "kb-maintenance")!;
  const report = ledger.listStepRuns({ kind: "kb-maintenance", repository: "me/drive-kb" }).at(-1)!.output!.data as { report: MaintenanceReport };
  return { status, note: maintenance.note ?? "", report: report.report, summary: out.result.summary };
}

const edit = (from: string, to: string) => {
  const text = readFileSync(join(repo.work, PATH), "utf8");
  expect(text).toContain(from);
  return repo.commit({ [PATH]: text.replace(from, to) }, "edit the manual");
};

const script = (id: string) => JSON.parse(readFileSync(join(workDir, "artifacts", "scripts", `${id}.json`), "utf8"));

describe("a change to a cited source", () => {
  test("edit a cited section: the atoms citing it are written again and reported stale; an uncited section's edit re-makes nothing", async () => {
    const first = await sync();
    expect(first.status).toEqual({ "kb-maintenance": "ran", "script:plain": "ran", "script:sto-wiring": "ran", "script:fault-codes": "ran" });
    expect(first.report.staleAtoms).toEqual([]);
    // Each lesson records what it was made from: the digest of the cited section's text.
    expect(script("fault-codes").provenance.sources).toEqual([{ path: PATH, section: FAULTS, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(script("plain").provenance.sources).toBeUndefined();
    const seenFirst = script("fault-codes").provenance.sources[0].sha256;

    // A fault code's remedy changes in chapter 6: only the lesson made from chapter 6 is stale.
    edit("| F03 | Undervoltage | Mains dip | Check the supply |", "| F03 | Undervoltage | Mains dip | Check the supply and the mains fuses |");
    const second = await sync();
    expect(second.status).toEqual({ "kb-maintenance": "ran", "script:plain": "skipped", "script:sto-wiring": "skipped", "script:fault-codes": "ran" });
    expect(second.report.staleAtoms).toEqual([{ atomId: "fault-codes", paths: [PATH], since: "lesson", sections: [{ path: PATH, section: FAULTS }] }]);
    expect(second.note).toContain(`fault-codes: ${PATH} (section ${FAULTS}) changed since its lesson was made; it is being made again`);
    expect(script("fault-codes").provenance.sources[0].sha256).not.toBe(seenFirst);
    // The job's one-line summary (what `factory status` shows) says so too.
    expect(second.summary).toBe("2 step(s) ran, 2 skipped as unchanged, produced 1 item(s); sources changed, re-making fault-codes");

    // A new mounting step in chapter 2 (cited by no atom) shifts every later line: nothing is re-made.
    edit("4. Connect the protective earth conductor before any other conductor.", "4. Connect the protective earth conductor before any other conductor.\n5. Check that the drive hangs plumb.");
    const third = await sync();
    expect(third.status).toEqual({ "kb-maintenance": "ran", "script:plain": "skipped", "script:sto-wiring": "skipped", "script:fault-codes": "skipped" });
    expect(third.report.staleAtoms).toEqual([]);
    expect(third.note).not.toContain("being made again");
    expect(third.summary).not.toContain("re-making");

    // The safe-torque-off section changes: now that lesson, and only it, is stale and written again.
    edit("Wire them through a safety relay", "Wire them through a certified safety relay");
    const fourth = await sync();
    expect(fourth.status).toEqual({ "kb-maintenance": "ran", "script:plain": "skipped", "script:sto-wiring": "ran", "script:fault-codes": "skipped" });
    expect(fourth.report.staleAtoms.map((s) => s.atomId)).toEqual(["sto-wiring"]);
  });
});
