/**
 * The media stage in the real runner and ledger: narrate + render after a script step, nothing
 * re-rendered for an unchanged script, no re-narration when only slide text changes.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaAssets, PLCAtom, type VideoScript } from "../../shared/models.ts";
import { Ledger } from "../../worker/ledger.ts";
import { runPipeline } from "../../worker/pipeline/runner.ts";
import { stepKey, type Logger, type PipelineSettings, type Stage } from "../../worker/pipeline/types.ts";
import { mediaStage } from "../../worker/steps/media-stage.ts";
import { sampleScript } from "./sample-script.ts";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const atom = PLCAtom.parse({
  id: "ton-timer",
  title: "TON timers",
  kind: "concept",
  summary: "How an on-delay timer delays an output.",
  body: "## What it does\nA TON timer counts while its rung is true.",
  level: "beginner",
  sources: [{ title: "IEC 61131-3" }],
  version: 1,
});

/** Stands in for the content stage: a script step whose output is whatever `current` holds. */
function scriptStage(current: () => VideoScript): Stage {
  return {
    name: "scripts",
    plan: () => [
      {
        key: stepKey.script("ton-timer"),
        kind: "write-script",
        version: 1,
        dependsOn: [],
        inputs: () => current(),
        run: async () => ({ data: current() }),
      },
    ],
  };
}

let workDir: string;
let ledger: Ledger;
let script = sampleScript();
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "media-stage-"));
  ledger = Ledger.open(join(workDir, "ledger.sqlite"));
});
afterAll(async () => {
  ledger.close();
  await rm(workDir, { recursive: true, force: true });
});

function run(settings: PipelineSettings) {
  return runPipeline({
    job: null,
    snapshot: { dir: workDir, sha: null, repository: "local", branch: "main", changes: null },
    stages: [scriptStage(() => script), mediaStage()],
    ledger,
    settings,
    workDir,
    loadKb: async () => ({ kb: { atoms: [atom], courses: [] }, problems: null }),
    log: silent,
    signal: new AbortController().signal,
  });
}

const ran = (o: Awaited<ReturnType<typeof run>>) => o.result.steps.filter((s) => s.status === "ran").map((s) => s.key);
const settings = { video: { makeShort: false } };

describe("media stage", () => {
  it("narrates and renders after the script, leaving MediaAssets and files under the artifacts dir", async () => {
    const out = await run(settings);
    expect(out.kind).toBe("completed");
    expect(ran(out)).toEqual(["script:ton-timer", "narrate:ton-timer", "render:ton-timer"]);
    const runs = ledger.listStepRuns({ kind: "render" });
    const assets = MediaAssets.parse(runs.at(-1)!.output!.data);
    expect(assets.narration.clips.map((c) => c.part)).toEqual(["hook", "section-0", "section-1", "section-2", "outro"]);
    for (const f of [assets.lesson!, assets.thumbnail!, assets.captionsSrt!, assets.captionsVtt!]) {
      expect(existsSync(join(workDir, "artifacts", f)), f).toBe(true);
    }
    expect(assets.short).toBeUndefined();
  });

  it("renders nothing when the script has not changed", async () => {
    const out = await run(settings);
    expect(out.kind).toBe("completed");
    expect(ran(out)).toEqual([]);
  });

  it("re-renders without re-narrating when only a bullet changes", async () => {
    script = sampleScript();
    script.sections[1]!.bullets = ["A false rung clears the accumulator"];
    const out = await run(settings);
    expect(ran(out)).toEqual(["script:ton-timer", "render:ton-timer"]);
  });

  it("re-narrates when the voice changes", async () => {
    const out = await run({ ...settings, voice: { flite: { rate: 1.1 } } });
    expect(ran(out)).toEqual(["narrate:ton-timer", "render:ton-timer"]);
  });

  it("speaks missing clips again when the artifacts folder was cleaned behind the ledger's back", async () => {
    await rm(join(workDir, "artifacts", "narration"), { recursive: true, force: true });
    script = sampleScript();
    script.sections[2]!.bullets = ["Warn first, then move"];
    const out = await run({ ...settings, voice: { flite: { rate: 1.1 } } });
    expect(out.kind).toBe("completed");
    // The runner sees the narration step's files are gone and speaks them again.
    expect(ran(out)).toEqual(["script:ton-timer", "narrate:ton-timer", "render:ton-timer"]);
    const assets = MediaAssets.parse(ledger.listStepRuns({ kind: "render" }).at(-1)!.output!.data);
    for (const c of assets.narration.clips) expect(existsSync(join(workDir, "artifacts", c.path)), c.path).toBe(true);
  });

  it("fails, not retryable, naming the setting, when the video settings are invalid", async () => {
    const out = await run({ video: { style: { accent: "orange" } } });
    expect(out.kind).toBe("failed");
    if (out.kind !== "failed") return;
    expect(out.retryable).toBe(false);
    expect(out.error).toMatch(/accent[\s\S]*#rrggbb/);
  });

  it("fails, not retryable, with a message saying what to set, when ElevenLabs is chosen without a key or a cloned voice", async () => {
    const out = await run({ ...settings, voice: { provider: "elevenlabs" } });
    expect(out.kind).toBe("failed");
    if (out.kind !== "failed") return;
    expect(out.retryable).toBe(false);
    expect(out.error).toMatch(/ELEVENLABS_API_KEY|voice clone/);
  });
});
