/**
 * The content stage: one `script:<atomId>` step (kind "write-script") per atom.
 *
 * A step's inputs are exactly what its script is written from: the atom, its prerequisites'
 * index lines (id, title, one-line summary: never their bodies), its places in the courses,
 * the prompt version and the writer/model. So an unchanged atom hashes the same, the runner
 * skips it and it costs 0 tokens; an atom is rewritten when it changed, when a prerequisite's
 * title or summary changed, or when its place in a course changed. A prerequisite's body
 * change alone rewrites nothing. An atom citing sections of kb/sources/ also hashes each cited
 * section's text (`sourceDigests`), so an edit to a cited section rewrites it; an atom citing
 * nothing there has no such field, and its hash is what it was before sources existed.
 * Likewise an atom linking a simulation task (`simTask`) hashes the task's JSON and the program
 * its lesson shows (`simTask`: a new .solution.st rewrites it); run() runs that program against
 * the task's plant for the lesson's chart. An atom without `simTask` has no such field.
 *
 * Settings live at `settings.content` ({@link ContentSettings}); the API key only in the
 * environment (ANTHROPIC_API_KEY). Without a key the offline writer is used.
 */
import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { PLCAtom } from "../../shared/models.ts";
import { ClaudeWriter, type TokenUsage, zeroUsage } from "../agents/content.ts";
import { forcedToolOptions } from "../agents/forced-tool.ts";
import { writeOffline } from "../agents/offline.ts";
import { LessonRunError, runLessonProgram } from "../agents/sim-run.ts";
import { simPromptMaterial, simSections, withRunVisuals } from "../agents/sim-section.ts";
import { PROMPT_VERSION, type WriterInput } from "../agents/prompt.ts";
import { buildIndex, coursePlaces } from "../kb/index.ts";
import { type SourceDigest, atomSourceDigests } from "../kb/sources-digest.ts";
import { buildSourcesPrompt } from "../kb/sources-prompt.ts";
import { canonicalJson } from "../pipeline/plan.ts";
import { type KnowledgeBase, type PlannedStep, type Stage, StepError, type StepOutput, stepKey } from "../pipeline/types.ts";

/** `settings.content`: the content agent's configuration, with defaults. */
export const ContentSettings = z.object({
  /** "auto": Claude when ANTHROPIC_API_KEY is set, else offline. */
  writer: z.enum(["auto", "claude", "offline"]).default("auto"),
  model: z.string().min(1).default("claude-sonnet-4-6"),
  maxTokens: z.number().int().min(256).max(64_000).default(4096),
  /** Messages API base URL; defaults to ANTHROPIC_BASE_URL, then the SDK's default. */
  baseURL: z.string().url().optional(),
  /** Attempts per request on 429/529/5xx before the step fails retryable. */
  maxAttempts: z.number().int().min(1).max(10).default(4),
  timeoutMs: z.number().int().min(1000).default(120_000),
});
export type ContentSettings = z.infer<typeof ContentSettings>;

/** Bump when this file changes what a script would be. */
export const WRITE_SCRIPT_VERSION = 1;

/** Where scripts go, relative to the artifacts dir. */
export const scriptPath = (atomId: string) => `scripts/${atomId}.json`;

/** What the stage takes from outside, injectable for tests. */
export interface ContentStageDeps {
  env?: Record<string, string | undefined>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** The hashed inputs of one write-script step. */
export interface ScriptStepInputs extends WriterInput {
  promptVersion: string;
  writer: "claude" | "offline";
  model: string | null;
  /** What the atom cites in kb/sources/, as digests of the cited text; absent when it cites nothing there. */
  sourceDigests?: SourceDigest[];
  /**
   * The simulation task the atom links: sha256 of its kb/sim/<id>.json and of the program the
   * lesson shows (null: not loaded); absent when the atom has no `simTask`.
   */
  simTask?: { id: string; taskSha256: string | null; program: string | null; programSha256: string | null };
}

/** Reads `settings.content`, with a message that names the bad field. */
export function parseContentSettings(settings: Record<string, unknown>): ContentSettings {
  const r = ContentSettings.safeParse(settings.content ?? {});
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `settings.content.${i.path.join(".")}: ${i.message}`).join("; ");
  throw new StepError(`Invalid content settings: ${why}. Fix factory.config.json.`, false);
}

/** Which writer runs: Claude with a key (or when forced), else the offline writer. */
export function chooseWriter(s: ContentSettings, env: Record<string, string | undefined>): "claude" | "offline" {
  if (s.writer !== "auto") return s.writer;
  return env.ANTHROPIC_API_KEY ? "claude" : "offline";
}

/** Atoms in teaching order: by course (course ids sorted), then any atom in no course, by id. */
export function teachingOrder(kb: KnowledgeBase): PLCAtom[] {
  const byId = new Map(kb.atoms.map((a) => [a.id, a] as const));
  const seen = new Set<string>();
  const out: PLCAtom[] = [];
  const courses = [...kb.courses].sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const id of [...courses.flatMap((c) => c.modules.flatMap((m) => m.atoms)), ...[...byId.keys()].sort()]) {
    const atom = byId.get(id);
    if (atom && !seen.has(id)) {
      seen.add(id);
      out.push(atom);
    }
  }
  return out;
}

/** The inputs of one atom's step. Pure. */
export function scriptInputs(kb: KnowledgeBase, atom: PLCAtom, writer: "claude" | "offline", model: string): ScriptStepInputs {
  // Prerequisites come from the index (one line each), never from their files.
  const index = new Map(buildIndex(kb).atoms.map((e) => [e.id, e] as const));
  const sourceDigests = atomSourceDigests(kb.sources, atom);
  const linked = atom.simTask ? kb.simTasks?.[atom.simTask] : undefined;
  return {
    atom,
    prerequisites: atom.prerequisites.flatMap((id) => {
      const p = index.get(id);
      return p ? [{ id: p.id, title: p.title, summary: p.summary }] : [];
    }),
    courses: coursePlaces(kb, atom.id),
    promptVersion: PROMPT_VERSION,
    writer,
    model: writer === "claude" ? model : null,
    ...(sourceDigests.length ? { sourceDigests } : {}),
    ...(atom.simTask
      ? { simTask: { id: atom.simTask, taskSha256: linked?.taskSha256 ?? null, program: linked?.programFile ?? null, programSha256: linked?.programSha256 ?? null } }
      : {}),
  };
}

/** sha256 of a step's inputs: the script's provenance.sourceHash. */
export function sourceHash(inputs: ScriptStepInputs): string {
  return createHash("sha256").update(canonicalJson(inputs)).digest("hex");
}

/** Runs the linked task's program for the lesson; a program that does not pass fails the step, saying why. */
async function lessonSimSections(kb: KnowledgeBase, taskId: string, signal: AbortSignal) {
  const linked = kb.simTasks?.[taskId];
  if (!linked) throw new StepError(`simulation task "${taskId}" was not loaded with the knowledge base: check kb/sim/${taskId}.json (\`factory kb validate\`)`, false);
  try {
    const run = await runLessonProgram(linked, signal);
    const sections = simSections(run);
    return { sections, prompt: simPromptMaterial(run, sections) };
  } catch (e) {
    if (e instanceof LessonRunError) throw new StepError(e.message, false);
    throw e;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * The content stage.
 * @param deps environment (for ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL) and injected clock/sleep
 */
export function contentStage(deps: ContentStageDeps = {}): Stage {
  const env = deps.env ?? process.env;
  let claude: ClaudeWriter | null = null; // one client for the whole job: one connection pool, one cache prefix

  return {
    name: "content",
    plan({ kb, settings, only }): PlannedStep[] {
      if (!kb) return [];
      const s = parseContentSettings(settings);
      const writer = chooseWriter(s, env);
      return teachingOrder(kb).filter((atom) => !only || only.has(atom.id)).map((atom) => {
        const inputs = scriptInputs(kb, atom, writer, s.model);
        return {
          key: stepKey.script(atom.id),
          kind: "write-script",
          version: WRITE_SCRIPT_VERSION,
          dependsOn: [],
          inputs: () => inputs,
          async run(ctx): Promise<StepOutput> {
            const hash = sourceHash(inputs);
            let usage: TokenUsage = zeroUsage();
            let script;
            // The linked task's program, run against its plant: the lesson's program and chart sections.
            const sim = inputs.simTask ? await lessonSimSections(kb, inputs.simTask.id, ctx.signal) : null;
            if (writer === "offline") {
              script = writeOffline(inputs, hash, sim?.sections ?? []);
            } else {
              const apiKey = env.ANTHROPIC_API_KEY;
              if (!apiKey) {
                throw new StepError(
                  "settings.content.writer is \"claude\" but ANTHROPIC_API_KEY is not set: export it in the worker's environment, or set the writer to \"auto\" or \"offline\".",
                  false,
                );
              }
              claude ??= new ClaudeWriter(forcedToolOptions(apiKey, s, env, deps));
              ctx.progress(0, `writing ${atom.id} with ${s.model}`);
              // The sources index, then only the sections the atom cites (never a whole manual).
              const sources = inputs.sourceDigests && kb.sources ? await buildSourcesPrompt(ctx.snapshot.dir, kb.sources.index, atom) : null;
              for (const p of sources?.problems ?? []) ctx.log.warn(`${atom.id}: ${p}`);
              const written = await claude.write(inputs, hash, ctx.signal, sources?.text ?? "", sim?.prompt ?? "");
              script = sim ? withRunVisuals(written.script, sim.sections) : written.script;
              usage = written.usage;
            }
            // The script says what it was made from, so a later change to a cited section marks it stale.
            if (inputs.sourceDigests) script = { ...script, provenance: { ...script.provenance, sources: inputs.sourceDigests } };
            const rel = scriptPath(atom.id);
            await writeAtomically(join(ctx.artifactsDir, rel), `${JSON.stringify(script, null, 2)}\n`);
            ctx.progress(1);
            const tokens = writer === "claude" ? `, ${usage.inputTokens} in + ${usage.cacheReadInputTokens} cached + ${usage.outputTokens} out tokens` : "";
            return {
              data: script,
              files: { script: rel },
              usage: { ...usage },
              note: `script for ${atom.id} by ${writer === "claude" ? s.model : "the offline writer"}: ${script.sections.length} sections, ~${script.estimatedDurationSec} s${tokens}`,
            };
          },
        };
      });
    },
  };
}
