/**
 * `npm run demo`: the whole factory on this machine, on embedded defaults.
 *
 *  1. the relay starts in local workerd (wrangler dev on 127.0.0.1) with fresh secrets;
 *  2. a bare git "origin" gets (part of) kb/ in one commit;
 *  3. the signed GitHub push webhook for that commit goes to the relay;
 *  4. a real worker process (`factory run --once`) leases the job, syncs, writes scripts
 *     (Claude if ANTHROPIC_API_KEY is set, else offline), narrates, renders, publishes locally;
 *  5. the job's result comes back from the relay and the videos are listed;
 *  6. one learning task (kb/sim/conveyor-start-stop): Claude writes its control program when
 *     ANTHROPIC_API_KEY is set, else its reference solution goes through the same judge.
 *
 * Everything it starts is stopped on exit, Ctrl-C included. A second run skips every step.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { JobDetail, JobResult } from "../../shared/jobs.ts";
import { startRelay, type RelayProcess } from "../dev/local-relay.ts";
import { plainDemoLine } from "./demo-output.ts";
import { pushDemoRepo, pushWebhookBody, selectDemoKb } from "./demo-repo.ts";
import { loadConfig } from "../config.ts";
import { learnCommand } from "../commands/learn.ts";

/** The learning task the demo runs: the easiest one, a conveyor with a seal-in. */
export const DEMO_LEARN_TASK = "conveyor-start-stop";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Options of one demo run. */
export interface DemoOptions {
  /** Where the demo keeps its origin repo, relay state, worker work dir and config. */
  dir: string;
  /** The local publish folder. */
  out: string;
  /** How many lessons (atoms of the first course); null = the whole knowledge base. */
  atoms: number | null;
  say?: (line: string) => void;
  /** The worker's JSON log lines as they are (on stderr), instead of plain progress lines. */
  json?: boolean;
}

/** What the demo did, for the final report and for tests. */
export interface DemoReport {
  jobId: string;
  state: string;
  result: JobResult | null;
  videos: string[];
  seconds: number;
  /** The learning task's closing line ("PASS: …"), or null when kb/sim lacks the task. */
  learning: string | null;
}

function findVideos(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findVideos(p));
    else if (entry.name.endsWith(".mp4")) found.push(p);
  }
  return found.sort();
}

/**
 * Runs `factory run --once` as its own process. Its JSON log lines become plain lines through
 * `show` ({@link plainDemoLine}), or go to stderr as they are when `json` is asked for.
 */
function runWorkerOnce(env: Record<string, string>, signal: AbortSignal, show: (line: string) => void, json: boolean): Promise<number> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "bin/factory.mjs"), "run", "--once"], {
      env: { ...process.env, ...env, FACTORY_LOG_FORMAT: "json" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        if (json) process.stderr.write(`${line}\n`);
        else {
          const plain = plainDemoLine(line);
          if (plain !== null) show(plain);
        }
      });
    }
    const onAbort = () => child.kill("SIGTERM");
    signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", reject);
    child.once("exit", (code, sig) => {
      signal.removeEventListener("abort", onAbort);
      resolveExit(code ?? (sig ? 130 : 1));
    });
  });
}

/**
 * The demo runs on embedded defaults, but any real key that is set is used instead: Claude with
 * ANTHROPIC_API_KEY, Google's voice with GOOGLE_TTS_API_KEY, a cloned ElevenLabs voice with
 * ELEVENLABS_API_KEY and ELEVENLABS_VOICE_ID. Videos still go to the local folder: the demo never
 * uploads to your channel.
 */
export function demoParts(env: Record<string, string | undefined>): {
  writer: string;
  voiceName: string;
  voice: Record<string, unknown>;
} {
  const writer = env.ANTHROPIC_API_KEY ? "Claude (ANTHROPIC_API_KEY is set)" : "offline writer";
  if (env.GOOGLE_TTS_API_KEY)
    return { writer, voiceName: "Google Cloud TTS (GOOGLE_TTS_API_KEY is set)", voice: { provider: "google" } };
  if (env.ELEVENLABS_API_KEY && env.ELEVENLABS_VOICE_ID)
    return {
      writer,
      voiceName: "your ElevenLabs voice (ELEVENLABS_API_KEY and ELEVENLABS_VOICE_ID are set)",
      voice: { provider: "elevenlabs", elevenlabs: { voiceId: env.ELEVENLABS_VOICE_ID } },
    };
  return { writer, voiceName: "offline Flite voice (slt)", voice: { provider: "flite" } };
}

/** Runs the demo end to end. Throws with a message that says what to do when a part fails. */
export async function runDemo(o: DemoOptions, signal: AbortSignal = new AbortController().signal): Promise<DemoReport> {
  const say = o.say ?? ((l: string) => console.log(l));
  const started = Date.now();
  const dir = resolve(o.dir);
  const out = resolve(o.out);
  mkdirSync(dir, { recursive: true });

  say(`[1/6] Making the content repository (${o.atoms === null ? "the whole knowledge base" : `${o.atoms} lesson(s) from kb/`})…`);
  const push = await pushDemoRepo(dir, selectDemoKb(join(REPO_ROOT, "kb"), o.atoms));
  say(`      origin ${relative(process.cwd(), push.bareDir) || push.bareDir} at ${push.after.slice(0, 12)}` +
    (push.after === push.before ? " (unchanged since the last run)" : ""));

  say("[2/6] Starting the relay in local workerd (wrangler dev on 127.0.0.1)…");
  const secret = randomBytes(24).toString("hex");
  const token = `demo_${randomBytes(24).toString("base64url")}`;
  let relay: RelayProcess | null = null;
  try {
    relay = await startRelay({
      persistDir: join(dir, "relay-state"),
      vars: { GITHUB_WEBHOOK_SECRET: secret, WORKER_TOKENS: token },
    });
    say(`      relay ready at ${relay.url}`);

    say("[3/6] Sending the signed GitHub push webhook…");
    const res = await relay.sendWebhook("push", pushWebhookBody(push));
    const body = (await res.json()) as { jobId?: string; ignored?: string; message?: string };
    if (res.status !== 202 || !body.jobId)
      throw new Error(`The relay answered ${res.status} ${JSON.stringify(body)} to the demo push: see docs/troubleshooting.md.`);
    say(`      202 Accepted: job ${body.jobId}`);

    say("[4/6] Running a real worker process (factory run --once)…");
    const configFile = join(dir, "factory.config.json");
    const parts = demoParts(process.env);
    say(`      writer: ${parts.writer}; voice: ${parts.voiceName}; publishing to ${out}`);
    writeFileSync(configFile, `${JSON.stringify({ voice: parts.voice, publish: { target: "local", folder: out } }, null, 2)}\n`);
    const code = await runWorkerOnce(
      {
        RELAY_URL: relay.url,
        WORKER_TOKEN: token,
        WORKER_NAME: "demo-worker",
        WORK_DIR: join(dir, "work"),
        FACTORY_CONFIG: configFile,
        WORKER_WAIT_SECONDS: "10",
      },
      signal,
      say,
      o.json === true,
    );
    if (signal.aborted) throw new Error("Stopped.");

    say("[5/6] Asking the relay what happened…");
    const detailRes = await fetch(`${relay.url}/v1/jobs/${encodeURIComponent(body.jobId)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const detail = JobDetail.parse(await detailRes.json());
    const result = detail.result === undefined || detail.result === null ? null : JobResult.parse(detail.result);
    if (code !== 0 || detail.state !== "done")
      throw new Error(
        `The worker exited with code ${code} and the job is ${detail.state}: ${detail.lastError ?? "see the log above"}.`,
      );

    say(`[6/6] One learning task: ${DEMO_LEARN_TASK} (the program runs against the built-in plant; docs/learning-agent.md)…`);
    const learning = await demoLearning(join(dir, "work"), configFile, (l) => say(`      ${l}`));
    return { jobId: detail.id, state: detail.state, result, videos: findVideos(out), seconds: (Date.now() - started) / 1000, learning };
  } finally {
    await relay?.stop();
  }
}

/**
 * The demo's learning task through `factory learn` itself, in this process, under the demo
 * worker's work dir and ledger (so a second demo run shows it unchanged, 0 tokens).
 */
export async function demoLearning(workDir: string, configFile: string, say: (line: string) => void): Promise<string | null> {
  if (!existsSync(join(REPO_ROOT, "kb", "sim", `${DEMO_LEARN_TASK}.json`))) {
    say(`kb/sim/${DEMO_LEARN_TASK}.json is missing: no learning task to show.`);
    return null;
  }
  const config = loadConfig({ env: { ...process.env, WORK_DIR: workDir, FACTORY_CONFIG: configFile } });
  const lines: string[] = [];
  const r = await learnCommand(config, DEMO_LEARN_TASK, { rounds: 5, plant: "builtin", kb: join(REPO_ROOT, "kb"), json: false }, {
    say: (l) => {
      lines.push(l);
      say(l);
    },
  });
  return lines.find((l) => /^(PASS|NO PASS|FAIL):/.test(l)) ?? r.error;
}

/** The closing lines the owner reads. */
export function formatDemoReport(r: DemoReport, out: string): string {
  const lines = [""];
  const steps = r.result?.steps ?? [];
  const ran = steps.filter((s) => s.status === "ran").length;
  const skipped = steps.filter((s) => s.status === "skipped").length;
  lines.push(`Job ${r.jobId}: ${r.state}. ${ran} step(s) ran, ${skipped} skipped as unchanged.`);
  const byKind = new Map<string, { ran: number; skipped: number }>();
  for (const s of steps) {
    const k = byKind.get(s.kind) ?? { ran: 0, skipped: 0 };
    if (s.status === "ran") k.ran++;
    if (s.status === "skipped") k.skipped++;
    byKind.set(s.kind, k);
  }
  for (const [kind, k] of byKind) lines.push(`  ${kind.padEnd(14)} ran ${k.ran}, skipped ${k.skipped}`);
  lines.push("", `Videos in ${out}:`);
  for (const v of r.videos) lines.push(`  ${relative(out, v)}  (${(statSync(v).size / 1e6).toFixed(1)} MB)`);
  if (r.learning) lines.push("", `Learning task ${DEMO_LEARN_TASK}: ${r.learning}`);
  lines.push("", `Done in ${r.seconds.toFixed(0)} s. Run it again: every step is skipped because nothing changed.`);
  lines.push("Next: docs/setup.md puts the relay on Cloudflare and the worker on this machine for real.");
  return lines.join("\n");
}
