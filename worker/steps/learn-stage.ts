/**
 * The learn stage: the learning agent in the pipeline.
 *
 * - On a push, every task the push adds or changes (kb/sim/<id>.json or kb/sim/<id>.st in its
 *   changed paths) is learnt: a `sim:<id>` step reads the task at the pushed commit, and the
 *   `learn:<id>` step (worker/learn/learn-step.ts) is keyed by the hash of that task, the
 *   prompt version and the model, so a redelivered push or an unchanged task costs 0 tokens.
 * - A `factory.learn` job (a dispatch with client_payload {task, rounds?, plant?}) learns the one
 *   task it names at the branch head: {@link learnJobStages}.
 * - With settings.publish.writeback.enabled, each program Claude wrote that passed is committed to
 *   the write-back branch as kb/sim/<id>.solution.st (never to the watched branch).
 *
 * Without ANTHROPIC_API_KEY the learn step checks the task's reference solution instead and
 * says that no model was asked (as `factory learn` does).
 */
import { join } from "node:path";
import { DispatchPayload, type Job, LearnPayload } from "../../shared/jobs.ts";
import { type LearnStepData, type LearnStepDeps, type PlantKind, type TaskSource, learnStep, learnStepKey } from "../learn/learn-step.ts";
import { TaskFileError, loadSimTask } from "../learn/task-file.ts";
import { type PlanInput, type PlannedStep, type Stage, StepError, type StepOutput } from "../pipeline/types.ts";
import { writeBack } from "../publish/writeback.ts";
import { type PublishSettings, publishSettings } from "../publish/settings.ts";

export const simReadKey = (taskId: string) => `sim:${taskId}`;
export const solutionPath = (taskId: string) => `kb/sim/${taskId}.solution.st`;

const TASK_PATH = /^kb\/sim\/([a-z0-9]+(?:-[a-z0-9]+)*)\.(json|st)$/;

/**
 * Task ids a push added or changed, sorted; a task whose .json the push removed is left out.
 * (A summary the relay truncated lists only some paths: tasks beyond it wait for their next change
 * or a `factory.learn` dispatch.)
 */
export function changedTaskIds(changes: PlanInput["snapshot"]["changes"]): string[] {
  if (!changes) return [];
  const removed = new Set(changes.removed.flatMap((p) => (TASK_PATH.exec(p)?.[2] === "json" ? [TASK_PATH.exec(p)![1]!] : [])));
  const ids = new Set<string>();
  for (const p of [...changes.added, ...changes.modified]) {
    const m = TASK_PATH.exec(p);
    // kb/sim/index.json is the folder's index, not a task.
    if (m && m[1] !== "index" && !removed.has(m[1]!)) ids.add(m[1]!);
  }
  return [...ids].sort();
}

/** Reads one task (and its reference) from the checkout; keyed by the commit so it runs once per commit. */
function simReadStep(taskId: string, sha: string | null): PlannedStep {
  return {
    key: simReadKey(taskId),
    kind: "sim-read",
    version: 1,
    dependsOn: [],
    inputs: () => ({ task: taskId, sha }),
    async run(ctx): Promise<StepOutput> {
      try {
        const loaded = await loadSimTask(join(ctx.snapshot.dir, "kb"), taskId);
        const data: TaskSource = { task: loaded.task, reference: loaded.reference };
        return { data, note: `read kb/sim/${taskId}.json${loaded.reference === null ? " (no reference solution)" : " and its reference solution"}` };
      } catch (e) {
        if (e instanceof TaskFileError) throw new StepError(e.message.replaceAll(ctx.snapshot.dir + "/", ""), false);
        throw e;
      }
    },
  };
}

/** The task a `sim:<id>` step read. */
function taskFrom(taskId: string) {
  return (deps: Readonly<Record<string, StepOutput>>): TaskSource => {
    const data = deps[simReadKey(taskId)]?.data as TaskSource | undefined;
    if (!data?.task) throw new StepError(`internal: the task ${taskId} was not read before learning it`, false);
    return data;
  };
}

/** Commits every passing program of this plan to the write-back branch. */
function solutionWritebackStep(taskIds: string[], s: PublishSettings, now: () => number): PlannedStep {
  const keys = taskIds.map(learnStepKey);
  const { enabled: _enabled, ...target } = s.writeback;
  const solutions = (deps: Readonly<Record<string, StepOutput>>) =>
    keys.flatMap((k) => {
      const d = deps[k]?.data as LearnStepData | undefined;
      // Only what a model wrote and the judge passed: the reference solution is already in kb/sim/<id>.st.
      return d?.passed && d.writer === "claude" && d.solution ? [{ path: solutionPath(d.task), text: d.solution.endsWith("\n") ? d.solution : `${d.solution}\n` }] : [];
    });
  return {
    key: "writeback:sim",
    kind: "writeback",
    version: 1,
    dependsOn: keys,
    inputs: (deps) => ({ target, solutions: solutions(deps) }),
    async run(ctx): Promise<StepOutput> {
      const files = solutions(ctx.deps);
      if (files.length === 0) return { note: "no passing program to write back" };
      const result = await writeBack({
        repoDir: ctx.snapshot.dir,
        watchedBranch: ctx.snapshot.branch,
        settings: s.writeback,
        scripts: [],
        files,
        author: { name: s.writeback.authorName, email: s.writeback.authorEmail },
        now: new Date(now()),
      });
      return {
        external: { commit: result.commit },
        data: { branch: s.writeback.branch, committed: result.committed, pushed: result.pushed, changed: result.changed },
        note: result.committed
          ? `committed ${result.changed.length} learnt program(s) to ${s.writeback.branch}${result.pushed ? " and pushed" : ""}`
          : `${s.writeback.branch} already holds the learnt program(s)`,
      };
    },
  };
}

/** What a learn plan needs from outside. */
export interface LearnStageDeps extends LearnStepDeps {
  now?: () => number;
}

function learnPlan(taskIds: string[], input: PlanInput, o: { rounds?: number; plant?: PlantKind }, deps: LearnStageDeps): PlannedStep[] {
  if (taskIds.length === 0) return [];
  const steps: PlannedStep[] = [];
  for (const id of taskIds) {
    steps.push(simReadStep(id, input.snapshot.sha));
    steps.push(
      learnStep({
        taskId: id,
        dependsOn: [simReadKey(id)],
        source: taskFrom(id),
        settings: input.settings,
        ...(o.rounds !== undefined ? { maxRounds: o.rounds } : {}),
        ...(o.plant ? { plant: o.plant } : {}),
        deps,
      }),
    );
  }
  const publish = publishSettings(input.settings);
  if (publish.writeback.enabled) steps.push(solutionWritebackStep(taskIds, publish, deps.now ?? Date.now));
  return steps;
}

/** The stage of the sync pipeline: learns the tasks a push adds or changes. */
export function learnStage(deps: LearnStageDeps = {}): Stage {
  return { name: "learn", plan: (input) => learnPlan(changedTaskIds(input.snapshot.changes), input, {}, deps) };
}

/**
 * What a `factory.learn` job asks for: the dispatch's client_payload (or the job payload itself
 * when enqueued directly). Throws a non-retryable StepError that says what to send.
 */
export function learnRequest(job: Job): LearnPayload {
  let raw: unknown = job.payload;
  if (job.payload.trigger === "dispatch") {
    const d = DispatchPayload.safeParse(job.payload);
    if (d.success) raw = d.data.clientPayload;
  }
  const p = LearnPayload.safeParse(raw);
  if (!p.success) {
    const why = p.error.issues.map((i) => `${i.path.join(".") || "client_payload"}: ${i.message}`).join("; ");
    throw new StepError(
      `job ${job.id} is not a valid ${job.type} request (${why}): send a repository_dispatch with event_type "factory.learn" and client_payload {"task": "<id of kb/sim/<id>.json>", "rounds": 5}.`,
      false,
    );
  }
  return p.data;
}

/** The stages of a `factory.learn` job: read that one task at the synced commit and learn it. */
export function learnJobStages(req: LearnPayload, deps: LearnStageDeps = {}): Stage[] {
  return [{ name: "learn", plan: (input) => learnPlan([req.task], input, { ...(req.rounds ? { rounds: req.rounds } : {}), ...(req.plant ? { plant: req.plant } : {}) }, deps) }];
}
