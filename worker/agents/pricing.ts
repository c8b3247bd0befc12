/**
 * What tokens cost, per model. Pure.
 *
 * Prices in US dollars per million tokens, from Anthropic's pricing page
 * (https://platform.claude.com/docs/en/about-claude/pricing), checked 2026-11. "cacheWrite" is
 * the 5-minute cache write price (1.25 x input); "cacheRead" the cache hit price (0.1 x input).
 * Only models whose prices were confirmed are listed: any other model is reported with its
 * tokens and "price unknown" (never a guess). Add a row when you adopt a model.
 */
import type { TokenUsage } from "./content.ts";

export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** The date the table was checked, printed with every cost. */
export const PRICES_AS_OF = "2026-11";

/** By model family (the id without its date suffix). */
export const PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-5": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-8": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-7": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-6": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-5": { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  "claude-opus-4-1": { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  "claude-opus-4": { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  "claude-sonnet-4-6": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-sonnet-4": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
};

/** The price of a model id such as `claude-sonnet-4-5-20250929`, or null when unknown. */
export function priceOf(model: string): ModelPrice | null {
  const family = model.replace(/-\d{8}$/, "").replace(/-latest$/, "");
  return PRICES[family] ?? null;
}

/** Cost in US dollars of some usage at a price. */
export function costUsd(usage: TokenUsage, price: ModelPrice): number {
  return (
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheCreationInputTokens * price.cacheWrite +
      usage.cacheReadInputTokens * price.cacheRead) /
    1_000_000
  );
}
