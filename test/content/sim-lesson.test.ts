import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StVisual, TimingVisual } from "../../shared/visual.ts";
import { buildUserMessage } from "../../worker/agents/prompt.ts";
import { runLessonProgram } from "../../worker/agents/sim-run.ts";
import { PROGRAM_HEADING, RUN_HEADING, programExcerpt } from "../../worker/agents/sim-section.ts";
import { kbValidate } from "../../worker/commands/kb.ts";
import { selectDemoKb } from "../../worker/demo/demo-repo.ts";
import { loadKnowledgeBase } from "../../worker/kb/load.ts";
import { type KnowledgeBase, StepError } from "../../worker/pipeline/types.ts";
import { type ScriptStepInputs, contentStage, scriptInputs, sourceHash } from "../../worker/steps/content-stage.ts";
import { FakeAnthropic, draftFromPrompt } from "../fakes/anthropic.ts";
import { repoDir, starterKb, stepContext } from "./helpers.ts";
import type { VideoScript } from "../../shared/models.ts";

const plan = (kb: KnowledgeBase, env: Record<string, string | undefined> = {}) =>
  contentStage({ env, sleep: async () => {} }).plan({ kb, settings: {}, job: null, snapshot: { dir: repoDir, sha: null, repository: "local", branch: "main", changes: null } });

/** The offline script of one atom, made by its real write-script step. */
async function offlineScript(kb: KnowledgeBase, id: string): Promise<VideoScript> {
  const step = plan(kb).find((s) => s.key === `script:${id}`)!;
  return (await step.run(await stepContext(kb))).data as VideoScript;
}

/** A copy of the repository's kb/ to edit. */
async function kbCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sim-lesson-"));
  await cp(join(repoDir, "kb"), join(dir, "kb"), { recursive: true });
  return dir;
}

async function loadFrom(dir: string): Promise<KnowledgeBase> {
  const { kb, problems } = await loadKnowledgeBase(dir);
  if (!kb) throw new Error(JSON.stringify(problems));
  return kb;
}

const hashOf = (kb: KnowledgeBase, id: string) => sourceHash(scriptInputs(kb, kb.atoms.find((a) => a.id === id)!, "offline", "none"));

let kb: KnowledgeBase;
beforeEach(async () => {
  kb ??= await starterKb();
});

describe("a lesson linked to a simulation task", () => {
  it("shows the reference program that passed, with highlighted lines, in its own section", async () => {
    const script = await offlineScript(kb, "seal-in-circuit");
    const headings = script.sections.map((s) => s.heading);
    // After the atom's own sections, before Safety.
    expect(headings).toEqual(["The problem", "The rung", "Stop wins", "No restart after a power cut", PROGRAM_HEADING, RUN_HEADING, "Safety"]);
    const st = script.sections[4]!.visual as StVisual;
    const program = await readFile(join(repoDir, "kb/sim/conveyor-start-stop.st"), "utf8");
    expect(st.kind).toBe("st");
    // The whole program but the comment line above PROGRAM (the slide's font would shrink to fit it).
    expect(st.code).toBe(program.trimEnd().split("\n").slice(1).join("\n"));
    expect(program.split("\n")[0]).toMatch(/^\(\*.*\*\)$/);
    const lines = st.code.split("\n");
    expect(st.steps.length).toBeGreaterThan(0);
    expect(lines[st.steps[0]![0]! - 1]).toBe("Conveyor := (Start OR Conveyor) AND Stop;");
    expect(script.sections[4]!.narration).toContain("reference solution");
  });

  it("charts the real run: Conveyor rises with Start at 1 s, falls with Stop at 4 s, and stays off when Start is pressed while Stop is held", async () => {
    const linked = kb.simTasks!["conveyor-start-stop"]!;
    const run = await runLessonProgram(linked);
    // The runner's own trace says when the conveyor first starts and stops.
    const conveyorEdges = run.trace.changes.filter((c) => c.tag === "Conveyor").map((c) => [c.t, c.value]);
    expect(conveyorEdges.slice(0, 2)).toEqual([[1000, true], [4000, false]]);

    const script = await offlineScript(kb, "seal-in-circuit");
    const timing = script.sections[5]!.visual as TimingVisual;
    expect(timing.kind).toBe("timing");
    expect(timing.signals.map((s) => s.name)).toEqual(["Start", "Stop", "Conveyor"]);
    const conveyor = timing.signals.find((s) => s.name === "Conveyor")!;
    expect(conveyor.points).toEqual([[0, 0], ...conveyorEdges.map(([t, v]) => [t, v ? 1 : 0])]);
    const start = timing.signals.find((s) => s.name === "Start")!;
    expect(start.points).toContainEqual([9500, 1]); // pressed while Stop is still held…
    expect(conveyor.points.some(([t]) => t > 9000 && t < 12000)).toBe(false); // …and the conveyor does not move
    const narration = script.sections[5]!.narration;
    expect(narration).toContain("At 1 second, Start is pressed, and Conveyor turns on in the same scan.");
    expect(narration).toContain("At 9.5 seconds, Start is pressed, but Conveyor stays off.");
    expect(narration).toContain("normally closed");
    expect(timing.markers).toEqual([{ t: 9500, label: "Start ignored" }]);
  });

  it("is deterministic: the same program and task give byte-identical sections", async () => {
    const a = await offlineScript(kb, "edge-detection");
    const b = await offlineScript(kb, "edge-detection");
    expect(JSON.stringify(a.sections)).toBe(JSON.stringify(b.sections));
  });

  it("shows the part that matters of a program longer than a slide, and says what it left out", async () => {
    const script = await offlineScript(kb, "edge-detection");
    const section = script.sections.find((s) => s.heading === PROGRAM_HEADING)!;
    const st = section.visual as StVisual;
    expect(st.code.split("\n").length).toBeLessThanOrEqual(24);
    expect(st.code).toContain("Inspection(IN := Arrived.Q, PT := T#2s);");
    expect(st.code).not.toContain("VAR_OUTPUT\n");
    expect(section.narration).toContain("leaves out the input and output declarations");
    // The chart: the belt stops in the scan the part reaches the exit sensor, and runs 2 s later.
    const timing = script.sections.find((s) => s.heading === RUN_HEADING)!.visual as TimingVisual;
    const conveyor = timing.signals.find((s) => s.name === "Conveyor")!.points;
    const atExit = timing.signals.find((s) => s.name === "At exit")!.points;
    const firstArrival = atExit.find(([, v]) => v === 1)![0];
    expect(conveyor).toContainEqual([firstArrival, 0]);
    expect(conveyor).toContainEqual([firstArrival + 2000, 1]);
  });

  it("cuts a long program to its logic when the declarations alone do not fit", () => {
    const decl = Array.from({ length: 30 }, (_, i) => `  X${i} : BOOL;`).join("\n");
    const { code, leftOut } = programExcerpt(`PROGRAM P\nVAR\n${decl}\nEND_VAR\nA := B;\nEND_PROGRAM\n`);
    expect(code).toBe("A := B;\nEND_PROGRAM");
    expect(leftOut).toBe("the declarations");
  });

  it("gives the Claude writer the program, the run and the visuals; an unlinked atom's prompt is unchanged", async () => {
    const fake = await FakeAnthropic.start();
    try {
      const env = { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.baseURL };
      const step = plan(kb, env).find((s) => s.key === "script:seal-in-circuit")!;
      await step.run(await stepContext(kb));
      const prompt: string = fake.requests[0]!.body.messages[0].content;
      expect(prompt).toContain('<simulation task="conveyor-start-stop" program="kb/sim/conveyor-start-stop.st">');
      expect(prompt).toContain("Conveyor := (Start OR Conveyor) AND Stop;");
      expect(prompt).toContain("At 1 second, Start is pressed, and Conveyor turns on in the same scan.");
      expect(prompt).toContain(`Section "${RUN_HEADING}"`);
      expect(fake.problems).toEqual([]);
    } finally {
      await fake.close();
    }
    // A section the model named after the run carries the run's own chart, whatever it sent.
    const fake2 = await FakeAnthropic.start();
    try {
      fake2.defaultInput = (prompt) => {
        const draft = draftFromPrompt(prompt) as { sections: unknown[] };
        draft.sections.push({ heading: RUN_HEADING, narration: "The chart.", bullets: ["Run"], visual: { kind: "timing", durationMs: 1000, signals: [{ name: "Conveyor", points: [[0, 1]] }] } });
        return draft;
      };
      const env = { ANTHROPIC_API_KEY: fake2.apiKey, ANTHROPIC_BASE_URL: fake2.baseURL };
      const out = await plan(kb, env).find((s) => s.key === "script:seal-in-circuit")!.run(await stepContext(kb));
      const run = (out.data as VideoScript).sections.find((s) => s.heading === RUN_HEADING)!.visual as TimingVisual;
      expect(run.durationMs).toBe(14000);
      expect(run.signals.find((s) => s.name === "Conveyor")!.points).toContainEqual([4000, 0]);
      expect(fake2.problems).toEqual([]);
    } finally {
      await fake2.close();
    }
    const ohm = scriptInputs(kb, kb.atoms.find((a) => a.id === "ohms-law")!, "claude", "m");
    expect(buildUserMessage(ohm)).not.toContain("simulation");
    expect(buildUserMessage(ohm, "", "")).toBe(buildUserMessage(ohm));
  });
});

describe("the script step's inputs of a linked atom", () => {
  it("change when the learning agent's .solution.st appears or changes, and the lesson then shows that program", async () => {
    const dir = await kbCopy();
    const before = hashOf(await loadFrom(dir), "seal-in-circuit");
    const solution = "PROGRAM Found\nVAR_INPUT\n  Start : BOOL;\n  Stop : BOOL;\nEND_VAR\nVAR_OUTPUT\n  Conveyor : BOOL;\n  Start_light : BOOL;\n  Stop_light : BOOL;\nEND_VAR\nConveyor := Stop AND (Start OR Conveyor);\nStart_light := Conveyor;\nStop_light := NOT Conveyor;\nEND_PROGRAM\n";
    await writeFile(join(dir, "kb/sim/conveyor-start-stop.solution.st"), solution);
    const withSolution = await loadFrom(dir);
    const after = hashOf(withSolution, "seal-in-circuit");
    expect(after).not.toBe(before);
    await writeFile(join(dir, "kb/sim/conveyor-start-stop.solution.st"), solution.replace("PROGRAM Found", "PROGRAM Found2"));
    expect(hashOf(await loadFrom(dir), "seal-in-circuit")).not.toBe(after);
    // Atoms that link nothing do not notice.
    expect(hashOf(withSolution, "ohms-law")).toBe(hashOf(kb, "ohms-law"));

    const script = await offlineScript(withSolution, "seal-in-circuit");
    const section = script.sections.find((s) => s.heading === PROGRAM_HEADING)!;
    expect((section.visual as StVisual).code).toBe(solution.trimEnd());
    expect(section.narration).toContain("The learning agent wrote it");
  });

  it("of an atom without simTask keep exactly the fields and hash they had before links existed", () => {
    for (const atom of kb.atoms.filter((a) => !a.simTask)) {
      const inputs = scriptInputs(kb, atom, "offline", "none");
      expect(Object.keys(inputs)).not.toContain("simTask");
      expect(Object.keys(inputs.atom)).not.toContain("simTask");
    }
    // The same KB as before any atom linked a task: no links, nothing loaded.
    const unlinked: KnowledgeBase = { atoms: kb.atoms.map(({ simTask: _, ...a }) => a), courses: kb.courses };
    for (const atom of kb.atoms.filter((a) => !a.simTask)) expect(hashOf(kb, atom.id)).toBe(hashOf(unlinked, atom.id));
    expect(Object.keys(scriptInputs(kb, kb.atoms.find((a) => a.id === "seal-in-circuit")!, "offline", "none"))).toContain("simTask");
  });

  it("fails the step with a clear, non-retryable error when the linked program does not pass", async () => {
    const dir = await kbCopy();
    await writeFile(
      join(dir, "kb/sim/conveyor-start-stop.solution.st"),
      "PROGRAM Wrong\nVAR_INPUT\n  Start : BOOL;\n  Stop : BOOL;\nEND_VAR\nVAR_OUTPUT\n  Conveyor : BOOL;\n  Start_light : BOOL;\n  Stop_light : BOOL;\nEND_VAR\nConveyor := Start;\nStart_light := Conveyor;\nStop_light := NOT Conveyor;\nEND_PROGRAM\n",
    );
    const broken = await loadFrom(dir);
    const step = plan(broken).find((s) => s.key === "script:seal-in-circuit")!;
    const err = await step.run(await stepContext(broken)).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/kb\/sim\/conveyor-start-stop\.solution\.st does not pass task conveyor-start-stop .*failed: start-seals-in/);
  });
});

describe("`factory kb validate` and simTask", () => {
  it("refuses an unknown simTask, naming the atom's file, the field and the tasks there are", async () => {
    const dir = await kbCopy();
    const file = join(dir, "kb/atoms/seal-in-circuit.json");
    await writeFile(file, (await readFile(file, "utf8")).replace('"simTask": "conveyor-start-stop"', '"simTask": "conveyor-start-stp"'));
    const out: string[] = [];
    expect(await kbValidate(dir, (s) => void out.push(s), (s) => void out.push(s))).toBe(1);
    const report = out.join("\n");
    expect(report).toContain('kb/atoms/seal-in-circuit.json $.simTask: unknown simulation task "conveyor-start-stp": there is no valid kb/sim/conveyor-start-stp.json; tasks: ');
    expect(report).toMatch(/tasks: .*conveyor-start-stop, count-deliveries/);
  });

  it("holds for the demo's knowledge base, which brings the linked tasks along", async () => {
    for (const count of [null, 12]) {
      const dir = await mkdtemp(join(tmpdir(), "sim-demo-kb-"));
      for (const [path, text] of selectDemoKb(join(repoDir, "kb"), count)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const demo = await loadFrom(dir);
      expect(demo.simTasks?.["conveyor-start-stop"]?.programFile).toBe("kb/sim/conveyor-start-stop.st");
    }
  });

  it("accepts the starter atoms' links and loads only the linked tasks", () => {
    expect(Object.keys(kb.simTasks ?? {}).sort()).toEqual(["conveyor-inspect-at-end", "conveyor-start-stop", "count-deliveries"]);
    expect(kb.simTasks!["count-deliveries"]!.programFile).toBe("kb/sim/count-deliveries.st");
  });
});
