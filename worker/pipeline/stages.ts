/**
 * The pipeline's stages in the order their steps run. Each stage lives in its own module;
 * adding one is one import and one entry here.
 */
import { contentStage } from "../steps/content-stage.ts";
import { mediaStage } from "../steps/media-stage.ts";
import { publishStage } from "../steps/publish-stage.ts";
import { learnStage } from "../steps/learn-stage.ts";
import { kbMaintenanceStage } from "../steps/kb-maintenance-stage.ts";
import type { Stage } from "./types.ts";

/** The stages every job runs, in order. */
export function defaultStages(): Stage[] {
  return [
    // reversible source summaries and the whole-KB report; changes no content
    kbMaintenanceStage(),
    contentStage(),
    mediaStage(),
    publishStage(),
    // the learning agent: tasks a push adds or changes under kb/sim/ (worker/steps/learn-stage.ts)
    learnStage(),
    // kb check + scripts (worker/steps/content-stage.ts), narration + video (worker/steps/media-stage.ts),
    // publishing (worker/steps/publish-stage.ts) register here.
  ];
}
