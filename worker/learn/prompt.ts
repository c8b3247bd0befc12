/**
 * What the learning agent is told: a static, cacheable system prompt (the ST subset the engine
 * accepts, in short) and tool, and a small per-round user message. Pure, no I/O.
 *
 * External memory (docs/ai-rules.md): each round is ONE fresh request that carries the task
 * (behaviour, tag table with ST identifiers, scenario summary, criteria id + text) and, after a
 * failed round, the previous program with what went wrong: compile errors verbatim, the runtime
 * error, or the first violated criterion with its trace excerpt. Never the knowledge base, never
 * another task, never the reference solution. The conversation does not grow with the rounds.
 */
import { z } from "zod";
import type { ScenarioEvent } from "../../shared/sim.ts";

/** Bump when the prompt or tool changes what a program would be: every task is then learnt again. */
export const LEARN_PROMPT_VERSION = "st-v1";

/** The forced tool through which the model returns a program (structured output). */
export const ST_TOOL_NAME = "submit_st_program";

/** What the model answers with. */
export const StProgramAnswer = z.object({
  program: z.string().min(20, "must be a whole PROGRAM ... END_PROGRAM").max(40_000),
  notes: z.string().max(2000).optional(),
});
export type StProgramAnswer = z.infer<typeof StProgramAnswer>;

/** One tag of a task as the prompt shows it (shared/sim.ts SimTask tags have this shape). */
export interface LearnTag {
  name: string;
  direction: "input" | "output";
  type: string;
  identifier: string;
}

/** The parts of a simulation task the prompt uses (structurally a shared/sim.ts SimTask). */
export interface LearnTask {
  id: string;
  scene: string;
  title: string;
  behaviour: string;
  tags: readonly LearnTag[];
  scenario: readonly ScenarioEvent[];
  durationMs: number;
  cycleMs: number;
  criteria: readonly { id: string; text: string }[];
}

/** What went wrong in the previous round, in the words the model gets back. */
export type Feedback =
  | { kind: "compile-error"; message: string }
  | { kind: "runtime-error"; message: string }
  | {
      kind: "criterion-failed";
      criterionId: string;
      criterionText: string;
      atMs: number | null;
      /** Why the judge says it failed, one or two lines. */
      reason: string;
      /** The tag trace around the violation, as the judge renders it. */
      excerpt: string;
      /** Every criterion's result, to show what already works. */
      results: { id: string; pass: boolean }[];
    };

/** One round's request: the task, and after a failure the previous program and its feedback. */
export interface RoundInput {
  task: LearnTask;
  round: number;
  maxRounds: number;
  previous: { program: string; feedback: Feedback } | null;
}

/** The static system prompt. Marked for prompt caching; keep it free of anything per-task. */
export const LEARN_SYSTEM_PROMPT = `You are a PLC programmer. You write IEC 61131-3 Structured Text (ST) control programs for a plant simulation. Your program runs scan by scan against the plant, with a fixed cycle in simulated time, and a judge checks every acceptance criterion of the task against the recorded run. You get the task; if a program fails, you get it back with the compiler errors, the runtime error, or the first criterion it violated with a trace of the tags around that moment, and you fix it.

The ST subset the engine accepts (anything else is a compile error):
- One PROGRAM <name> ... END_PROGRAM. No user-defined FUNCTION or FUNCTION_BLOCK, no arrays, structs, strings or pointers.
- Declarations: VAR_INPUT ... END_VAR (the plant's inputs: sensors, buttons; read-only: assigning one is a compile error), VAR_OUTPUT ... END_VAR (actuators, lights, counters), VAR ... END_VAR (your own state and function-block instances). \`name : TYPE;\`, \`a, b : TYPE;\` or \`name : TYPE := initial;\`.
- Types: BOOL, INT (16-bit), DINT (32-bit), REAL, TIME. Literals: TRUE, FALSE, 42, -7, 3.5, 1.0E3, T#500ms, T#1s500ms, T#2m, TIME#5s. Types are strict: INT widens to DINT and REAL by itself, anything narrower needs a conversion (REAL_TO_INT, INT_TO_REAL, DINT_TO_INT, BOOL_TO_INT, TIME_TO_DINT, ...). TIME allows TIME + TIME, TIME - TIME, TIME * number, TIME / number.
- Statements end with ';': assignment \`x := expr;\`, IF ... THEN ... ELSIF ... THEN ... ELSE ... END_IF;, CASE n OF 1: ...; 2, 3: ...; 4..6: ...; ELSE ... END_CASE;, FOR i := 1 TO 10 BY 1 DO ... END_FOR;, WHILE c DO ... END_WHILE;, REPEAT ... UNTIL c END_REPEAT;, EXIT;, RETURN;. Loops are guarded: too many iterations in one scan is a runtime error, so never wait inside a loop: keep state between scans instead.
- Operators by precedence, highest first: ( ), function calls, **, NOT and unary -, * / MOD, + -, < > <= >=, = <>, AND (&), XOR, OR. INT division truncates; division by zero is a runtime error. Comments: (* ... *) and // to the end of the line. Identifiers are case-insensitive.
- Standard functions: ABS, SQRT, EXPT, MIN, MAX, LIMIT(MN, IN, MX), SEL(G, IN0, IN1), TRUNC and the conversions X_TO_Y between BOOL, INT, DINT, REAL and TIME.
- Standard function blocks, declared as instances in VAR (e.g. \`tStart : TON;\`), called as a statement with named inputs, outputs read as instance.output:
  TON(IN, PT) -> Q, ET: Q goes TRUE when IN has been TRUE for PT.  TOF(IN, PT) -> Q, ET: Q stays TRUE for PT after IN falls.  TP(IN, PT) -> Q, ET: a pulse of PT on a rising IN.
  R_TRIG(CLK) -> Q and F_TRIG(CLK) -> Q: TRUE for one scan on a rising / falling edge.
  CTU(CU, R, PV) -> Q, CV; CTD(CD, LD, PV) -> Q, CV; CTUD(CU, CD, R, LD, PV) -> QU, QD, CV: count on rising edges of CU / CD.
  SR(SET1, RESET) -> Q1 (set wins) and RS(SET, RESET1) -> Q1 (reset wins).
  Example: \`tDelay(IN := Sensor, PT := T#2s); IF tDelay.Q THEN Motor := FALSE; END_IF;\` Call each instance exactly once per scan, unconditionally (not inside an IF), or its timing is wrong.
- Timers run on simulated time; every variable keeps its value from one scan to the next; outputs reach the plant at the end of each scan.

How to write the program:
1. Declare every tag of the task's tag table, and only those, with its ST identifier and type: inputs in VAR_INPUT, outputs in VAR_OUTPUT. Put all other state in VAR.
2. Assign every output you declare on every path you intend it to change; an output you never assign stays at its initial value.
3. Read the behaviour and every criterion: the judge checks all of them over the whole scenario. Normally closed contacts (such as an emergency stop, and stop buttons when the task says so) are TRUE while NOT pressed.
4. Safety: never bypass an emergency stop or an interlock. When the task has an emergency stop, pressing it stops every actuator, and the machine does not restart by itself when it is released.
5. Keep it simple and readable: a clear state machine or seal-in logic, short comments where the intent is not obvious.
6. Return the program only by calling the ${ST_TOOL_NAME} tool exactly once: \`program\` is the complete source from PROGRAM to END_PROGRAM, \`notes\` (optional) one or two sentences on what you changed and why.

When you get a failed round back, fix the cause it shows (the exact compiler message, or the criterion and the tag values around the violation) and submit the complete corrected program; keep what already passes.`;

/** The tool whose input schema is the answer, generated from the zod model so it is never written twice. */
export function learnTool(): { name: string; description: string; input_schema: { type: "object"; [k: string]: unknown } } {
  const schema = z.toJSONSchema(StProgramAnswer, { target: "draft-2020-12" }) as Record<string, unknown>;
  delete schema.$schema;
  return {
    name: ST_TOOL_NAME,
    description: "Submit the complete Structured Text program for the task.",
    input_schema: { ...schema, type: "object" },
  };
}

/** Milliseconds as the prompt shows them: "1.5 s", "200 ms". */
export function formatMs(ms: number): string {
  if (Math.abs(ms) < 1000) return `${ms} ms`;
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** One scenario event as a line: "1.5 s: press Start, released after 200 ms" (the scenario's words, nothing invented). */
export function scenarioLine(e: ScenarioEvent): string {
  const at = `- ${formatMs(e.at)}: `;
  switch (e.kind) {
    case "press":
      return `${at}press ${e.tag}${e.holdMs === undefined ? " (it stays pressed until released)" : `, released after ${formatMs(e.holdMs)}`}`;
    case "release":
      return `${at}release ${e.tag}`;
    case "set":
      return `${at}set ${e.tag} to ${typeof e.value === "boolean" ? (e.value ? "TRUE" : "FALSE") : e.value}`;
    case "part":
      return `${at}a part of type ${e.part} becomes available at the emitter`;
    case "disturbance":
      return `${at}disturbance ${e.name} becomes ${e.value}`;
  }
}

function taskBlock(task: LearnTask): string[] {
  const tag = (t: LearnTag) => `| ${t.name} | ${t.identifier} | ${t.direction === "input" ? "VAR_INPUT" : "VAR_OUTPUT"} | ${t.type} |`;
  return [
    `<task id="${task.id}" scene="${task.scene}">`,
    `Title: ${task.title}`,
    ``,
    `Behaviour:`,
    task.behaviour.trim(),
    ``,
    `Tags (declare each one with its ST identifier, in this section, with this type):`,
    `| Tag in the scene | ST identifier | Section | Type |`,
    `|---|---|---|---|`,
    ...task.tags.filter((t) => t.direction === "input").map(tag),
    ...task.tags.filter((t) => t.direction === "output").map(tag),
    ``,
    `Scenario (what the plant and the operator do, in simulated time; your program only reacts):`,
    ...(task.scenario.length ? task.scenario.map(scenarioLine) : ["- nothing happens: the program runs on its own"]),
    `The run lasts ${formatMs(task.durationMs)} with a scan every ${formatMs(task.cycleMs)}.`,
    ``,
    `Acceptance criteria (every one must hold over the whole run):`,
    ...task.criteria.map((c) => `- ${c.id}: ${c.text}`),
    `</task>`,
  ];
}

/** Text as given, without leading blank lines or trailing space: table columns keep their indentation. */
const verbatim = (s: string) => s.replace(/^(?:[ \t]*\n)+/, "").trimEnd();

function feedbackBlock(previous: NonNullable<RoundInput["previous"]>, round: number): string[] {
  const f = previous.feedback;
  const program = [`<previous_program round="${round - 1}">`, verbatim(previous.program), `</previous_program>`];
  switch (f.kind) {
    case "compile-error":
      return [`Your previous program did not compile.`, ...program, ``, `Compiler errors (verbatim):`, `<compile_errors>`, verbatim(f.message), `</compile_errors>`];
    case "runtime-error":
      return [`Your previous program compiled but stopped with a runtime error.`, ...program, ``, `<runtime_error>`, verbatim(f.message), `</runtime_error>`];
    case "criterion-failed": {
      const at = f.atMs === null ? "" : ` at t = ${formatMs(f.atMs)}`;
      return [
        `Your previous program compiled and ran, but criterion ${f.criterionId} failed${at}.`,
        ...program,
        ``,
        `Criteria: ${f.results.map((r) => `${r.id} ${r.pass ? "pass" : "FAIL"}`).join(", ")}`,
        `First violated: ${f.criterionId}: ${f.criterionText}`,
        ...(f.reason.trim() ? [`Why: ${f.reason.trim()}`] : []),
        `Trace around the violation (tag values per time):`,
        `<trace>`,
        verbatim(f.excerpt),
        `</trace>`,
      ];
    }
  }
}

/** The user message of one round: the task in full, and after a failure the previous program with its feedback. */
export function buildRoundMessage(input: RoundInput): string {
  const lines = [`Write the Structured Text program for this simulation task.`, ``, ...taskBlock(input.task)];
  if (input.previous) {
    lines.push(``, `Round ${input.round} of ${input.maxRounds}.`, ...feedbackBlock(input.previous, input.round), ``);
    lines.push(`Submit the complete corrected program with ${ST_TOOL_NAME}.`);
  }
  return lines.join("\n");
}
