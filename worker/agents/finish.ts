/**
 * Turns a writer's draft into a {@link VideoScript}: the worker, not the model, sets the atom
 * id, the estimated duration and the provenance, so those are always right. Pure.
 */
import { type PLCAtom, VideoScript } from "../../shared/models.ts";
import type { ScriptDraft } from "./prompt.ts";

/** Narration pace used for estimates: 150 words a minute is a calm explainer voice. */
export const WORDS_PER_MINUTE = 150;

/** Seconds the spoken parts of a script take at {@link WORDS_PER_MINUTE}, plus a short pause per section. */
export function estimateDurationSec(draft: Pick<ScriptDraft, "hook" | "sections" | "outro">): number {
  const spoken = [draft.hook, ...draft.sections.map((s) => s.narration), draft.outro].join(" ");
  const words = spoken.split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round((words / WORDS_PER_MINUTE) * 60 + draft.sections.length * 1.5));
}

/** Provenance fields the writer decides. */
export interface ProvenanceInput {
  sourceHash: string;
  writer: "claude" | "offline";
  model: string | null;
  promptVersion: string;
  createdAt?: string;
}

/**
 * Completes and validates a draft.
 * @throws ZodError when the result is not a valid VideoScript (callers turn that into a repair or a StepError)
 */
export function finishScript(draft: ScriptDraft, atom: PLCAtom, provenance: ProvenanceInput): VideoScript {
  return VideoScript.parse({
    ...draft,
    atomId: atom.id,
    estimatedDurationSec: estimateDurationSec(draft),
    provenance,
  });
}
