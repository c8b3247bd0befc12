import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../worker/config.ts";
import { terminalProgress } from "../../worker/terminal-progress.ts";

/** A stream that says it is a terminal, collecting what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const s = new PassThrough();
  s.on("data", (c: Buffer) => chunks.push(c.toString()));
  Object.assign(s, { isTTY: true, columns: 100, rows: 40, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, clearScreenDown: () => true });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => chunks.join("") };
}

describe("the terminal progress bar", () => {
  it("is not drawn while the worker idles, appears with a job's progress and goes away after it", () => {
    const t = fakeTerminal();
    const p = terminalProgress(loadConfig({ env: {} }), t.stream)!;
    p.log.info("worker polling");
    expect(t.text()).toContain("worker polling");
    expect(t.text()).not.toMatch(/\d+%/);

    p.update({ step: "render:ohms-law", fraction: 0.5, message: "encoding lesson" });
    p.log.info("a line during the job");
    p.idle(); // draws the bar a last time, with the line above it, then clears it
    expect(t.text()).toMatch(/50% render:ohms-law encoding lesson/);
    expect(t.text()).toContain("a line during the job");

    const before = t.text().length;
    p.log.info("waiting for the next job");
    const after = t.text().slice(before);
    expect(after).toContain("waiting for the next job");
    expect(after).not.toMatch(/\d+%/);
    p.stop();
  });
});
