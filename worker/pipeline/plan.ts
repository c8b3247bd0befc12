/**
 * Planning, pure: the stages' steps in order, checked, and for each step the decision "skip,
 * reuse this recorded output" or "run, under this input hash". No I/O: the ledger is reached
 * through a lookup function, so the same job, repository snapshot and ledger contents always
 * give the same plan.
 */
import { createHash } from "node:crypto";
import { StepError, type PlanInput, type PlannedStep, type Stage, type StepOutput } from "./types.ts";

/**
 * JSON with object keys sorted at every level, so equal values hash equally whatever order
 * their keys were built in. `undefined` members are dropped (as JSON.stringify does);
 * non-finite numbers, functions and symbols are refused because they have no JSON form.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot hash the number ${value}`);
      return JSON.stringify(value);
    case "bigint":
      return JSON.stringify(value.toString());
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`cannot hash a ${typeof value}`);
  }
}

/** sha256(kind, version, canonical JSON of inputs), hex. */
export function inputHash(kind: string, version: number, inputs: unknown): string {
  return createHash("sha256")
    .update(kind)
    .update("\0")
    .update(String(version))
    .update("\0")
    .update(canonicalJson(inputs))
    .digest("hex");
}

/**
 * Every stage's steps, in stage order, checked: keys are unique and every dependency comes
 * earlier. A broken plan is a bug in a stage, so it fails the job without retries.
 */
export function assemblePlan(stages: readonly Stage[], input: PlanInput): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const seen = new Set<string>();
  for (const stage of stages) {
    for (const step of stage.plan(input)) {
      if (seen.has(step.key)) {
        throw new StepError(`stage "${stage.name}" planned step "${step.key}" twice; step keys must be unique`, false);
      }
      for (const dep of step.dependsOn) {
        if (!seen.has(dep)) {
          throw new StepError(
            `step "${step.key}" (stage "${stage.name}") depends on "${dep}", which is not planned before it`,
            false,
          );
        }
      }
      seen.add(step.key);
      steps.push(step);
    }
  }
  return steps;
}

/** What to do with one step, given its dependencies' outputs and what the ledger holds. */
export type StepDecision =
  | { action: "skip"; inputHash: string; output: StepOutput }
  | { action: "run"; inputHash: string };

/**
 * Decides one step: its input hash from its dependencies' outputs; skip when the ledger has a
 * finished run with that hash (reusing its output), run otherwise.
 */
export function decideStep(
  step: PlannedStep,
  deps: Readonly<Record<string, StepOutput>>,
  findDone: (key: string, inputHash: string) => StepOutput | null,
): StepDecision {
  let hash: string;
  try {
    hash = inputHash(step.kind, step.version, step.inputs(deps));
  } catch (e) {
    throw new StepError(`step "${step.key}" has inputs that cannot be hashed: ${(e as Error).message}`, false);
  }
  const done = findDone(step.key, hash);
  return done ? { action: "skip", inputHash: hash, output: done } : { action: "run", inputHash: hash };
}

/** The outputs of the named dependencies, from everything produced so far. */
export function depsOf(step: PlannedStep, outputs: ReadonlyMap<string, StepOutput>): Record<string, StepOutput> {
  const deps: Record<string, StepOutput> = {};
  for (const key of step.dependsOn) {
    const out = outputs.get(key);
    if (out) deps[key] = out;
  }
  return deps;
}
