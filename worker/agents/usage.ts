/**
 * Token counts of one script, as the Messages API reports them. In a module of its own so
 * `factory usage` can add them up without loading the Anthropic SDK.
 */

/** Tokens one script cost, as the Messages API counts them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export const zeroUsage = (): TokenUsage => ({ inputTokens: 0, outputTokens: 0, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 });
