/**
 * One Claude request pattern for every agent: a cached static system prompt and a forced tool
 * call, validated by the caller; ONE repair request carrying the validation errors; 429, 529
 * and other transient errors retried after the server's retry-after (or backoff) through an
 * injected sleep; a refused key (401) failing at once with what to do; usage summed over every
 * request, repair included. The content agent (scripts) and the learning agent (ST programs)
 * differ only in their prompt, their tool and their words for the owner.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming, MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import { StepError } from "../pipeline/types.ts";
import { MAX_WAIT_MS, isRetryableStatus, retryDelayMs, sleep as realSleep } from "./retry.ts";
import { type TokenUsage, zeroUsage } from "./usage.ts";

export interface ForcedToolClientOptions {
  apiKey: string;
  model: string;
  maxTokens: number;
  /** The Messages API base URL; tests point it at a loopback fake. */
  baseURL?: string;
  /** Total attempts per request for transient errors (429, 529, 5xx, connection). */
  maxAttempts: number;
  timeoutMs: number;
  /** Injected so tests never wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** The agent's own words in the errors the owner reads. */
export interface AgentWording {
  /** Said when the key is refused (401). Never includes the key. */
  invalidKey: string;
  /** Said when the work was stopped by a signal ("Script writing was interrupted; it will run again."). */
  interrupted: string;
  /** Ends "the Anthropic API is unavailable (...) after N attempts; <retryLater>". */
  retryLater: string;
}

/** One forced-tool request: the prompt, the tool, and how to read and repair its answer. */
export interface ToolRequest<T> {
  system: string;
  tool: Tool & { name: string };
  user: string;
  /** Reads the tool's input: the value, or the validation errors to send back. */
  accept(input: unknown, message: Message): { ok: true; value: T } | { ok: false; errors: string[] };
  /** The final error after the repair failed too (the errors and a max_tokens hint are given). */
  invalid(errors: string[], hint: string): string;
  /** The text of a repair request: what was wrong, then what to do. */
  repair: { report: string; again: string };
}

/** What an answer cost. */
export interface ToolAnswer<T> {
  value: T;
  message: Message;
  usage: TokenUsage;
  requests: number;
}

function addUsage(total: TokenUsage, m: Message): void {
  total.inputTokens += m.usage.input_tokens;
  total.outputTokens += m.usage.output_tokens;
  total.cacheCreationInputTokens += m.usage.cache_creation_input_tokens ?? 0;
  total.cacheReadInputTokens += m.usage.cache_read_input_tokens ?? 0;
}

/** A Messages API client that asks for one forced tool call at a time. */
export class ForcedToolClient {
  readonly model: string;
  private readonly client: Anthropic;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly opts: ForcedToolClientOptions,
    private readonly words: AgentWording,
  ) {
    this.model = opts.model;
    this.client = new Anthropic({
      apiKey: opts.apiKey,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0, // retries are ours: they honour retry-after through an injectable sleep
      timeout: opts.timeoutMs,
    });
    this.sleep = opts.sleep ?? realSleep;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  /**
   * Asks until the answer is valid: the request, then at most one repair.
   * @throws StepError on a refused key, exhausted retries or two invalid answers
   */
  async ask<T>(req: ToolRequest<T>, signal: AbortSignal): Promise<ToolAnswer<T>> {
    const usage = zeroUsage();
    let requests = 0;
    let repair: MessageParam[] = [];
    for (let round = 1; round <= 2; round++) {
      const message = await this.call(this.params(req, repair), signal);
      requests++;
      addUsage(usage, message);
      const tool = message.content.find((b) => b.type === "tool_use" && b.name === req.tool.name);
      let errors: string[];
      if (!tool || tool.type !== "tool_use") {
        errors = [`no ${req.tool.name} tool call in the answer`];
      } else {
        const read = req.accept(tool.input, message);
        if (read.ok) return { value: read.value, message, usage, requests };
        errors = read.errors;
      }
      if (message.stop_reason === "max_tokens") errors.push(`the answer was cut off at max_tokens (${this.opts.maxTokens})`);
      if (round === 2) {
        throw new StepError(req.invalid(errors, message.stop_reason === "max_tokens" ? " Raise settings.content.maxTokens." : ""), false);
      }
      const report = `${req.repair.report}\n${errors.map((x) => `- ${x}`).join("\n")}`;
      const again = { type: "text" as const, text: req.repair.again };
      repair = [
        { role: "assistant", content: message.content },
        {
          role: "user",
          content:
            tool && tool.type === "tool_use"
              ? [{ type: "tool_result", tool_use_id: tool.id, is_error: true, content: report }, again]
              : [{ type: "text", text: report }, again],
        },
      ];
    }
    throw new Error("unreachable");
  }

  /** The request; `extra` continues the conversation for a repair. */
  private params<T>(req: ToolRequest<T>, extra: MessageParam[]): MessageCreateParamsNonStreaming {
    return {
      model: this.opts.model,
      max_tokens: this.opts.maxTokens,
      system: [{ type: "text", text: req.system, cache_control: { type: "ephemeral" } }],
      tools: [req.tool],
      tool_choice: { type: "tool", name: req.tool.name },
      messages: [{ role: "user", content: req.user }, ...extra],
    };
  }

  /** One Messages API call with the retry rules; every failure becomes a StepError that says what to do. */
  private async call(params: MessageCreateParamsNonStreaming, signal: AbortSignal): Promise<Message> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.messages.create(params, { signal });
      } catch (e) {
        if (signal.aborted || e instanceof Anthropic.APIUserAbortError) throw new StepError(this.words.interrupted, true);
        if (!(e instanceof Anthropic.APIError)) throw e;
        const status = e.status;
        const detail = e.apiMessage ? `: ${e.apiMessage}` : "";
        if (status === 401) throw new StepError(this.words.invalidKey, false);
        if (status === 403) {
          throw new StepError(`The Anthropic API refused this request (403 permission_error${detail}). Check that the key's workspace may use model "${this.model}".`, false);
        }
        if (status === 404) {
          throw new StepError(`The Anthropic API does not know model "${this.model}" (404${detail}). Set settings.content.model to a current model id.`, false);
        }
        if (!isRetryableStatus(status)) {
          throw new StepError(`The Anthropic API refused the request (${status}${detail}). This is a bug in the request or the settings (settings.content); it will not be retried.`, false);
        }
        const wait = retryDelayMs(attempt, e.headers, this.now(), this.random);
        const what = status ? `${status}${status === 529 ? " overloaded" : status === 429 ? " rate limited" : ""}` : "connection failed";
        if (attempt >= this.opts.maxAttempts || wait > MAX_WAIT_MS) {
          throw new StepError(`The Anthropic API is unavailable (${what}) after ${attempt} attempt${attempt === 1 ? "" : "s"}; ${this.words.retryLater}`, true, this.now() + wait);
        }
        try {
          await this.sleep(wait, signal);
        } catch (err) {
          if (signal.aborted) throw new StepError(this.words.interrupted, true);
          throw err;
        }
      }
    }
  }
}

/** The client options from settings.content, the environment and injected clocks (tests). */
export function forcedToolOptions(
  apiKey: string,
  s: { model: string; maxTokens: number; baseURL?: string | undefined; maxAttempts: number; timeoutMs: number },
  env: { ANTHROPIC_BASE_URL?: string | undefined },
  deps: Pick<ForcedToolClientOptions, "sleep" | "now" | "random">,
): ForcedToolClientOptions {
  const baseURL = s.baseURL ?? env.ANTHROPIC_BASE_URL;
  return {
    apiKey,
    model: s.model,
    maxTokens: s.maxTokens,
    ...(baseURL ? { baseURL } : {}),
    maxAttempts: s.maxAttempts,
    timeoutMs: s.timeoutMs,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  };
}
