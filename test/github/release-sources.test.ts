/**
 * A release recognises a lesson whose atom cites kb/sources/ sections: the knowledge base at the
 * tag is read from git objects without source digests, so the digests the script recorded stand
 * in, while the atom itself (and its citations) must still match.
 */
import { describe, expect, it } from "vitest";
import type { PLCAtom } from "../../shared/models.ts";
import { writeOffline } from "../../worker/agents/offline.ts";
import { scriptMismatch } from "../../worker/github/release-lessons.ts";
import type { StepRun } from "../../worker/ledger.ts";
import type { KnowledgeBase } from "../../worker/pipeline/types.ts";
import { scriptInputs, sourceHash } from "../../worker/steps/content-stage.ts";

const atom: PLCAtom = {
  id: "fault-codes",
  title: "Drive fault codes",
  kind: "fault",
  summary: "What the drive's fault codes mean and what to check first.",
  body: "## Reading the code\nThe display shows F and a number.",
  prerequisites: [],
  tags: ["drives"],
  level: "intermediate",
  sources: [{ title: "CD400 manual", path: "kb/sources/cd400-manual.md", section: 12 }],
  safetyNotes: [],
  version: 1,
};

function scriptRun(kb: KnowledgeBase): StepRun {
  const inputs = scriptInputs(kb, atom, "offline", "m");
  let script = writeOffline(inputs, sourceHash(inputs));
  // As the content stage records it.
  script = { ...script, provenance: { ...script.provenance, sources: inputs.sourceDigests } };
  return { repository: "me/kb", key: "script:fault-codes", kind: "write-script", inputHash: "h", state: "done", output: { data: script }, recorded: {}, startedAt: 1, finishedAt: 2, jobId: null, error: null };
}

describe("a release and lessons citing kb/sources", () => {
  const withSources: KnowledgeBase = { atoms: [atom], courses: [], sources: { index: { version: 1, sources: [], problems: [] } as never, digests: { "kb/sources/cd400-manual.md#12": "a".repeat(64) } } };
  const atTag: KnowledgeBase = { atoms: [atom], courses: [] };

  it("counts the lesson as made at the tag when the atom and its citations are the same", () => {
    expect(scriptInputs(withSources, atom, "offline", "m").sourceDigests).toEqual([{ path: "kb/sources/cd400-manual.md", section: 12, sha256: "a".repeat(64) }]);
    expect(scriptMismatch(atTag, "fault-codes", scriptRun(withSources))).toBeNull();
  });

  it("still refuses a lesson whose atom cites another section at the tag", () => {
    const other = { ...atom, sources: [{ title: "CD400 manual", path: "kb/sources/cd400-manual.md", section: 13 }] };
    expect(scriptMismatch({ atoms: [other], courses: [] }, "fault-codes", scriptRun(withSources))).toMatch(/made from other content/);
  });
});
