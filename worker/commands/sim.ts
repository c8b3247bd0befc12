/**
 * `factory sim scenes [--plant builtin|factoryio] [--json]`: the scenes and their tags, with the
 * ST identifier of each tag.
 * `factory sim run <program.st> --task <id> [--plant builtin|factoryio] [--kb <dir>] [--json]`:
 * runs a program against a simulation task and judges it.
 *
 * Exit codes (SIM_EXIT): 0 every criterion passed, 1 a criterion failed (the first violated one
 * is printed with the trace around it), 2 the program does not compile or the input is bad
 * (unknown task, unreadable file, declarations that do not match the task, plant unreachable),
 * 3 runtime error. Everything heavy is imported inside the actions so `factory --help` stays fast.
 */
import type { Command } from "commander";

export const SIM_EXIT = { passed: 0, failed: 1, badInput: 2, runtimeError: 3 } as const;

type PlantKind = "builtin" | "factoryio";
type Print = (line: string) => void;

export interface SimScenesOptions {
  plant?: string;
  json?: boolean;
  env?: Record<string, string | undefined>;
}

export interface SimRunOptions {
  task?: string;
  plant?: string;
  kb?: string;
  json?: boolean;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

function plantKind(raw: string | undefined, err: Print): PlantKind | null {
  const p = raw ?? "builtin";
  if (p === "builtin" || p === "factoryio") return p;
  err(`--plant must be builtin or factoryio, not "${p}"`);
  return null;
}

/** Lists the scenes (built-in) or the scene open in Factory I/O, each tag with its identifier. */
export async function simScenes(o: SimScenesOptions, out: Print = console.log, err: Print = console.error): Promise<number> {
  const kind = plantKind(o.plant, err);
  if (!kind) return SIM_EXIT.badInput;
  const { tagIdentifier } = await import("../../shared/sim.ts");
  let scenes: Array<{ id: string; title: string; tags: Array<{ name: string; direction: string; type: string }>; partTypes: readonly string[] }>;
  if (kind === "builtin") {
    scenes = [...(await import("../learn/plants/index.ts")).BUILTIN_SCENES];
  } else {
    const { factoryIoUrl } = await import("../learn/plants/factoryio-config.ts");
    const { FactoryIoClient } = await import("../learn/plants/factoryio-client.ts");
    const { IEC_OF } = await import("../learn/plants/factoryio-tags.ts");
    let client: InstanceType<typeof FactoryIoClient> | null = null;
    try {
      const { url } = factoryIoUrl(o.env ?? process.env);
      client = new FactoryIoClient({ baseUrl: url });
      const tags = await client.listTags();
      scenes = [{ id: "factoryio", title: `the scene open in Factory I/O at ${url}`, tags: tags.map((t) => ({ name: t.name, direction: t.kind, type: IEC_OF[t.type] })), partTypes: [] }];
    } catch (e) {
      err(`cannot list Factory I/O's tags: ${(e as Error).message}`);
      return SIM_EXIT.badInput;
    } finally {
      await client?.close();
    }
  }
  if (o.json) {
    out(JSON.stringify(scenes.map((s) => ({ ...s, tags: s.tags.map((t) => ({ ...t, identifier: tagIdentifier(t.name) })) })), null, 2));
    return SIM_EXIT.passed;
  }
  for (const s of scenes) {
    out(`${s.id}: ${s.title}${s.partTypes.length ? ` (parts: ${s.partTypes.join(", ")})` : ""}`);
    const w = Math.max(...s.tags.map((t) => t.name.length), 4);
    for (const t of s.tags) out(`  ${t.direction.padEnd(6)} ${t.type.padEnd(4)} ${t.name.padEnd(w)}  ${tagIdentifier(t.name)}`);
    out("");
  }
  out("Programs declare inputs in VAR_INPUT and outputs in VAR_OUTPUT under the identifier shown (docs/learning.md).");
  return SIM_EXIT.passed;
}

/** Runs `file` against task `o.task`; prints the verdict; returns the exit code. */
export async function simRun(file: string, o: SimRunOptions, out: Print = console.log, err: Print = console.error): Promise<number> {
  const kind = plantKind(o.plant, err);
  if (!kind) return SIM_EXIT.badInput;
  if (!o.task) {
    err("give the task: --task <id> (the file name kb/sim/<id>.json without .json)");
    return SIM_EXIT.badInput;
  }
  const { readFile } = await import("node:fs/promises");
  const { loadSimTask } = await import("../learn/task-file.ts");
  const { compileProgram, StCompileError } = await import("../learn/st/index.ts");
  const { runTask } = await import("../learn/run-task.ts");
  const { renderFailure } = await import("../learn/judge/index.ts");

  let task: Awaited<ReturnType<typeof loadSimTask>>["task"];
  try {
    task = (await loadSimTask(o.kb ?? "kb", o.task)).task;
  } catch (e) {
    err((e as Error).message);
    return SIM_EXIT.badInput;
  }
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    err(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    return SIM_EXIT.badInput;
  }
  let program: ReturnType<typeof compileProgram>;
  try {
    program = compileProgram(source, file);
  } catch (e) {
    if (!(e instanceof StCompileError)) throw e;
    if (o.json) out(JSON.stringify({ task: task.id, plant: kind, status: "compile-error", diagnostics: e.diagnostics }, null, 2));
    else err(e.message);
    return SIM_EXIT.badInput;
  }

  let plant: import("../learn/plants/types.ts").Plant;
  try {
    if (kind === "builtin") {
      const { BUILTIN_SCENES, createBuiltinPlant } = await import("../learn/plants/index.ts");
      const { checkTaskAgainstScene } = await import("../kb/validate-sim.ts");
      const problems: import("../kb/validate.ts").KbProblem[] = [];
      checkTaskAgainstScene(task, `kb/sim/${task.id}.json`, BUILTIN_SCENES, problems);
      if (problems.length) {
        for (const p of problems) err(`${p.file} ${p.path}: ${p.message}`);
        return SIM_EXIT.badInput;
      }
      plant = createBuiltinPlant(task.scene);
    } else {
      const { factoryIoUrl, factoryIoPlantForTask } = await import("../learn/plants/factoryio-config.ts");
      plant = factoryIoPlantForTask(task, { baseUrl: factoryIoUrl(o.env ?? process.env).url });
    }
  } catch (e) {
    err((e as Error).message);
    return SIM_EXIT.badInput;
  }

  let result: Awaited<ReturnType<typeof runTask>>;
  try {
    result = await runTask({ program, task, plant, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (e) {
    err(`cannot run against ${kind === "builtin" ? "the built-in plant" : "Factory I/O"}: ${(e as Error).message}`);
    return SIM_EXIT.badInput;
  }

  const where = kind === "builtin" ? "built-in plant" : "Factory I/O";
  if (result.status === "interface-error") {
    if (o.json) out(JSON.stringify({ task: task.id, plant: kind, status: result.status, message: result.message }, null, 2));
    else err(result.message);
    return SIM_EXIT.badInput;
  }
  const simulatedMs = (result.trace.times.at(-1) ?? -task.cycleMs) + task.cycleMs;
  if (result.status === "runtime-error") {
    if (o.json) out(JSON.stringify({ task: task.id, plant: kind, status: result.status, message: result.message, line: result.line, col: result.col, atMs: result.atMs }, null, 2));
    else err(`${result.message}\n(at ${result.atMs} ms of simulated time, task ${task.id}, ${where})`);
    return SIM_EXIT.runtimeError;
  }
  const { verdict } = result;
  if (o.json) {
    out(
      JSON.stringify(
        {
          task: task.id,
          plant: kind,
          status: result.status,
          pass: verdict.pass,
          criteria: verdict.criteria,
          firstFailure: verdict.firstFailure,
          scans: result.trace.times.length,
          simulatedMs,
          events: result.trace.events.length,
        },
        null,
        2,
      ),
    );
  } else {
    out(`Task ${task.id} (${task.title}) on the ${where}: ${result.trace.times.length} scans, ${(simulatedMs / 1000).toFixed(1)} s simulated`);
    for (const c of verdict.criteria) out(`  ${c.pass ? "pass" : "FAIL"}  ${c.id}${c.pass ? "" : ` at ${c.atMs} ms: ${c.reason}`}`);
    if (verdict.firstFailure) {
      out("");
      out(renderFailure(verdict.firstFailure));
    } else out(`All ${verdict.criteria.length} criteria passed.`);
  }
  return verdict.pass ? SIM_EXIT.passed : SIM_EXIT.failed;
}

/** Registers `factory sim …`. */
export function registerSimCommands(program: Command): void {
  const sim = program.command("sim").description("Plant simulations: list scenes, run an ST program against a task");
  sim
    .command("scenes")
    .description("List the scenes and their tags, each with its ST identifier")
    .option("--plant <plant>", "builtin, or factoryio for the scene open in Factory I/O", "builtin")
    .option("--json", "print JSON")
    .action(async (flags: SimScenesOptions) => {
      process.exitCode = await simScenes(flags);
    });
  sim
    .command("run")
    .argument("<program.st>", "the Structured Text program")
    .option("--task <id>", "the task, kb/sim/<id>.json (required)")
    .option("--plant <plant>", "builtin or factoryio", "builtin")
    .option("--kb <dir>", "the knowledge-base folder holding sim/", "kb")
    .option("--json", "print the verdict as JSON")
    .description("Run a program against a task and judge it: exit 0 pass, 1 a criterion failed, 2 compile error or bad input, 3 runtime error")
    .action(async (file: string, flags: SimRunOptions) => {
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once("SIGINT", onSignal);
      try {
        process.exitCode = await simRun(file, { ...flags, signal: ac.signal });
      } finally {
        process.off("SIGINT", onSignal);
      }
    });
}
