/**
 * The learning agent's benchmark.
 *
 * 1. Interpreter speed, per scene, with each task's reference solution (kb/sim/<id>.st) against
 *    the built-in plant, through the real `runTask` (engine + plant + trace + judge):
 *    scans per second and simulated seconds per wall second (goal ≥ 1,000× realtime at a 10 ms
 *    cycle). Baseline in the same run: the same task run with an empty program that declares the
 *    same tags and does nothing, so the ratio is what interpreting the program adds. Also the bare
 *    interpreter (scans of the program alone, no plant).
 * 2. Only when ANTHROPIC_API_KEY is set: the task benchmark. Claude (settings.content.model, or
 *    BENCH_MODEL) learns every task within 5 rounds: pass@1, pass within 5 rounds, mean rounds to
 *    green, tokens and cost per task, beside the published figures (LLM4PLC: 47 % → 72 % within
 *    3 repair rounds; Agents4PLC: 62.5 % of easy tasks). No ledger: every run asks the model.
 *
 *   node --import tsx bench/learn.bench.ts          (BENCH_QUICK=1: one run per task)
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SimTask } from "../shared/sim.ts";
import { costUsd, priceOf } from "../worker/agents/pricing.ts";
import { type TokenUsage, zeroUsage } from "../worker/agents/usage.ts";
import { loadConfig } from "../worker/config.ts";
import { ClaudeProgramWriter } from "../worker/learn/agent.ts";
import { parseContentSettings } from "../worker/steps/content-stage.ts";
import { createTaskJudge } from "../worker/learn/judge-program.ts";
import { runLearningLoop } from "../worker/learn/loop.ts";
import { LEARN_SYSTEM_PROMPT, buildRoundMessage, learnTool } from "../worker/learn/prompt.ts";
import { estimateTokens } from "../test/fakes/anthropic.ts";
import { createBuiltinPlant } from "../worker/learn/plants/index.ts";
import { describeInterface, runTask } from "../worker/learn/run-task.ts";
import { compileProgram } from "../worker/learn/st/index.ts";
import { listTaskIds, loadSimTask } from "../worker/learn/task-file.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const kbDir = join(root, "kb");
const quick = process.env.BENCH_QUICK === "1";
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const tasks: { task: SimTask; reference: string }[] = [];
for (const id of await listTaskIds(join(kbDir, "sim"))) {
  const t = await loadSimTask(kbDir, id);
  if (t.reference !== null) tasks.push({ task: t.task, reference: t.reference });
}
if (tasks.length === 0) {
  console.log("learn: kb/sim holds no task with a reference solution: nothing to measure");
  process.exit(0);
}

/** Runs a program on a task `runs` times; wall ms per run (median) and the run's scans. */
async function timeRuns(source: string, task: SimTask, runs: number): Promise<{ ms: number; scans: number; passed: boolean }> {
  const program = compileProgram(source, `${task.id}.st`);
  const times: number[] = [];
  let scans = 0;
  let passed = false;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = await runTask({ program, task, plant: createBuiltinPlant(task.scene) });
    times.push(performance.now() - started);
    if (r.status === "passed" || r.status === "failed") {
      scans = r.trace.times.length;
      passed = r.status === "passed";
    }
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, scans, passed };
}

/**
 * Scans per second of the program alone: its inputs replayed from a recorded run of the task
 * (same values at the same scans), no plant, no trace, no judge.
 */
async function bareScans(source: string, task: SimTask): Promise<number> {
  const program = compileProgram(source, `${task.id}.st`);
  const r = await runTask({ program, task, plant: createBuiltinPlant(task.scene) });
  if (r.status === "interface-error") throw new Error(r.message);
  const inputs = task.tags.filter((t) => t.direction === "input");
  const byTime = new Map<number, { id: string; value: boolean | number }[]>();
  for (const c of r.trace.changes) {
    const tag = inputs.find((t) => t.name === c.tag);
    if (tag) byTime.set(c.t, [...(byTime.get(c.t) ?? []), { id: tag.identifier, value: c.value }]);
  }
  let best = 0;
  for (let rep = 0; rep < 3; rep++) {
    const instance = program.createInstance();
    for (const tag of inputs) instance.setInput(tag.identifier, r.trace.initial[tag.name]!);
    const started = performance.now();
    for (const t of r.trace.times) {
      for (const s of byTime.get(t) ?? []) instance.setInput(s.id, s.value);
      instance.scan(t);
    }
    best = Math.max(best, r.trace.times.length / ((performance.now() - started) / 1000));
  }
  return best;
}

interface SceneRow {
  scene: string;
  tasks: number;
  scans: number;
  simMs: number;
  wallMs: number;
  emptyWallMs: number;
  bare: number[];
  failed: string[];
}

const runs = quick ? 1 : 5;
const scenes = new Map<string, SceneRow>();
for (const { task, reference } of tasks) {
  const empty = ["PROGRAM Empty", ...describeInterface(task), "END_PROGRAM", ""].join("\n");
  await timeRuns(reference, task, 1); // warm-up: the first run compiles the engine's hot paths
  const withProgram = await timeRuns(reference, task, runs);
  const baseline = await timeRuns(empty, task, runs);
  const row = scenes.get(task.scene) ?? { scene: task.scene, tasks: 0, scans: 0, simMs: 0, wallMs: 0, emptyWallMs: 0, bare: [], failed: [] };
  row.tasks++;
  row.scans += withProgram.scans;
  row.simMs += withProgram.scans * task.cycleMs;
  row.wallMs += withProgram.ms;
  row.emptyWallMs += baseline.ms;
  row.bare.push(await bareScans(reference, task));
  if (!withProgram.passed) row.failed.push(task.id);
  scenes.set(task.scene, row);
}

console.log(`learn: interpreter speed, reference solutions of ${tasks.length} task(s) against the built-in plants (median of ${runs} run(s) per task)`);
console.log("| scene | tasks | scans | scans/s with plant + judge | × realtime | empty program (baseline) | ratio | program alone (inputs replayed), scans/s | × realtime | goal ≥ 1,000× at 10 ms |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of scenes.values()) {
  const perSec = r.scans / (r.wallMs / 1000);
  const realtime = r.simMs / r.wallMs;
  const baseRealtime = r.simMs / r.emptyWallMs;
  const bare = r.bare.reduce((a, b) => a + b, 0) / r.bare.length;
  console.log(
    `| ${r.scene} | ${r.tasks} | ${fmt(r.scans)} | ${fmt(perSec)} | **${fmt(realtime)}×** | ${fmt(baseRealtime)}× | ${(r.wallMs / r.emptyWallMs).toFixed(2)} | ${fmt(bare)} | ${fmt((bare * 10) / 1000)}× | interpreter ${(bare * 10) / 1000 >= 1000 ? "✔" : "✘"}, with plant ${realtime >= 1000 ? "✔" : "✘"} |`,
  );
  if (r.failed.length) console.log(`  (reference solutions NOT passing: ${r.failed.join(", ")})`);
}

// Prompt size, estimated as the token benchmark does (request characters / 3.5): the cached
// prefix once, and the first round's user message per task (later rounds add the previous
// program and its feedback).
const prefix = estimateTokens(JSON.stringify([learnTool()]) + JSON.stringify([{ type: "text", text: LEARN_SYSTEM_PROMPT }]));
const firsts = tasks.map(({ task }) => estimateTokens(JSON.stringify([{ role: "user", content: buildRoundMessage({ task, round: 1, maxRounds: 5, previous: null }) }])));
console.log(
  `\nlearn: prompt size (estimate = chars / 3.5): cached prefix ${fmt(prefix)} tokens; round-1 message per task mean ${fmt(firsts.reduce((a, b) => a + b, 0) / firsts.length)}, min ${fmt(Math.min(...firsts))}, max ${fmt(Math.max(...firsts))}`,
);

const apiKey = process.env.ANTHROPIC_API_KEY;
if (!apiKey) {
  console.log("\nlearn: task benchmark skipped: ANTHROPIC_API_KEY is not set (it asks the model for every task, up to 5 rounds each).");
  process.exit(0);
}

// The content agent's model setting (factory.config.json), unless BENCH_MODEL names another.
const model = process.env.BENCH_MODEL ?? parseContentSettings(loadConfig().settings).model;
console.log(`\nlearn: task benchmark, ${tasks.length} task(s), ${model}, up to 5 rounds each`);
const writer = new ClaudeProgramWriter({ apiKey, model, maxTokens: 4096, baseURL: process.env.ANTHROPIC_BASE_URL, maxAttempts: 4, timeoutMs: 120_000 });
const results: { id: string; passed: boolean; rounds: number; usage: TokenUsage }[] = [];
for (const { task } of tasks) {
  const judge = await createTaskJudge(task, "builtin", {});
  const r = await runLearningLoop({ task, maxRounds: 5, writer, judge, signal: new AbortController().signal });
  results.push({ id: task.id, passed: r.passed, rounds: r.rounds.length, usage: r.usage });
  const last = r.rounds[r.rounds.length - 1]!.verdict.kind;
  console.log(`  ${task.id}: ${r.passed ? `pass in round ${r.passingRound}` : `no pass in 5 (last: ${last})`}, ${fmt(r.usage.inputTokens + r.usage.cacheReadInputTokens + r.usage.cacheCreationInputTokens)} in / ${fmt(r.usage.outputTokens)} out tokens`);
}
const n = results.length;
const pass1 = results.filter((r) => r.passed && r.rounds === 1).length;
const pass5 = results.filter((r) => r.passed).length;
const green = results.filter((r) => r.passed);
const total = results.reduce((u, r) => ({
  inputTokens: u.inputTokens + r.usage.inputTokens,
  outputTokens: u.outputTokens + r.usage.outputTokens,
  cacheCreationInputTokens: u.cacheCreationInputTokens + r.usage.cacheCreationInputTokens,
  cacheReadInputTokens: u.cacheReadInputTokens + r.usage.cacheReadInputTokens,
}), zeroUsage());
const price = priceOf(model);
const pct = (k: number) => `${((100 * k) / n).toFixed(0)} %`;
console.log("| measure | ours | published (no plant in the loop) |");
console.log("|---|---|---|");
console.log(`| pass@1 (every criterion, first program) | ${pct(pass1)} (${pass1}/${n}) | LLM4PLC 47 % generation success |`);
console.log(`| pass within 5 rounds | **${pct(pass5)}** (${pass5}/${n}); goal ≥ 80 % | LLM4PLC 72 % within 3 repair rounds; Agents4PLC 62.5 % of easy tasks |`);
console.log(`| mean rounds to green | ${green.length ? (green.reduce((a, r) => a + r.rounds, 0) / green.length).toFixed(2) : "—"} | |`);
console.log(`| tokens per task | ${fmt(total.inputTokens / n)} in + ${fmt(total.cacheCreationInputTokens / n)} cache write + ${fmt(total.cacheReadInputTokens / n)} cache read + ${fmt(total.outputTokens / n)} out | |`);
console.log(`| cost per task | ${price ? `$${(costUsd(total, price) / n).toFixed(4)}` : `price of ${model} unknown`} | |`);
