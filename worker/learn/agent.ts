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
import { ForcedToolClient, type ForcedToolClientOptions } from "../agents/forced-tool.ts";
import { describeIssues } from "../agents/prompt.ts";
import type { RoundWriter, WrittenProgram } from "./loop.ts";
import { LEARN_SYSTEM_PROMPT, ST_TOOL_NAME, StProgramAnswer, buildRoundMessage, learnTool, type RoundInput } from "./prompt.ts";

/** What to tell a user whose key was refused. Never includes the key. */
export const LEARN_INVALID_KEY_MESSAGE =
  "The Anthropic API rejected ANTHROPIC_API_KEY (401 authentication_error). Create a key at " +
  "https://console.anthropic.com/settings/keys and set it in the worker's environment " +
  "(export ANTHROPIC_API_KEY=sk-ant-... or the service's environment file), then run `factory learn` again; " +
  "or unset ANTHROPIC_API_KEY to check the task's reference solution instead.";

/** Writes ST programs with Claude through the official SDK. */
export class ClaudeProgramWriter implements RoundWriter {
  readonly model: string;
  private readonly client: ForcedToolClient;

  constructor(opts: ForcedToolClientOptions) {
    this.model = opts.model;
    this.client = new ForcedToolClient(opts, {
      invalidKey: LEARN_INVALID_KEY_MESSAGE,
      interrupted: "Learning was interrupted; it will run again.",
      retryLater: "try again later.",
    });
  }

  /**
   * Asks for one round's program.
   * @throws StepError on a refused key, exhausted retries or two invalid answers
   */
  async write(input: RoundInput, signal: AbortSignal): Promise<WrittenProgram> {
    const prompt = buildRoundMessage(input);
    const answer = await this.client.ask(
      {
        system: LEARN_SYSTEM_PROMPT,
        tool: learnTool(),
        user: prompt,
        accept: (raw) => {
          const parsed = StProgramAnswer.safeParse(raw);
          return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: describeIssues(parsed.error) };
        },
        invalid: (errors, hint) => `Claude's program for task "${input.task.id}" is invalid after one repair request: ${errors.slice(0, 8).join("; ")}.${hint}`,
        repair: { report: "The answer does not match the tool's schema:", again: `Call ${ST_TOOL_NAME} again with the complete program.` },
      },
      signal,
    );
    return {
      program: answer.value.program,
      notes: answer.value.notes ?? null,
      model: answer.message.model || this.model,
      usage: answer.usage,
      requests: answer.requests,
      prompt,
    };
  }
}
