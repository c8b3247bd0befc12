import { describe, expect, it } from "vitest";
import { END, START, updateBenchDoc } from "../../bench/doc.ts";

const machine = "2 cores, load average 0.4 at the start, Node v20.20.2";
const run = (name: string, output: string, at = "2026-12-01T23:30:00.000Z", status = 0) => ({ name, output, at, status, machine });

describe("the generated part of docs/benchmarks.md", () => {
  const written = "# Benchmarks\n\nWhat the figures mean, written by a person.\n";

  it("appends each benchmark's output with its date and machine, colours removed, leaving the page above alone", () => {
    const doc = updateBenchDoc(written, [run("media.bench.ts", "\u001b[32mmedia: 40x realtime\u001b[0m\n")]);
    expect(doc.startsWith(written.trimEnd())).toBe(true);
    expect(doc).toContain(START);
    expect(doc).toContain("### media\n\n2026-12-01 23:30 UTC, 2 cores, load average 0.4 at the start, Node v20.20.2\n\n```text\nmedia: 40x realtime\n```");
    expect(doc.trimEnd().endsWith(END)).toBe(true);
  });

  it("refreshes only the benchmarks run this time and keeps the others' blocks", () => {
    const first = updateBenchDoc(written, [run("media.bench.ts", "old media"), run("relay.bench.ts", "relay p99 10 ms")]);
    const second = updateBenchDoc(first, [run("media.bench.ts", "new media", "2026-12-02T08:00:00.000Z")]);
    expect(second).toContain("new media");
    expect(second).not.toContain("old media");
    expect(second).toContain("relay p99 10 ms");
    expect(second.split(START)).toHaveLength(2);
    expect(updateBenchDoc(second, [run("media.bench.ts", "new media", "2026-12-02T08:00:00.000Z")])).toBe(second);
  });

  it("says when a benchmark failed", () => {
    expect(updateBenchDoc(written, [run("learn.bench.ts", "boom", undefined, 3)])).toContain("**exited with status 3**");
  });
});
