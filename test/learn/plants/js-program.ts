/**
 * A control program written in JavaScript behind the ST engine's CompiledProgram interface, so
 * the plants, the runner and the judge are tested without depending on the ST engine.
 */
import type { CompiledProgram, ProgramInstance, StSection, StType, StValue, StVariable } from "../../../worker/learn/st/api.ts";

export interface JsProgramSpec<M> {
  name?: string;
  /** VAR_INPUT declarations: identifier → type. */
  inputs: Record<string, StType>;
  /** VAR_OUTPUT declarations: identifier → type. */
  outputs: Record<string, StType>;
  /** Fresh memory for an instance (the program's VAR section). */
  memory?: () => M;
  /** One scan: read inputs from and write outputs to `io` (keys as declared). */
  scan: (io: Record<string, StValue>, nowMs: number, mem: M) => void;
}

const zero = (t: StType): StValue => (t === "BOOL" ? false : 0);

export function jsProgram<M = Record<string, never>>(spec: JsProgramSpec<M>): CompiledProgram {
  let line = 1;
  const decl = (section: StSection) => ([name, type]: [string, StType]): StVariable => ({ name, type, section, initial: zero(type), line: line++ });
  const inputs = Object.entries(spec.inputs).map(decl("VAR_INPUT"));
  const outputs = Object.entries(spec.outputs).map(decl("VAR_OUTPUT"));
  const variables = [...inputs, ...outputs];
  const canonical = (name: string): string => {
    const v = variables.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!v) throw new Error(`unknown variable ${name}`);
    return v.name;
  };
  return {
    name: spec.name ?? "JsProgram",
    file: `${spec.name ?? "js-program"}.st`,
    variables,
    inputs,
    outputs,
    createInstance(): ProgramInstance {
      const io: Record<string, StValue> = Object.fromEntries(variables.map((v) => [v.name, v.initial]));
      const mem = (spec.memory?.() ?? {}) as M;
      return {
        setInput(name, value) {
          const n = canonical(name);
          if (!inputs.some((v) => v.name === n)) throw new Error(`${name} is not a VAR_INPUT`);
          io[n] = value;
        },
        get: (name) => io[canonical(name)]!,
        scan: (now) => spec.scan(io, now, mem),
        snapshot: () => ({ ...io }),
      };
    },
  };
}

/** An edge detector for JS controllers (R_TRIG). */
export function rising(): (clk: boolean) => boolean {
  let m = false;
  return (clk) => {
    const q = clk && !m;
    m = clk;
    return q;
  };
}
