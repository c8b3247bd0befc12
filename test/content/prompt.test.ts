import { describe, expect, it } from "vitest";
import { SYSTEM_PROMPT, buildUserMessage, scriptTool } from "../../worker/agents/prompt.ts";
import { inputFor, starterKb } from "./helpers.ts";

describe("the content agent's prompt", () => {
  it("carries the atom, its prerequisites' one-liners and its course places, nothing else", async () => {
    const kb = await starterKb();
    const input = inputFor(kb, "tof-timer");
    const text = buildUserMessage(input);
    const atom = kb.atoms.find((a) => a.id === "tof-timer")!;
    const ton = kb.atoms.find((a) => a.id === "ton-timer")!;
    expect(text).toContain(atom.body.trim());
    expect(text).toContain(`- ${ton.title}: ${ton.summary}`);
    expect(text).not.toContain(ton.body.trim());
    expect(text).toMatch(/module "Timers and counters", lesson \d+ of 21; previous lesson: "The On-Delay Timer \(TON\)"; next lesson: "Counters: CTU, CTD and CTUD"/);
    const others = kb.atoms.filter((a) => a.id !== "tof-timer");
    expect(others.filter((a) => text.includes(a.body.trim()))).toEqual([]);
  });

  it("keeps the cacheable prefix identical for every atom", async () => {
    const kb = await starterKb();
    expect(JSON.stringify(scriptTool())).toBe(JSON.stringify(scriptTool()));
    for (const a of kb.atoms) expect(SYSTEM_PROMPT).not.toContain(a.id);
  });

  it("says when an atom has no prerequisites and is in no course", async () => {
    const kb = await starterKb();
    const input = { ...inputFor(kb, "ohms-law"), courses: [] };
    const text = buildUserMessage(input);
    expect(text).toContain("Prerequisites the viewer has already watched:\n- none");
    expect(text).toContain("- not part of a course yet");
  });
});
