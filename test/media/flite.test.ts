/**
 * The Flite voice, run in a child process of its own: the same audio as when it ran in-process,
 * word times through the phrase-by-phrase path, and a crashed child spoken again once, then a
 * clear, retryable error, while this (the parent) process carries on.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spokenForm } from "../../worker/media/spoken.ts";
import { TtsError } from "../../worker/media/tts/errors.ts";
import { speakTimed } from "../../worker/media/tts/provider.ts";
import { fliteProvider, fliteSession } from "../../worker/media/tts/flite.ts";
import { pcmDuration, type Pcm } from "../../worker/media/wav.ts";

const signal = new AbortController().signal;
const sha = (pcm: Pcm) => createHash("sha256").update(Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength)).digest("hex");
const SENTENCE = "A relay coil draws zero point one amps.";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flite-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the Flite voice (offline, from npm, in a child process)", () => {
  it("speaks a sentence as 16-bit mono PCM of a plausible length", async () => {
    const pcm = await fliteProvider({ voice: "slt", rate: 1 }).synthesize(SENTENCE, signal);
    expect(pcm.channels).toBe(1);
    expect(pcm.sampleRate).toBe(16000);
    expect(pcmDuration(pcm)).toBeGreaterThan(1.2);
    expect(pcmDuration(pcm)).toBeLessThan(5);
  });

  it("gives exactly the audio flite gave when it ran in the worker's process", async () => {
    // Recorded from the in-process runner (before the child process) for these settings.
    expect(sha(await fliteProvider({ voice: "slt", rate: 1 }).synthesize(SENTENCE, signal))).toBe("86b4d18e2367f1b3e0efc2f7e0e3499cfe13a8adbc0835159a0b0a4e2f524d32");
    expect(sha(await fliteProvider({ voice: "rms", rate: 1.1 }).synthesize(SENTENCE, signal))).toBe("26792d2f238f0221aeea3e5375e3e09940bb3d92dce9178beb205c2fe4437d3d");
  });

  it("times every spoken word in order, inside the audio", async () => {
    const spoken = spokenForm("Press Start, then wait T#5s before you check Timer1.ACC.");
    const speech = await speakTimed(fliteProvider({ voice: "slt", rate: 1 }), spoken, signal);
    expect(speech.words).toHaveLength(spoken.words.length);
    const total = pcmDuration(speech.pcm);
    let last = 0;
    for (const w of speech.words) {
      expect(w.start).toBeGreaterThanOrEqual(last - 1e-9);
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.end).toBeLessThanOrEqual(total + 1e-9);
      last = w.start;
    }
  });

  it("a faster rate makes shorter speech", async () => {
    const text = "The scan cycle reads inputs, runs the program and writes outputs.";
    const normal = pcmDuration(await fliteProvider({ voice: "slt", rate: 1 }).synthesize(text, signal));
    const fast = pcmDuration(await fliteProvider({ voice: "slt", rate: 1.25 }).synthesize(text, signal));
    expect(fast).toBeLessThan(normal * 0.9);
  });

  it("speaks a narration's parts back to back in one child process, not one each", async () => {
    const started: number[] = [];
    const provider = fliteProvider({ voice: "slt", rate: 1 }, { onStart: (pid) => started.push(pid) });
    for (const text of ["The hook.", "The first section.", "The outro."]) await speakTimed(provider, spokenForm(text), signal);
    expect(started).toHaveLength(1);
  });

  it("names the voices it has when asked for one it does not", async () => {
    expect(() => fliteProvider({ voice: "nobody" as "slt", rate: 1 })).toThrow(/use one of slt, rms/);
  });
});

describe("a crashing Flite process", () => {
  it("speaks the phrase again in a fresh process after one crash, with the same audio", async () => {
    const flag = join(dir, "crash-once");
    await writeFile(flag, "");
    const retries: string[] = [];
    const provider = fliteProvider({ voice: "slt", rate: 1 }, { env: { FLITE_TEST_CRASH_ON: "zero point", FLITE_TEST_CRASH_ONCE_FLAG: flag }, onRetry: (m) => retries.push(m) });
    const pcm = await provider.synthesize(SENTENCE, signal);
    expect(existsSync(flag)).toBe(false); // the first child did crash
    expect(retries).toEqual([`the Flite voice process crashed (signal SIGSEGV) while speaking "${SENTENCE}"; retrying in a fresh process`]);
    expect(sha(pcm)).toBe("86b4d18e2367f1b3e0efc2f7e0e3499cfe13a8adbc0835159a0b0a4e2f524d32");
  });

  it("fails with a retryable error naming the eSpeak fallback when the phrase crashes it twice", async () => {
    const retries: string[] = [];
    const provider = fliteProvider({ voice: "slt", rate: 1 }, { env: { FLITE_TEST_CRASH_ON: "zero point" }, onRetry: (m) => retries.push(m) });
    const err = await provider.synthesize(SENTENCE, signal).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TtsError);
    expect((err as TtsError).retryable).toBe(true);
    expect((err as TtsError).message).toMatch(/^the Flite voice process crashed \(signal SIGSEGV\) while speaking "A relay coil.*", twice\./);
    expect((err as TtsError).message).toContain('"voice": {"provider": "espeak"}');
    expect(retries).toHaveLength(1);
  });

  it("fails, not retryable, showing the child's last output, when the child cannot start at all", async () => {
    const provider = fliteProvider({ voice: "slt", rate: 1 }, { env: { NODE_OPTIONS: "--require ./no-such-preload.cjs" }, onRetry: () => undefined });
    const err = await provider.synthesize(SENTENCE, signal).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TtsError);
    expect((err as TtsError).retryable).toBe(false);
    expect((err as TtsError).message).toMatch(/crashed \(exit code 1\) .*, twice\. Its last output: .+ Run npm ci, or set "voice": \{"provider": "espeak"\}/);
  });

  it("keeps a part's other phrases and word times when one phrase's process crashed once", async () => {
    const flag = join(dir, "crash-once-in-part");
    await writeFile(flag, "");
    const spoken = spokenForm("Press Start. Then wait five seconds. The lamp turns on.");
    const clean = await speakTimed(fliteProvider({ voice: "slt", rate: 1 }), spoken, signal);
    const retries: string[] = [];
    const provider = fliteProvider({ voice: "slt", rate: 1 }, { env: { FLITE_TEST_CRASH_ON: "five", FLITE_TEST_CRASH_ONCE_FLAG: flag }, onRetry: (m) => retries.push(m) });
    const crashed = await speakTimed(provider, spoken, signal);
    expect(retries).toHaveLength(1);
    expect(sha(crashed.pcm)).toBe(sha(clean.pcm));
    expect(crashed.words).toEqual(clean.words);
  });

  it("stops speaking when cancelled, with the cancellation as the error and no retry", async () => {
    const ctl = new AbortController();
    const retries: string[] = [];
    const session = fliteSession({ voice: "slt", rate: 1 }, { onRetry: (m) => retries.push(m) });
    const speaking = session.synthesize(SENTENCE, ctl.signal);
    ctl.abort(new Error("job cancelled"));
    await expect(speaking).rejects.toThrow("job cancelled");
    await session.close();
    expect(retries).toEqual([]);
  });

  it("starts a fresh child for the next part after a part was cancelled", async () => {
    const started: number[] = [];
    const provider = fliteProvider({ voice: "slt", rate: 1 }, { onStart: (pid) => started.push(pid) });
    await provider.synthesize("First.", signal);
    const ctl = new AbortController();
    ctl.abort(new Error("job cancelled"));
    await expect(provider.synthesize("Second.", ctl.signal)).rejects.toThrow("job cancelled");
    expect(pcmDuration(await provider.synthesize("Third.", signal))).toBeGreaterThan(0.2);
    expect(started).toHaveLength(2);
  });
});
