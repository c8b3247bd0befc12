/** Shared pieces of the content tests: the starter KB, writer inputs and a minimal step context. */
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WriterInput } from "../../worker/agents/prompt.ts";
import { loadKnowledgeBase } from "../../worker/kb/load.ts";
import { Ledger } from "../../worker/ledger.ts";
import { silentLogger } from "../../worker/log.ts";
import { defaultKbLoader, runPipeline } from "../../worker/pipeline/runner.ts";
import type { KnowledgeBase, Logger, StepContext } from "../../worker/pipeline/types.ts";
import { contentStage, scriptInputs } from "../../worker/steps/content-stage.ts";
import type { FakeAnthropic } from "../fakes/anthropic.ts";

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

/**
 * A copy of the repository's kb/ in a temp "checkout", a work dir and a ledger, and `run()`:
 * the real runner with the content stage writing through the SDK to `fake`.
 */
export async function contentPipeline(fake: FakeAnthropic) {
  const repo = await mkdtemp(join(tmpdir(), "content-repo-"));
  await cp(join(repoDir, "kb"), join(repo, "kb"), { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), "content-work-"));
  const ledger = Ledger.open(join(workDir, "ledger.sqlite"));
  const env = { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL };
  const run = () =>
    runPipeline({
      job: null,
      snapshot: { dir: repo, sha: null, repository: "local", branch: "main", changes: null },
      stages: [contentStage({ env, sleep: async () => {} })],
      ledger,
      settings: { content: { model: fake.model } },
      workDir,
      loadKb: defaultKbLoader,
      log: silentLogger,
      signal: new AbortController().signal,
    });
  return { repo, workDir, ledger, run };
}
