/**
 * The contract between the job runner and the pipeline stages.
 *
 * A job becomes an ordered list of {@link PlannedStep}s. Each stage (knowledge-base check,
 * script writing, narration, rendering, publishing) contributes steps; the runner
 * (worker/pipeline/runner.ts) executes them in order against the ledger:
 *
 *  - a step's input hash = sha256(kind, version, canonical JSON of `inputs(deps)`);
 *  - if the ledger holds a finished run of the same key with the same input hash, the step
 *    is skipped and its recorded output is reused;
 *  - otherwise `run()` executes and its output is recorded before the next step starts.
 *
 * So "only changed atoms are rewritten" falls out of the hashes: an atom whose inputs did
 * not change has the same hash and costs nothing.
 */
import type { ChangedPaths, Job } from "../../shared/jobs.ts";
import type { Course, PLCAtom } from "../../shared/models.ts";
import type { SimTask } from "../../shared/sim.ts";
import type { SourcesIndex } from "../../shared/sources.ts";

/** Structured logger: readable on a TTY, JSON lines otherwise. Fields carry jobId and step. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** A knowledge base that parsed and validated. */
export interface KnowledgeBase {
  atoms: PLCAtom[];
  courses: Course[];
  /** kb/sources/ as far as atoms cite it; absent when no atom cites a file there (worker/kb/sources-digest.ts). */
  sources?: KbSources;
  /** The kb/sim/ tasks atoms link to (`simTask`), by task id; absent when no atom links one (worker/kb/sim-links.ts). */
  simTasks?: Readonly<Record<string, LinkedSimTask>>;
}

/** A simulation task an atom links to, with the program its lesson shows, loaded before planning. */
export interface LinkedSimTask {
  task: SimTask;
  /** sha256 of kb/sim/<id>.json as committed. */
  taskSha256: string;
  /** kb/sim/<id>.solution.st (the learning agent's program) when present, else kb/sim/<id>.st (the reference). */
  programFile: string;
  program: string;
  /** sha256 of `program`. */
  programSha256: string;
}

/** The sources index and a digest of everything atoms cite in it, loaded before planning (plan() does no I/O). */
export interface KbSources {
  index: SourcesIndex;
  /**
   * sha256 of each cited section's text by "path#n", and of each file cited without a section by
   * its path; null when the citation cannot be opened (the maintenance report says why).
   */
  digests: Readonly<Record<string, string | null>>;
}

/** The repository at the job's sha, as the planner sees it. */
export interface RepoSnapshot {
  /** Absolute path of the checkout (worker-owned under WORK_DIR, or a local repo for `run --local`). */
  dir: string;
  /** The commit checked out; null for a local run on a dirty tree. */
  sha: string | null;
  /** owner/name, or "local" for `run --local`. */
  repository: string;
  branch: string;
  /** What the push changed; null when unknown (schedule, manual, local). Informational only: hashes decide. */
  changes: ChangedPaths | null;
}

/** What a step produced. Everything here is recorded in the ledger and must be JSON-serialisable. */
export interface StepOutput {
  /** Files it made, by role ("script", "lesson", "thumbnail", …), relative to WORK_DIR/artifacts. */
  files?: Record<string, string>;
  /** Ids of side effects outside this machine ("videoId", "playlistId", …). */
  external?: Record<string, string>;
  /** Small JSON the next steps need (e.g. a VideoScript's hash, durations). */
  data?: unknown;
  /** Counters worth keeping (tokens in/out/cache, seconds of audio, …). */
  usage?: Record<string, number>;
  /** One line for the job result and the log. */
  note?: string;
  /** A few words for the job's one-line summary (what `factory status` shows), e.g. "sources changed, re-making fault-codes". */
  headline?: string;
}

/** Thrown by a step to fail the job with a clear message. */
export class StepError extends Error {
  /** @param retryable whether trying again later can help (network, quota) or not (broken input). */
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Earliest useful retry time (ms epoch), e.g. after a daily quota reset. */
    readonly retryAt?: number,
  ) {
    super(message);
    this.name = "StepError";
  }
}

/** Settings a step may read. Each stage validates the part it owns. */
export type PipelineSettings = Record<string, unknown>;

/** What the runner hands a running step. */
export interface StepContext {
  job: Job | null; // null for `factory run --local`
  snapshot: RepoSnapshot;
  kb: KnowledgeBase | null;
  /** WORK_DIR (absolute). */
  workDir: string;
  /** WORK_DIR/artifacts (absolute); StepOutput.files are relative to it. */
  artifactsDir: string;
  settings: PipelineSettings;
  /**
   * Aborted when a graceful shutdown's deadline passes or on a second signal: stop at the next safe
   * point. (A lost lease lets the running step finish and stops the job at the next step boundary.)
   */
  signal: AbortSignal;
  log: Logger;
  /** Outputs of the steps named in dependsOn, by key. */
  deps: Readonly<Record<string, StepOutput>>;
  /**
   * Values this step recorded durably in an earlier, interrupted attempt (e.g. an upload session URI).
   * Read them first: they are how a step resumes instead of repeating a side effect.
   */
  recorded: Readonly<Record<string, string>>;
  /**
   * The latest finished output of every step of `kind` in this repository, by step key, whatever
   * its inputs (e.g. what each lesson's script was made from). Absent where there is no ledger.
   */
  doneOutputs?(kind: string): ReadonlyMap<string, StepOutput>;
  /** Records a side effect in the ledger (fsync'd) before the step goes on. */
  record(name: string, value: string): void;
  /** Progress of a long step (drives the progress bar and the relay heartbeat). */
  progress(fraction: number, message?: string): void;
}

/** One step of a plan. */
export interface PlannedStep {
  /** Unique within a repository: "kb-check", "script:ohms-law", "narrate:ohms-law", … */
  key: string;
  /** "kb-check" | "write-script" | "narrate" | "render" | "publish" | … */
  kind: string;
  /** Bump when the step's code changes what it would produce: every cached output is then remade. */
  version: number;
  /** Keys of steps whose outputs this step reads. They always come earlier in the plan. */
  dependsOn: string[];
  /** Pure: everything that decides the output. Hashed into the input hash. */
  inputs(deps: Readonly<Record<string, StepOutput>>): unknown;
  run(ctx: StepContext): Promise<StepOutput>;
}

/** What a stage plans from. */
export interface PlanInput {
  snapshot: RepoSnapshot;
  kb: KnowledgeBase | null;
  settings: PipelineSettings;
  job: Job | null;
  /**
   * The atoms whose lessons this job makes (a sync job's `count`: the lessons already made plus
   * the next N not made yet); absent = every atom. Stages that work per lesson plan only these.
   */
  only?: ReadonlySet<string>;
}

/** A stage contributes steps to a plan. Pure: no I/O in plan(). */
export interface Stage {
  name: string;
  plan(input: PlanInput): PlannedStep[];
}

/**
 * Step keys, so stages can name each other's steps without importing each other.
 *
 * What each step kind leaves in its {@link StepOutput} (the contract between stages):
 *  - `script:<atom>`  (write-script): `data` = the VideoScript; `files.script` = its JSON.
 *  - `narrate:<atom>` (narrate): `data` = MediaAssets["narration"] (clip paths relative to artifactsDir).
 *  - `render:<atom>`  (render): `data` = MediaAssets; `files` = lesson, short, thumbnail, captionsSrt, captionsVtt.
 *  - `publish:<atom>` (publish): `external.videoId` (+ `playlistId`); `data` = { url, privacy, publishAt? }.
 */
export const stepKey = {
  kbCheck: () => "kb-check",
  script: (atomId: string) => `script:${atomId}`,
  narrate: (atomId: string) => `narrate:${atomId}`,
  render: (atomId: string) => `render:${atomId}`,
  publish: (atomId: string) => `publish:${atomId}`,
  writeback: () => "writeback",
} as const;
