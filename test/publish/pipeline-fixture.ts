/**
 * A one-atom pipeline for publishing tests: an "upstream" stage that stands in for the script
 * and render stages (their outputs are fixtures pointing at a real mp4), then the real publish
 * stage, run by the real runner against the real ledger. Shared by the in-process tests and the
 * child process the kill test SIGKILLs, so both compute the same input hashes.
 */
import { join } from "node:path";
import type { Course, MediaAssets, PLCAtom, VideoScript } from "../../shared/models.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { runPipeline, type PipelineOutcome } from "../../worker/pipeline/runner.ts";
import { stepKey, type KnowledgeBase, type Stage } from "../../worker/pipeline/types.ts";
import { publishStage } from "../../worker/steps/publish-stage.ts";

export const ATOM = "ohms-law";

export const atom: PLCAtom = {
  id: ATOM,
  title: "Ohm's law",
  kind: "concept",
  summary: "How voltage, current and resistance relate in a circuit.",
  body: "## Voltage\nVoltage pushes current through resistance.",
  prerequisites: [],
  tags: ["electricity"],
  level: "beginner",
  sources: [{ title: "Any physics textbook" }],
  safetyNotes: [],
  version: 1,
};

export const course: Course = {
  id: "plc-basics",
  title: "PLC basics",
  audience: "new technicians",
  modules: [{ id: "electricity", title: "Electricity", atoms: [ATOM] }],
};

export const script: VideoScript = {
  atomId: ATOM,
  title: "Ohm's law",
  hook: "Why does a motor hum?",
  sections: [{ heading: "Voltage", narration: "Voltage pushes current.", bullets: ["V = I × R"] }],
  outro: "That's Ohm's law.",
  youtube: { title: "Ohm's law in five minutes", description: "Voltage, current, resistance <explained>.", tags: ["plc", "ohm's law"] },
  estimatedDurationSec: 60,
  provenance: { sourceHash: "abc", writer: "offline", model: null, promptVersion: "1" },
};

/** Render output with paths relative to artifactsDir (the lesson files live in artifacts/lesson/). */
export const media: MediaAssets = {
  atomId: ATOM,
  scriptHash: "abc",
  narration: { provider: "espeak", voice: "en-us", clips: [], totalSec: 1 },
  lesson: "lesson/lesson.mp4",
  thumbnail: "lesson/thumbnail.png",
  captionsSrt: "lesson/captions.srt",
};

/** Stands in for the content and media stages. */
export const upstreamStage: Stage = {
  name: "upstream",
  plan: () => [
    { key: stepKey.script(ATOM), kind: "write-script", version: 1, dependsOn: [], inputs: () => script, run: async () => ({ data: script }) },
    { key: stepKey.render(ATOM), kind: "render", version: 1, dependsOn: [], inputs: () => media, run: async () => ({ data: media }) },
  ],
};

export const kb: KnowledgeBase = { atoms: [atom], courses: [course] };

/** Runs upstream + publish once, with a fresh Ledger handle (as a restarted worker would). */
export async function runOnce(o: {
  workDir: string;
  settings: Record<string, unknown>;
  /** The content repository checkout (default: workDir). */
  repoDir?: string;
  /** The repository the ledger files the lesson under (default "local", as a local run). */
  repository?: string;
  now?: () => number;
  signal?: AbortSignal;
}): Promise<PipelineOutcome> {
  const ledger = Ledger.open(join(o.workDir, "ledger.sqlite"));
  try {
    return await runPipeline({
      job: null,
      snapshot: { dir: o.repoDir ?? o.workDir, sha: null, repository: o.repository ?? "local", branch: "main", changes: null },
      stages: [upstreamStage, publishStage(o.now ? { now: o.now } : {})],
      ledger,
      settings: o.settings,
      workDir: o.workDir,
      loadKb: async () => ({ kb, problems: null }),
      log: silentLogger,
      signal: o.signal ?? new AbortController().signal,
      ...(o.now ? { now: o.now } : {}),
    });
  } finally {
    ledger.close();
  }
}
