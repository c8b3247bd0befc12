import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatProblems, loadKnowledgeBase } from "../../worker/kb/load.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

describe("the starter knowledge base in kb/", () => {
  it("validates without a single problem", async () => {
    const { kb, problems } = await loadKnowledgeBase(repo);
    expect(formatProblems(problems)).toBe("");
    expect(kb).not.toBeNull();
  });

  it("has at least 20 atoms and 2 courses, and every atom is taught in some course", async () => {
    const { kb } = await loadKnowledgeBase(repo);
    expect(kb!.atoms.length).toBeGreaterThanOrEqual(20);
    expect(kb!.courses.length).toBeGreaterThanOrEqual(2);
    const taught = new Set(kb!.courses.flatMap((c) => c.modules.flatMap((m) => m.atoms)));
    expect(kb!.atoms.filter((a) => !taught.has(a.id)).map((a) => a.id)).toEqual([]);
  });

  it("gives every atom at least two ## sections the writers can turn into script sections", async () => {
    const { kb } = await loadKnowledgeBase(repo);
    const thin = kb!.atoms.filter((a) => (a.body.match(/^## /gm) ?? []).length < 2).map((a) => a.id);
    expect(thin).toEqual([]);
  });

  it("cites only https URLs, and only where a source has one", async () => {
    const { kb } = await loadKnowledgeBase(repo);
    const urls = kb!.atoms.flatMap((a) => a.sources.flatMap((s) => (s.url ? [s.url] : [])));
    expect(urls.every((u) => u.startsWith("https://"))).toBe(true);
  });
});
