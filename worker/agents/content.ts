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
import { ZodError } from "zod";
import type { VideoScript } from "../../shared/models.ts";
import { finishScript } from "./finish.ts";
import { ForcedToolClient, type ForcedToolClientOptions } from "./forced-tool.ts";
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
import { type TokenUsage, zeroUsage } from "./usage.ts";

export { type TokenUsage, zeroUsage };

/** What to tell a user whose key was refused. Never includes the key. */
export const INVALID_KEY_MESSAGE =
  "The Anthropic API rejected ANTHROPIC_API_KEY (401 authentication_error). Create a key at " +
  "https://console.anthropic.com/settings/keys and set it in the worker's environment " +
  "(export ANTHROPIC_API_KEY=sk-ant-... or the service's environment file), then run the job again; " +
  "or unset ANTHROPIC_API_KEY to use the offline writer.";

export type ClaudeWriterOptions = ForcedToolClientOptions;

/** Result of one script: the script, what it cost, and how many API requests it took. */
export interface WrittenScript {
  script: VideoScript;
  usage: TokenUsage;
  requests: number;
}

/** Writes scripts with Claude through the official SDK. */
export class ClaudeWriter {
  readonly writer = "claude" as const;
  readonly model: string;
  private readonly client: ForcedToolClient;

  constructor(opts: ClaudeWriterOptions) {
    this.model = opts.model;
    this.client = new ForcedToolClient(opts, {
      invalidKey: INVALID_KEY_MESSAGE,
      interrupted: "Script writing was interrupted; it will run again.",
      retryLater: "the job will be retried later.",
    });
  }

  /**
   * Writes the script for one atom.
   * @param sourceHash the step's hash of `input`, recorded in the provenance
   * @param sources the sources part of the prompt (index, then the cited sections); "" for none
   * @param simulation the linked simulation task's part of the prompt; "" for none
   * @throws StepError on an invalid key, exhausted retries or two invalid answers
   */
  async write(input: WriterInput, sourceHash: string, signal: AbortSignal, sources = "", simulation = ""): Promise<WrittenScript> {
    const answer = await this.client.ask<VideoScript>(
      {
        system: SYSTEM_PROMPT,
        tool: scriptTool(),
        user: buildUserMessage(input, sources, simulation),
        accept: (raw, message) => {
          try {
            const draft = ScriptDraft.parse(raw);
            const script = finishScript(draft, input.atom, {
              sourceHash,
              writer: "claude",
              model: message.model || this.model,
              promptVersion: PROMPT_VERSION,
              createdAt: new Date(this.client.now()).toISOString(),
            });
            return { ok: true, value: script };
          } catch (e) {
            if (!(e instanceof ZodError)) throw e;
            return { ok: false, errors: describeIssues(e) };
          }
        },
        invalid: (errors, hint) => `Claude's script for atom "${input.atom.id}" is invalid after one repair request: ${errors.slice(0, 8).join("; ")}.${hint}`,
        repair: { report: "The script does not match the schema:", again: `Call ${SCRIPT_TOOL_NAME} again with the complete, corrected script.` },
      },
      signal,
    );
    return { script: answer.value, usage: answer.usage, requests: answer.requests };
  }
}
