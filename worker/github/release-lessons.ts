/**
 * Which lessons a release publishes, pure: the lessons "made at the release's commit".
 *
 * A lesson is made at a commit when the script its latest publish was made from was written
 * from exactly what the knowledge base held at that commit. The script's provenance records
 * the sha256 of everything it was written from (the atom, its prerequisites' index lines, its
 * places in the courses, the prompt version, the writer and model: see
 * worker/steps/content-stage.ts); recomputing that hash from the knowledge base at the commit
 * and comparing says yes or no. This holds whichever job (push, schedule, manual) made the
 * lesson and at whichever commit, as long as the content is the same; an atom changed after
 * the tag and remade gives another hash (not published), and an atom added after the tag is
 * not in the knowledge base at the tag at all.
 *
 * Which script a publish run used: the runner runs `script:<atom>` before `publish:<atom>` in
 * the same job, so it is the newest finished script run of that atom that had finished when the
 * publish run started.
 */
import { Provenance } from "../../shared/models.ts";
import type { StepRun } from "../ledger.ts";
import { type KnowledgeBase, stepKey } from "../pipeline/types.ts";
import { type PublishedLesson, publishedLessons } from "../publish/review.ts";
import { scriptInputs, sourceHash } from "../steps/content-stage.ts";

/** The latest finished publish run of each atom (as `factory publish list` sees them), by atom id. */
export function latestPublishRuns(runs: readonly StepRun[], repository: string): Map<string, { run: StepRun; lesson: PublishedLesson }> {
  const out = new Map<string, { run: StepRun; lesson: PublishedLesson }>();
  for (const run of runs) {
    if (run.repository !== repository || run.kind !== "publish" || run.state !== "done" || !run.output?.external?.videoId) continue;
    const atomId = run.key.replace(/^publish:/, "");
    const seen = out.get(atomId);
    // The same rule as publishedLessons (newest finished wins, ties to the later row), so the
    // lesson checked here is the one approvePublished approves.
    if (!seen || (seen.run.finishedAt ?? seen.run.startedAt) <= (run.finishedAt ?? run.startedAt)) {
      out.set(atomId, { run, lesson: publishedLessons([run])[0]! });
    }
  }
  return out;
}

/** The script run a publish run was made from (see the file comment), or null. */
export function scriptRunFor(publish: StepRun, scripts: readonly StepRun[]): StepRun | null {
  const atomId = publish.key.replace(/^publish:/, "");
  let best: StepRun | null = null;
  for (const s of scripts) {
    if (s.repository !== publish.repository || s.key !== stepKey.script(atomId) || s.state !== "done" || s.finishedAt === null) continue;
    if (s.finishedAt > publish.startedAt) continue;
    if (!best || best.finishedAt! <= s.finishedAt) best = s;
  }
  return best;
}

/**
 * Whether `script` was written from the atom as the knowledge base `kb` holds it: null when it
 * was, else why not (one line).
 */
export function scriptMismatch(kb: KnowledgeBase, atomId: string, script: StepRun | null): string | null {
  if (!script) return "the ledger holds no script for its lesson";
  const prov = Provenance.safeParse((script.output?.data as { provenance?: unknown } | undefined)?.provenance);
  if (!prov.success) return "its script records no provenance (made by an older worker): remake it to publish it with a release";
  const atom = kb.atoms.find((a) => a.id === atomId);
  if (!atom) return "not in the knowledge base at the release's commit";
  const inputs = { ...scriptInputs(kb, atom, prov.data.writer, prov.data.model ?? ""), promptVersion: prov.data.promptVersion };
  // The knowledge base at a tag is read from git objects, without kb/sources digests: for the
  // same citations, the digests the script recorded stand in (the atom itself must still match).
  const recorded = prov.data.sources;
  if (inputs.sourceDigests && !kb.sources && recorded && recorded.length === inputs.sourceDigests.length) {
    const same = inputs.sourceDigests.every((d, i) => d.path === recorded[i]!.path && d.section === recorded[i]!.section);
    if (same) inputs.sourceDigests = recorded.map((r) => ({ path: r.path, ...(r.section !== undefined ? { section: r.section } : {}), sha256: r.sha256 }));
  }
  return sourceHash(inputs) === prov.data.sourceHash
    ? null
    : "its latest lesson was made from other content than the release's commit (changed since, or not remade yet)";
}
