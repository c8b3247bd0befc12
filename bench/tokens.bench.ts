/**
 * Tokens the content agent spends on the starter knowledge base, through the real runner,
 * ledger and SDK against the loopback Messages API fake (test/fakes/anthropic.ts).
 *
 * Token counts are ESTIMATES computed by the fake from the real request bytes at 3.5
 * characters a token (pessimistic for English prose); the cached prefix (tools + system
 * prompt) is billed as a cache write on the first request and a cache read afterwards,
 * as the API does above 1,024 tokens. Baseline, measured the same way in the same run: the
 * naive prompt that pastes the whole knowledge base into every request, without caching.
 *
 * Goals (issue 5): ≤ 2,500 uncached input tokens per atom; 0 tokens on a second run of the same push.
 *
 *   node --import tsx bench/tokens.bench.ts
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SYSTEM_PROMPT, scriptTool } from "../worker/agents/prompt.ts";
import { costUsd, priceOf } from "../worker/agents/pricing.ts";
import { FakeAnthropic, estimateTokens } from "../test/fakes/anthropic.ts";
import { contentPipeline } from "../test/content/helpers.ts";

const fake = await FakeAnthropic.start();
try {
  const { repo, ledger, run } = await contentPipeline(fake);
  const sum = (from: number, f: (u: (typeof fake.requests)[number]["usage"]) => number) =>
    fake.requests.slice(from).reduce((n, r) => n + f(r.usage), 0);

  // Run 1: every atom is new.
  const first = await run();
  if (first.kind !== "completed") throw new Error(`first run: ${first.kind}`);
  const atoms = first.result.ran;
  const uncached = fake.requests.map((r) => r.usage.input_tokens);
  const usage1 = {
    inputTokens: sum(0, (u) => u.input_tokens),
    outputTokens: sum(0, (u) => u.output_tokens),
    cacheCreationInputTokens: sum(0, (u) => u.cache_creation_input_tokens),
    cacheReadInputTokens: sum(0, (u) => u.cache_read_input_tokens),
  };
  const prefix = estimateTokens(JSON.stringify([scriptTool()]) + JSON.stringify([{ type: "text", text: SYSTEM_PROMPT }]));

  // Baseline: the whole KB pasted into each request, no cache.
  const names = await readdir(join(repo, "kb/atoms"));
  const allAtoms = await Promise.all(names.map((n) => readFile(join(repo, "kb/atoms", n), "utf8")));
  const naivePerAtom = prefix + estimateTokens(allAtoms.join("\n"));

  // Run 2: the same push again.
  const before2 = fake.requests.length;
  const second = await run();
  const requests2 = fake.requests.length - before2;
  const tokens2 = sum(before2, (u) => u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens);

  // Run 3: a push that edits one atom's summary (ton-timer, a prerequisite of tof-timer).
  const file = join(repo, "kb/atoms/ton-timer.json");
  const atom = JSON.parse(await readFile(file, "utf8"));
  atom.summary = "A TON timer turns on only after its input has stayed true for the whole preset time.";
  await writeFile(file, JSON.stringify(atom, null, 2));
  const before3 = fake.requests.length;
  const third = await run();
  ledger.close();

  const price = priceOf(fake.model)!;
  const mean = uncached.reduce((a, b) => a + b, 0) / uncached.length;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  console.log(`tokens: starter KB of ${atoms} atoms, model ${fake.model}, estimate = request chars / 3.5`);
  console.log(`  uncached input per atom: mean ${fmt(mean)}, min ${fmt(Math.min(...uncached))}, max ${fmt(Math.max(...uncached))} (goal <= 2,500: ${Math.max(...uncached) <= 2500 ? "met" : "MISSED"})`);
  console.log(`  cached prefix (tools + system): ${fmt(prefix)} tokens, written once, then read ${fake.requests.slice(0, atoms).filter((r) => r.usage.cache_read_input_tokens > 0).length} times`);
  console.log(`  worst case if a model's minimum cacheable length is above the prefix (cache ignored): ${fmt(Math.max(...uncached) + prefix)} input tokens per atom`);
  console.log(`  output per atom (fake's answers): mean ${fmt(usage1.outputTokens / atoms)}`);
  console.log(`  run 1 total: ${fmt(usage1.inputTokens)} in, ${fmt(usage1.cacheCreationInputTokens)} cache write, ${fmt(usage1.cacheReadInputTokens)} cache read, ${fmt(usage1.outputTokens)} out = $${costUsd(usage1, price).toFixed(4)} at ${fake.model} prices`);
  console.log(`  baseline (whole KB in every prompt, no cache): ${fmt(naivePerAtom)} input tokens per atom`);
  console.log(`  ratio: baseline / ours (all input incl. cache, per atom) = ${(naivePerAtom / ((usage1.inputTokens + usage1.cacheCreationInputTokens + usage1.cacheReadInputTokens) / atoms)).toFixed(1)}x; baseline / ours (uncached) = ${(naivePerAtom / mean).toFixed(1)}x`);
  console.log(`  run 2 (same push): ${second.result.ran} ran, ${second.result.skipped} skipped, ${requests2} requests, ${tokens2} tokens (goal 0: ${tokens2 === 0 ? "met" : "MISSED"})`);
  console.log(`  run 3 (one summary edited): ${third.result.ran} scripts rewritten, ${fake.requests.length - before3} requests`);
  if (fake.problems.length) throw new Error(`fake saw bad requests: ${fake.problems.join("; ")}`);
} finally {
  await fake.close();
}
