import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_LEARN_TASK, demoLearning } from "../../../worker/demo/run-demo.ts";

describe("the demo's learning task", () => {
  it("checks the reference solution of the demo task without a key and reports that it passed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "demo-learn-"));
    const configFile = join(dir, "factory.config.json");
    await writeFile(configFile, "{}\n");
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    const lines: string[] = [];
    try {
      const line = await demoLearning(join(dir, "work"), configFile, (l) => lines.push(l));
      expect(line).toEqual(expect.stringMatching(new RegExp(`^PASS: the reference solution of ${DEMO_LEARN_TASK} passes every criterion \\(\\d+\\)\\. No model was asked\\.$`)));
      expect(lines[0]).toContain("no model was asked");
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
