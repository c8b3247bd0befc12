import { describe, expect, it } from "vitest";
import { lessonMetadata } from "../../worker/publish/metadata.ts";
import { script } from "./pipeline-fixture.ts";

describe("lessonMetadata", () => {
  it("replaces the angle brackets YouTube rejects and keeps the writer's text otherwise", () => {
    const meta = lessonMetadata({ ...script, youtube: { title: "If A > B then <stop>", description: "x < y", tags: ["plc"] } });
    expect(meta).toEqual({ title: "If A › B then ‹stop›", description: "x ‹ y", tags: ["plc"] });
  });

  it("cuts descriptions to 5000 bytes and tag lists to YouTube's 500 characters (quoted multi-word tags count 2 more)", () => {
    const tags = Array.from({ length: 30 }, (_, i) => `tag number ${String(i).padStart(2, "0")} long`);
    const meta = lessonMetadata({ ...script, youtube: { title: "T".repeat(100), description: "é".repeat(3000), tags } });
    expect(Buffer.byteLength(meta.description)).toBeLessThanOrEqual(5000);
    expect(meta.description.endsWith("…")).toBe(true);
    const cost = meta.tags.reduce((n, t, i) => n + t.length + (t.includes(" ") ? 2 : 0) + (i ? 1 : 0), 0);
    expect(cost).toBeLessThanOrEqual(500);
    expect(meta.tags.length).toBeLessThan(30);
    expect(meta.tags[0]).toBe("tag number 00 long");
  });
});
