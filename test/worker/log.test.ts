import { describe, expect, it } from "vitest";
import { createLogger } from "../../worker/log.ts";

function capture(opts: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const log = createLogger({ json: true, now: () => Date.UTC(2026, 0, 2, 3, 4, 5), write: (l) => lines.push(l), ...opts });
  return { log, lines };
}

describe("logger", () => {
  it("writes JSON lines that always carry jobId and step", () => {
    const { log, lines } = capture();
    log.info("polling");
    log.child({ jobId: "j1" }).child({ step: "render:a" }).warn("slow", { ms: 5 });
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(a).toEqual({ time: "2026-01-02T03:04:05.000Z", level: "info", msg: "polling", jobId: null, step: null });
    expect(b).toMatchObject({ level: "warn", msg: "slow", jobId: "j1", step: "render:a", ms: 5 });
  });

  it("masks registered secrets anywhere and secret-looking fields", () => {
    const { log, lines } = capture({ secrets: ["tok-1234567", undefined, ""] });
    log.error("auth failed with tok-1234567", { url: "http://x/?t=tok-1234567", authorization: "Bearer abc", nested: { a: "tok-1234567" } });
    expect(lines[0]).not.toContain("tok-1234567");
    expect(lines[0]).not.toContain("Bearer abc");
    expect(JSON.parse(lines[0]!)).toMatchObject({ authorization: "***", nested: { a: "***" } });
  });

  it("masks a secret that appears JSON-escaped (in a logged object or an error body)", () => {
    const secret = 'p"w\\d-secret';
    const { log, lines } = capture({ secrets: [secret] });
    log.error(`the API answered ${JSON.stringify({ error: `bad key ${secret}` })}`, { request: { key: secret } });
    expect(lines[0]).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ request: { key: "***" } });
  });

  it("prints readable lines on a terminal with the job and step up front", () => {
    const { log, lines } = capture({ json: false });
    log.child({ jobId: "j9", step: "sync" }).info("synced", { sha: "abc" });
    expect(lines[0]).toBe("03:04:05 INFO  [job j9 step sync] synced sha=abc");
  });

  it("drops lines below the level", () => {
    const { log, lines } = capture({ level: "warn" });
    log.info("no");
    log.debug("no");
    log.warn("yes");
    expect(lines).toHaveLength(1);
  });
});
