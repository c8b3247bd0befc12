/**
 * The content agent: Claude writes one lesson script from one atom.
 *
 * - The static system prompt (and the tool before it) is a prompt-cache prefix
 *   (`cache_control: ephemeral`), so from the second atom on it is read, not re-sent at full price.
 * - Output is structured: a forced call of the `submit_video_script` tool, validated with zod.
 *   An invalid answer gets ONE repair request carrying the validation errors; a second invalid
 *   answer fails the step with those errors.
 * - 429, 529 and other transient errors are retried with the server's retry-after (or backoff)
 *   through an injected sleep; a bad key (401) fails at once and says how to set it.
 * - Usage (input, output, cache write, cache read) is summed over every request, repair included.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { Message, MessageCreateParamsNonStreaming, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { ZodError } from "zod";
import type { VideoScript } from "../../shared/models.ts";
import { StepError } from "../pipeline/types.ts";
import { finishScript } from "./finish.ts";
import {
  PROMPT_VERSION,
  SCRIPT_TOOL_NAME,
  SYSTEM_PROMPT,
  ScriptDraft,
  type WriterInput,
  buildUserMessage,
  describeIssues,
  scriptTool,
} from "./prompt.ts";
import { MAX_WAIT_MS, isRetryableStatus, retryDelayMs, sleep as realSleep } from "./retry.ts";

import { type TokenUsage, zeroUsage } from "./usage.ts";

export { type TokenUsage, zeroUsage };

/** What to tell a user whose key was refused. Never includes the key. */
export const INVALID_KEY_MESSAGE =
  "The Anthropic API rejected ANTHROPIC_API_KEY (401 authentication_error). Create a key at " +
  "https://console.anthropic.com/settings/keys and set it in the worker's environment " +
  "(export ANTHROPIC_API_KEY=sk-ant-... or the service's environment file), then run the job again; " +
  "or unset ANTHROPIC_API_KEY to use the offline writer.";

export interface ClaudeWriterOptions {
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

/** Result of one script: the script, what it cost, and how many API requests it took. */
export interface WrittenScript {
  script: VideoScript;
  usage: TokenUsage;
  requests: number;
}

function addUsage(total: TokenUsage, m: Message): void {
  total.inputTokens += m.usage.input_tokens;
  total.outputTokens += m.usage.output_tokens;
  total.cacheCreationInputTokens += m.usage.cache_creation_input_tokens ?? 0;
  total.cacheReadInputTokens += m.usage.cache_read_input_tokens ?? 0;
}

/** Writes scripts with Claude through the official SDK. */
export class ClaudeWriter {
  readonly writer = "claude" as const;
  readonly model: string;
  private readonly client: Anthropic;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: ClaudeWriterOptions) {
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

  /** The request for one atom; `extra` continues the conversation for a repair. */
  private params(input: WriterInput, extra: MessageParam[] = []): MessageCreateParamsNonStreaming {
    return {
      model: this.opts.model,
      max_tokens: this.opts.maxTokens,
      system: [{ type: "text", text: SYSTEM_PROMPT, cache_control: { type: "ephemeral" } }],
      tools: [scriptTool()],
      tool_choice: { type: "tool", name: SCRIPT_TOOL_NAME },
      messages: [{ role: "user", content: buildUserMessage(input) }, ...extra],
    };
  }

  /** One Messages API call with the retry rules; every failure becomes a StepError that says what to do. */
  private async call(params: MessageCreateParamsNonStreaming, signal: AbortSignal): Promise<Message> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.messages.create(params, { signal });
      } catch (e) {
        if (signal.aborted || e instanceof Anthropic.APIUserAbortError) throw new StepError("Script writing was interrupted; it will run again.", true);
        if (!(e instanceof Anthropic.APIError)) throw e;
        const status = e.status;
        const detail = e.apiMessage ? `: ${e.apiMessage}` : "";
        if (status === 401) throw new StepError(INVALID_KEY_MESSAGE, false);
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
            `The Anthropic API is unavailable (${what}) after ${attempt} attempt${attempt === 1 ? "" : "s"}; the job will be retried later.`,
            true,
            this.now() + wait,
          );
        }
        try {
          await this.sleep(wait, signal);
        } catch (err) {
          if (signal.aborted) throw new StepError("Script writing was interrupted; it will run again.", true);
          throw err;
        }
      }
    }
  }

  /**
   * Writes the script for one atom.
   * @param sourceHash the step's hash of `input`, recorded in the provenance
   * @throws StepError on an invalid key, exhausted retries or two invalid answers
   */
  async write(input: WriterInput, sourceHash: string, signal: AbortSignal): Promise<WrittenScript> {
    const usage = zeroUsage();
    let requests = 0;
    let repair: MessageParam[] = [];
    for (let round = 1; round <= 2; round++) {
      const message = await this.call(this.params(input, repair), signal);
      requests++;
      addUsage(usage, message);
      const tool = message.content.find((b) => b.type === "tool_use" && b.name === SCRIPT_TOOL_NAME);
      let errors: string[];
      if (!tool || tool.type !== "tool_use") {
        errors = [`no ${SCRIPT_TOOL_NAME} tool call in the answer`];
      } else {
        try {
          const draft = ScriptDraft.parse(tool.input);
          const script = finishScript(draft, input.atom, {
            sourceHash,
            writer: "claude",
            model: message.model || this.model,
            promptVersion: PROMPT_VERSION,
            createdAt: new Date(this.now()).toISOString(),
          });
          return { script, usage, requests };
        } catch (e) {
          if (!(e instanceof ZodError)) throw e;
          errors = describeIssues(e);
        }
      }
      if (message.stop_reason === "max_tokens") errors.push(`the answer was cut off at max_tokens (${this.opts.maxTokens})`);
      if (round === 2) {
        const hint = message.stop_reason === "max_tokens" ? " Raise settings.content.maxTokens." : "";
        throw new StepError(
          `Claude's script for atom "${input.atom.id}" is invalid${round === 2 ? " after one repair request" : ""}: ${errors.slice(0, 8).join("; ")}.${hint}`,
          false,
        );
      }
      const report = `The script does not match the schema:\n${errors.map((x) => `- ${x}`).join("\n")}`;
      const again = { type: "text" as const, text: `Call ${SCRIPT_TOOL_NAME} again with the complete, corrected script.` };
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
