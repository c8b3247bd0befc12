/** Shared pieces of the content tests: the starter KB, writer inputs and a minimal step context. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WriterInput } from "../../worker/agents/prompt.ts";
import { loadKnowledgeBase } from "../../worker/kb/load.ts";
import type { KnowledgeBase, Logger, StepContext } from "../../worker/pipeline/types.ts";
import { scriptInputs } from "../../worker/steps/content-stage.ts";

export const repoDir = fileURLToPath(new URL("../..", import.meta.url));

/** The repository's starter knowledge base (it must be valid: test/kb checks that). */
export async function starterKb(): Promise<KnowledgeBase> {
  const { kb, problems } = await loadKnowledgeBase(repoDir);
  if (!kb) throw new Error(`starter KB invalid: ${JSON.stringify(problems)}`);
  return kb;
}

/** The writer input of one starter atom. */
export function inputFor(kb: KnowledgeBase, id: string): WriterInput {
  const atom = kb.atoms.find((a) => a.id === id);
  if (!atom) throw new Error(`no atom ${id}`);
  return scriptInputs(kb, atom, "offline", "none");
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** A step context over a fresh artifacts dir. */
export async function stepContext(kb: KnowledgeBase, signal = new AbortController().signal): Promise<StepContext & { progressed: number[] }> {
  const workDir = await mkdtemp(join(tmpdir(), "content-test-"));
  const progressed: number[] = [];
  return {
    job: null,
    snapshot: { dir: repoDir, sha: null, repository: "local", branch: "main", changes: null },
    kb,
    workDir,
    artifactsDir: join(workDir, "artifacts"),
    settings: {},
    signal,
    log: silent,
    deps: {},
    recorded: {},
    record() {},
    progress(f) {
      progressed.push(f);
    },
    progressed,
  };
}
