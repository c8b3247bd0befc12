/**
 * `factory st run <file.st>`: runs a Structured Text program on its own, in simulated time,
 * with inputs changed by --set, and prints what its outputs and variables did.
 *
 * The engine (and chevrotain, ~0.4 s to load) is imported inside the action, so other
 * commands do not pay for it at start-up.
 */
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import type { CompiledProgram, InputSet, StValue } from "../learn/st/index.ts";

/** Exit codes: 0 ran to the end, 2 bad flags or compile errors, 3 runtime error. */
export const ST_EXIT = { ok: 0, usage: 2, compile: 2, runtime: 3 } as const;

export interface StRunFlags {
  cycle?: string;
  for?: string;
  set?: string[];
  json?: boolean;
}

/** Thrown for a bad flag; its message is printed as is. */
class FlagError extends Error {}

type Engine = typeof import("../learn/st/index.ts");

/** 10ms, 2s, 1m30s, 1.5s, T#2s, TIME#100ms → ms. A bare number other than 0 is refused: its unit would be a guess. */
function duration(engine: Engine, label: string, text: string): number {
  if (text === "0") return 0; // zero is zero in any unit
  const parsed = /^(T|TIME)#/i.test(text) ? engine.parseTimeLiteral(text) : engine.parseDuration(text);
  if (!parsed.ok) {
    const unitless = /^\d+(\.\d+)?$/.test(text) ? ` (give a unit: ${text}ms or ${text}s)` : "";
    throw new FlagError(`${label}: ${parsed.error}${unitless}`);
  }
  return parsed.value;
}

/** NAME=VALUE@TIME → an input set; the value is read according to the input's declared type. */
function inputSet(engine: Engine, program: CompiledProgram, text: string): InputSet {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=([^@]*)(?:@(.*))?$/.exec(text.trim());
  if (!m) throw new FlagError(`--set ${text}: expected NAME=VALUE@TIME, e.g. --set Start=TRUE@100ms`);
  const [, name, raw, at] = m as unknown as [string, string, string, string | undefined];
  const input = program.inputs.find((v) => v.name.toUpperCase() === name.toUpperCase());
  if (!input) {
    const list = program.inputs.map((v) => v.name).join(", ") || "none";
    throw new FlagError(`--set ${text}: "${name}" is not a VAR_INPUT of ${program.name} (its inputs: ${list})`);
  }
  const bad = (want: string) => new FlagError(`--set ${text}: ${input.name} is ${input.type}, so the value must be ${want}`);
  let value: StValue;
  const v = raw.trim();
  switch (input.type) {
    case "BOOL":
      if (/^(TRUE|1)$/i.test(v)) value = true;
      else if (/^(FALSE|0)$/i.test(v)) value = false;
      else throw bad("TRUE or FALSE");
      break;
    case "TIME":
      value = duration(engine, `--set ${text}`, v);
      break;
    case "REAL":
      value = Number(v);
      if (v === "" || !Number.isFinite(value)) throw bad("a number such as 1.5");
      break;
    default: {
      const [lo, hi] = engine.RANGE[input.type];
      value = Number(v.replace(/_/g, ""));
      if (!/^[-+]?\d[\d_]*$/.test(v) || value < lo || value > hi) throw bad(`an integer in ${lo}..${hi}`);
    }
  }
  const atMs = at === undefined ? 0 : duration(engine, `--set ${text}`, at.trim());
  return { name: input.name, value, atMs };
}

const pad = (ms: number) => `${ms} ms`.padStart(10);

/** Runs the command; prints to `out`/`err` and returns the exit code. */
export async function stRun(file: string, flags: StRunFlags, out = console.log, err = console.error): Promise<number> {
  const engine = await import("../learn/st/index.ts");
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    err(`factory st run: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    return ST_EXIT.usage;
  }
  let program: CompiledProgram;
  try {
    program = engine.compileProgram(source, file);
  } catch (e) {
    if (!(e instanceof engine.StCompileError)) throw e;
    err(e.message);
    return ST_EXIT.compile;
  }
  let cycleMs: number;
  let forMs: number;
  let sets: InputSet[];
  try {
    cycleMs = duration(engine, `--cycle ${flags.cycle ?? "10ms"}`, flags.cycle ?? "10ms");
    if (cycleMs <= 0) throw new FlagError(`--cycle ${flags.cycle}: the cycle must be longer than 0 ms`);
    forMs = duration(engine, `--for ${flags.for ?? "2s"}`, flags.for ?? "2s");
    sets = (flags.set ?? []).map((s) => inputSet(engine, program, s));
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    err(`factory st run: ${e.message}`);
    return ST_EXIT.usage;
  }
  let run: ReturnType<Engine["runStandalone"]>;
  try {
    run = engine.runStandalone(program, { cycleMs, forMs, sets });
  } catch (e) {
    if (!(e instanceof engine.StRuntimeError)) throw e;
    err(`${e.message} (in the scan at ${e.atMs} ms)`);
    return ST_EXIT.runtime;
  }
  if (flags.json) {
    out(JSON.stringify(run));
    return ST_EXIT.ok;
  }
  const types = new Map(program.variables.map((v) => [v.name, v.type]));
  const show = (name: string, value: StValue) => `${name} = ${engine.formatValue(types.get(name)!, value)}`;
  const list = (r: Record<string, StValue>) => Object.entries(r).map(([k, v]) => show(k, v)).join(", ") || "(no VAR or VAR_OUTPUT)";
  const scans = Math.ceil(forMs / cycleMs);
  out(`PROGRAM ${program.name} (${file}): ${scans} scans of ${cycleMs} ms, t = 0 ms to ${Math.max(0, (scans - 1) * cycleMs)} ms`);
  out(`initial: ${list(run.initial)}`);
  // Input sets and the changes they cause, in time order (a set shows before the scan it affects).
  const lines = [
    ...sets.map((s, i) => ({ t: s.atMs, order: i, text: `set ${s.name} = ${engine.formatValue(types.get(s.name)!, s.value)}` })),
    ...run.changes.map((c, i) => ({ t: c.t, order: sets.length + i, text: show(c.var, c.value) })),
  ].sort((a, b) => a.t - b.t || a.order - b.order);
  for (const l of lines) out(`${pad(l.t)}  ${l.text}`);
  if (run.changes.length === 0) out("(no variable changed)");
  out(`final: ${list(run.final)}`);
  return ST_EXIT.ok;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `factory st …`. */
export function registerStCommands(program: Command): void {
  const st = program.command("st").description("Run IEC 61131-3 Structured Text programs in simulated time");
  st.command("run")
    .argument("<file>", "a .st file holding one PROGRAM")
    .description("Run a program scan by scan and print how its outputs and variables change")
    .option("--cycle <duration>", "time between scans (10ms, 1s, T#20ms)", "10ms")
    .option("--for <duration>", "simulated run length (2s, 1m, T#1m30s)", "2s")
    .option("--set <NAME=VALUE@TIME>", "change a VAR_INPUT at a simulated time (repeatable), e.g. Start=TRUE@100ms", collect, [])
    .option("--json", "print {initial, final, changes} as JSON")
    // Bad flags are usage errors: exit 2 like every other bad input of this command.
    .exitOverride((e) => {
      process.exit(e.exitCode === 0 ? 0 : ST_EXIT.usage);
    })
    .action(async (file: string, flags: StRunFlags) => {
      process.exitCode = await stRun(file, flags);
    });
}
