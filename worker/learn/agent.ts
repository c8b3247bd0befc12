/**
 * The learning agent's writer: Claude writes one Structured Text program per round.
 *
 * Same rules as the content agent (worker/agents/content.ts):
 * - the static system prompt (and the tool before it) is a prompt-cache prefix, so from the
 *   second round (and the second task) on it is read from the cache, not re-sent at full price;
 * - output is a forced call of `submit_st_program`, validated with zod; an invalid answer gets
 *   ONE repair request carrying the validation errors, a second invalid answer fails the round;
 * - 429, 529 and other transient errors are retried after the server's retry-after (or backoff)
 *   through an injected sleep; a refused key (401) fails at once and says how to set it;
 * - usage is summed over every request, repair included.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { StepError } from "../pipeline/types.ts";
import { MAX_WAIT_MS, isRetryableStatus, retryDelayMs, sleep as realSleep } from "../agents/retry.ts";
import { type TokenUsage, zeroUsage } from "../agents/usage.ts";
import { LEARN_SYSTEM_PROMPT, ST_TOOL_NAME, StProgramAnswer, buildRoundMessage, describeAnswerIssues, learnTool, type RoundInput } from "./prompt.ts";

/** What to tell a user whose key was refused. Never includes the key. */
export const LEARN_INVALID_KEY_MESSAGE =
  "The Anthropic API rejected ANTHROPIC_API_KEY (401 authentication_error). Create a key at " +
  "https://console.anthropic.com/settings/keys and set it in the worker's environment " +
  "(export ANTHROPIC_API_KEY=sk-ant-... or the service's environment file), then run `factory learn` again; " +
  "or unset ANTHROPIC_API_KEY to check the task's reference solution instead.";

/** One program as the writer returns it. */
export interface WrittenProgram {
  program: string;
  notes: string | null;
  /** The model that answered (as the API names it). */
  model: string;
  usage: TokenUsage;
  requests: number;
  /** The user message of the round, for the record (and the tests). */
  prompt: string;
}

/** Writes one round's program. The loop depends on this, not on Claude. */
export interface ProgramWriter {
  readonly model: string;
  write(input: RoundInput, signal: AbortSignal): Promise<WrittenProgram>;
}

export interface ClaudeProgramWriterOptions {
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

function addUsage(total: TokenUsage, m: Message): void {
  total.inputTokens += m.usage.input_tokens;
  total.outputTokens += m.usage.output_tokens;
  total.cacheCreationInputTokens += m.usage.cache_creation_input_tokens ?? 0;
  total.cacheReadInputTokens += m.usage.cache_read_input_tokens ?? 0;
}

/** Writes ST programs with Claude through the official SDK. */
export class ClaudeProgramWriter implements ProgramWriter {
  readonly model: string;
  private readonly client: Anthropic;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: ClaudeProgramWriterOptions) {
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

  private params(prompt: string, extra: MessageParam[] = []): MessageCreateParamsNonStreaming {
    return {
      model: this.opts.model,
      max_tokens: this.opts.maxTokens,
      system: [{ type: "text", text: LEARN_SYSTEM_PROMPT, cache_control: { type: "ephemeral" } }],
      tools: [learnTool()],
      tool_choice: { type: "tool", name: ST_TOOL_NAME },
      messages: [{ role: "user", content: prompt }, ...extra],
    };
  }

  /** One Messages API call with the retry rules; every failure becomes a StepError that says what to do. */
  private async call(params: MessageCreateParamsNonStreaming, signal: AbortSignal): Promise<Message> {
    const interrupted = () => new StepError("Learning was interrupted; it will run again.", true);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.messages.create(params, { signal });
      } catch (e) {
        if (signal.aborted || e instanceof Anthropic.APIUserAbortError) throw interrupted();
        if (!(e instanceof Anthropic.APIError)) throw e;
        const status = e.status;
        const detail = e.apiMessage ? `: ${e.apiMessage}` : "";
        if (status === 401) throw new StepError(LEARN_INVALID_KEY_MESSAGE, false);
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
          throw new StepError(
            `The Anthropic API is unavailable (${what}) after ${attempt} attempt${attempt === 1 ? "" : "s"}; try again later.`,
            true,
            this.now() + wait,
          );
        }
        try {
          await this.sleep(wait, signal);
        } catch (err) {
          if (signal.aborted) throw interrupted();
          throw err;
        }
      }
    }
  }

  /**
   * Asks for one round's program.
   * @throws StepError on a refused key, exhausted retries or two invalid answers
   */
  async write(input: RoundInput, signal: AbortSignal): Promise<WrittenProgram> {
    const prompt = buildRoundMessage(input);
    const usage = zeroUsage();
    let requests = 0;
    let repair: MessageParam[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const message = await this.call(this.params(prompt, repair), signal);
      requests++;
      addUsage(usage, message);
      const tool = message.content.find((b) => b.type === "tool_use" && b.name === ST_TOOL_NAME);
      let errors: string[];
      if (!tool || tool.type !== "tool_use") {
        errors = [`no ${ST_TOOL_NAME} tool call in the answer`];
      } else {
        const parsed = StProgramAnswer.safeParse(tool.input);
        if (parsed.success) {
          return { program: parsed.data.program, notes: parsed.data.notes ?? null, model: message.model || this.model, usage, requests, prompt };
        }
        errors = describeAnswerIssues(parsed.error);
      }
      if (message.stop_reason === "max_tokens") errors.push(`the answer was cut off at max_tokens (${this.opts.maxTokens})`);
      if (attempt === 2) {
        const hint = message.stop_reason === "max_tokens" ? " Raise settings.content.maxTokens." : "";
        throw new StepError(`Claude's program for task "${input.task.id}" is invalid after one repair request: ${errors.slice(0, 8).join("; ")}.${hint}`, false);
      }
      const report = `The answer does not match the tool's schema:\n${errors.map((x) => `- ${x}`).join("\n")}`;
      const again = { type: "text" as const, text: `Call ${ST_TOOL_NAME} again with the complete program.` };
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
}
