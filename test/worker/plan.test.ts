import { describe, expect, it } from "vitest";
import { assemblePlan, canonicalJson, decideStep, inputHash } from "../../worker/pipeline/plan.ts";
import { StepError, type PlannedStep, type Stage } from "../../worker/pipeline/types.ts";

const step = (key: string, dependsOn: string[] = [], inputs: unknown = { key }): PlannedStep => ({
  key,
  kind: "k",
  version: 1,
  dependsOn,
  inputs: () => inputs,
  run: async () => ({}),
});
const stage = (name: string, steps: PlannedStep[]): Stage => ({ name, plan: () => steps });
const input = { snapshot: { dir: "/x", sha: null, repository: "a/b", branch: "main", changes: null }, kb: null, settings: {}, job: null };

describe("canonicalJson / inputHash", () => {
  it("does not depend on key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(inputHash("k", 1, { a: 1, b: 2 })).toBe(inputHash("k", 1, { b: 2, a: 1 }));
  });
  it("changes with kind, version and any input", () => {
    const base = inputHash("k", 1, { a: 1 });
    expect(inputHash("k", 2, { a: 1 })).not.toBe(base);
    expect(inputHash("j", 1, { a: 1 })).not.toBe(base);
    expect(inputHash("k", 1, { a: 2 })).not.toBe(base);
  });
  it("refuses values with no JSON form", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe("assemblePlan", () => {
  it("keeps stage order and step order", () => {
    const plan = assemblePlan([stage("one", [step("a"), step("b", ["a"])]), stage("two", [step("c", ["a", "b"])])], input);
    expect(plan.map((s) => s.key)).toEqual(["a", "b", "c"]);
  });
  it("refuses duplicate keys and dependencies that come later, without retries", () => {
    const dup = () => assemblePlan([stage("s", [step("a"), step("a")])], input);
    expect(dup).toThrow(StepError);
    expect(dup).toThrow(/planned step "a" twice/);
    const late = () => assemblePlan([stage("s", [step("b", ["a"]), step("a")])], input);
    expect(late).toThrow(/depends on "a", which is not planned before it/);
    try {
      late();
    } catch (e) {
      expect((e as StepError).retryable).toBe(false);
    }
  });
});

describe("decideStep", () => {
  it("skips with the recorded output when the ledger has the same key and hash, runs otherwise", () => {
    const s = step("a", [], { v: 1 });
    const hash = inputHash("k", 1, { v: 1 });
    const skip = decideStep(s, {}, (key, h) => (key === "a" && h === hash ? { note: "old" } : null));
    expect(skip).toEqual({ action: "skip", inputHash: hash, output: { note: "old" } });
    expect(decideStep(step("a", [], { v: 2 }), {}, () => null).action).toBe("run");
  });
  it("hashes what the step reads from its dependencies", () => {
    const s: PlannedStep = { ...step("b", ["a"]), inputs: (deps) => deps.a?.data };
    const h1 = decideStep(s, { a: { data: 1 } }, () => null).inputHash;
    const h2 = decideStep(s, { a: { data: 2 } }, () => null).inputHash;
    expect(h1).not.toBe(h2);
  });
});
