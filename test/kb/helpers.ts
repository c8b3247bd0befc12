/** Builders for knowledge-base test fixtures: valid atoms and courses, written to a temp repo. */
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A valid atom as plain JSON, with overrides. */
export function atomJson(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    title: `Atom ${id}`,
    kind: "concept",
    summary: `One-line summary of ${id}.`,
    body: `## What it is\n${id} explained in a sentence.\n\n## Why it matters\nBecause it does.`,
    prerequisites: [],
    tags: ["test"],
    level: "beginner",
    sources: [{ title: "IEC 61131-3:2013 Programmable controllers - Part 3", publisher: "IEC" }],
    safetyNotes: [],
    version: 1,
    ...over,
  };
}

/** A valid course over the given atom ids (one module). */
export function courseJson(id: string, atoms: string[], over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, title: `Course ${id}`, audience: "testers", modules: [{ id: "m1", title: "Module 1", atoms }], ...over };
}

/** Writes files (path relative to the repo → JSON value or raw text) into a fresh temp directory. */
export async function tempRepo(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kb-test-"));
  await mkdir(join(dir, "kb/atoms"), { recursive: true });
  for (const [rel, value] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), typeof value === "string" ? value : JSON.stringify(value, null, 2));
  }
  return dir;
}
