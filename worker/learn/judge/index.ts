/**
 * The judge: pure, trace in, verdict out. Every criterion is evaluated over the whole run; the
 * verdict names the first violated criterion (by the time of its violation) with a trace
 * excerpt around it, the feedback the learning loop gives the model.
 */
import { criterionTags, type SimTask } from "../../../shared/sim.ts";
import { evaluate } from "./criteria.ts";
import { renderExcerpt } from "./excerpt.ts";
import { TraceIndex, type Trace } from "./trace.ts";

export type { Trace, TraceChange } from "./trace.ts";

export interface CriterionVerdict {
  id: string;
  kind: string;
  text: string;
  pass: boolean;
  /** When it failed (simulated ms). */
  atMs?: number;
  /** Why, in one sentence with the values seen. */
  reason?: string;
}

export interface FirstFailure extends CriterionVerdict {
  pass: false;
  atMs: number;
  reason: string;
  /** The tags the criterion names, about a second either side, as a text table. */
  excerpt: string;
}

export interface Verdict {
  pass: boolean;
  criteria: CriterionVerdict[];
  firstFailure: FirstFailure | null;
}

/** Judges a run of `task` recorded in `trace`. */
export function judge(task: SimTask, trace: Trace): Verdict {
  const index = new TraceIndex(trace);
  const criteria: CriterionVerdict[] = task.criteria.map((c) => {
    const o = evaluate(c, index);
    return { id: c.id, kind: c.kind, text: c.text, pass: o.pass, ...(o.pass ? {} : { atMs: o.atMs, reason: o.reason }) };
  });
  const failed = criteria.filter((c) => !c.pass).sort((a, b) => a.atMs! - b.atMs!);
  const first = failed[0];
  let firstFailure: FirstFailure | null = null;
  if (first) {
    const criterion = task.criteria.find((c) => c.id === first.id)!;
    firstFailure = {
      ...first,
      pass: false,
      atMs: first.atMs!,
      reason: first.reason!,
      excerpt: renderExcerpt(index, criterionTags(criterion), first.atMs!),
    };
  }
  return { pass: failed.length === 0, criteria, firstFailure };
}

/** The first failure as the model and the owner read it. */
export function renderFailure(f: FirstFailure): string {
  return [`criterion ${f.id} failed at ${f.atMs} ms: ${f.text}`, `why: ${f.reason}`, "trace around it:", f.excerpt].join("\n");
}
