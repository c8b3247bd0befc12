/**
 * A real worker process for the chaos parts: the product's `startWorker` (config from the
 * environment, real relay client, real sync, real ledger) running three stages: the test echo
 * stage, a stand-in for the script and render stages (their outputs point at a real mp4 made
 * once with the npm ffmpeg, so a job takes seconds, not minutes), and the product's real publish
 * stage uploading to the loopback YouTube fake.
 *
 * Every step is wrapped so the chaos harness can see and stop it from the outside:
 *  - CHAOS_RAN_LOG: one line "start <key>" per step that starts running (across processes);
 *  - CHAOS_KILL={"key","when","ready"}: at that step, "before" (the previous step is recorded,
 *    this one not started), "during" (the real step is running; the harness kills it a random
 *    moment later) or "after" (the real step has done its work and side effects, the runner has
 *    not recorded it yet), write `ready` and never go past the step, so the harness SIGKILLs the
 *    process at exactly that point.
 *  - CHAOS_LESSON_DIR: folder with lesson.mp4, captions.srt, thumbnail.png;
 *  - CHAOS_CONTENT=claude: the product's content stage writes the scripts (Claude through
 *    settings.content.baseURL, the loopback Anthropic fake) instead of the stand-in.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { loadConfig } from "../worker/config.ts";
import { startWorker } from "../worker/commands/worker.ts";
import { stepKey, type PlannedStep, type Stage } from "../worker/pipeline/types.ts";
import { publishStage } from "../worker/steps/publish-stage.ts";
import { contentStage } from "../worker/steps/content-stage.ts";
import type { MediaAssets, VideoScript } from "../shared/models.ts";
import { echoStage } from "../test/worker/test-stages.ts";

/** Where the harness wants the process stopped. */
export interface KillPoint {
  key: string;
  when: "before" | "during" | "after";
  /** File written (with the pid) when the point is reached. */
  ready: string;
}

const ranLog = process.env.CHAOS_RAN_LOG;
const kill = process.env.CHAOS_KILL ? (JSON.parse(process.env.CHAOS_KILL) as KillPoint) : null;
const lessonDir = process.env.CHAOS_LESSON_DIR ?? "";
const realContent = process.env.CHAOS_CONTENT === "claude";

const forever = () => new Promise<never>(() => setInterval(() => undefined, 60_000));

/** Wraps every step of a stage with the ran-log line and the kill point. */
function observed(stage: Stage): Stage {
  return {
    ...stage,
    plan: (ctx) => {
      const planned = stage.plan(ctx) as PlannedStep[];
      return planned.map((step) => ({
        ...step,
        run: async (sctx) => {
          if (ranLog) appendFileSync(ranLog, `start ${step.key}\n`);
          const here = kill?.key === step.key ? kill : null;
          if (here?.when === "before") {
            writeFileSync(here.ready, String(process.pid));
            await forever();
          }
          if (here?.when === "during") {
            // The real step runs; the process never gets past it, so the kill lands mid-step.
            const work = step.run(sctx);
            writeFileSync(here.ready, String(process.pid));
            await work.catch(() => undefined);
            await forever();
          }
          const out = await step.run(sctx);
          if (here?.when === "after") {
            writeFileSync(here.ready, String(process.pid));
            await forever();
          }
          return out;
        },
      }));
    },
  };
}

const digest = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 12);

/** Script and render for every atom, standing in for the content and media stages. */
const lessonStandIn: Stage = {
  name: "lesson-stand-in",
  plan({ kb }) {
    return (kb?.atoms ?? []).flatMap((atom): PlannedStep[] => {
      const version = digest(atom.body);
      const script: VideoScript = {
        atomId: atom.id,
        title: atom.title,
        hook: `What is ${atom.title}?`,
        sections: [{ heading: atom.title, narration: atom.summary, bullets: [] }],
        outro: "That's it.",
        youtube: { title: `${atom.title} (${version})`, description: `${atom.summary} [chaos ${version}]`, tags: ["chaos"] },
        estimatedDurationSec: 60,
        provenance: { sourceHash: version, writer: "offline", model: null, promptVersion: "chaos" },
      };
      const media: MediaAssets = {
        atomId: atom.id,
        scriptHash: version,
        narration: { provider: "espeak", voice: "en-us", clips: [], totalSec: 1 },
        lesson: `lesson-${atom.id}/lesson.mp4`,
        thumbnail: `lesson-${atom.id}/thumbnail.png`,
        captionsSrt: `lesson-${atom.id}/captions.srt`,
      };
      return [
        ...(realContent
          ? []
          : [{ key: stepKey.script(atom.id), kind: "write-script", version: 1, dependsOn: [], inputs: () => script, run: async () => ({ data: script }) } satisfies PlannedStep]),
        {
          key: stepKey.render(atom.id),
          kind: "render",
          version: 1,
          dependsOn: [stepKey.script(atom.id)],
          inputs: () => media,
          run: async (ctx) => {
            const dir = join(ctx.artifactsDir, `lesson-${atom.id}`);
            await mkdir(dir, { recursive: true });
            for (const f of ["lesson.mp4", "thumbnail.png", "captions.srt"]) await copyFile(join(lessonDir, f), join(dir, f));
            return { data: media };
          },
        },
      ];
    });
  },
};

const config = loadConfig();
process.exitCode = await startWorker(config, {
  stages: [observed(echoStage()), ...(realContent ? [observed(contentStage())] : []), observed(lessonStandIn), observed(publishStage())],
});
