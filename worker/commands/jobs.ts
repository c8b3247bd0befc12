/**
 * Relay job administration from the terminal: `factory enqueue`, `factory jobs`, `factory retry`.
 */
import type { Command } from "commander";
import { DISPATCH_PREFIX, JobState, JobType, SYNC_JOB_TYPE, type Job } from "../../shared/jobs.ts";
import { ConfigError } from "../config.ts";
import { RelayError } from "../relay-client.ts";
import { configOrExit, createProcessLogger, EXIT, relayClientFor } from "./runtime.ts";
import type { RelayClient } from "../relay-client.ts";
import { adviceLine, adviseDeadJobs } from "./dead-jobs.ts";

/**
 * One row per job (id, state, type, attempts, age, repository), then, indented under it, the
 * job's whole last error wrapped to `width` and what to do about a dead job. A dead job that a
 * later successful job of the same repository and branch made moot shows as "superseded". Pure.
 */
export function formatJobs(jobs: readonly Job[], now: number, width = 100): string {
  if (jobs.length === 0) return "no jobs";
  const advice = new Map(adviseDeadJobs(jobs, jobs).map((a) => [a.job.id, a] as const));
  const rows = jobs.map((j) => [
    j.id,
    advice.get(j.id)?.kind === "superseded" ? "superseded" : j.state,
    j.type,
    `${j.attempts}/${j.maxAttempts}`,
    ago(now - j.createdAt),
    repoOf(j),
  ]);
  const head = ["ID", "STATE", "TYPE", "TRIES", "AGE", "REPOSITORY"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(head)];
  jobs.forEach((j, i) => {
    out.push(line(rows[i]!));
    const a = advice.get(j.id);
    if (a?.kind === "superseded") {
      out.push(...wrap(`superseded by ${a.by.id}, a later job for the same branch that succeeded`, width, "    "));
      return;
    }
    if (j.lastError) out.push(...wrap(`error: ${j.lastError}`, width, "    ", "           "));
    if (a) out.push(...wrap(`→ ${adviceLine(a).replace(`${j.id}: `, "")}`, width, "    ", "      "));
  });
  return out.join("\n");
}

/**
 * Wraps text to `width` columns at spaces (a word longer than a line is cut), keeping its own
 * line breaks; the first line starts with `first`, the others with `rest`. Pure.
 */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
  const lines: string[] = [];
  let prefix = first;
  for (const para of text.split("\n")) {
    let current = "";
    for (const word of para.split(/ +/)) {
      let w = word;
      const room = () => Math.max(20, width - prefix.length);
      while (w.length > room()) {
        if (current) {
          lines.push(prefix + current);
          prefix = rest;
          current = "";
        }
        lines.push(prefix + w.slice(0, room()));
        prefix = rest;
        w = w.slice(room());
      }
      if (!current) current = w;
      else if (current.length + 1 + w.length <= room()) current += ` ${w}`;
      else {
        lines.push(prefix + current);
        prefix = rest;
        current = w;
      }
    }
    lines.push(prefix + current);
    prefix = rest;
  }
  return lines.map((l) => l.trimEnd());
}

/** "3 s", "5 min", "2 h", "4 d". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

function repoOf(job: Job): string {
  const r = (job.payload as { repository?: unknown }).repository;
  return typeof r === "string" ? r : "";
}

/**
 * Fills in what a hand-written payload leaves out, so `factory enqueue sync_and_generate_content
 * --payload '{"repository":"me/kb"}'` is enough: a manual sync of the branch head (or of `sha`),
 * cloned from GitHub unless `cloneUrl` says otherwise. Pure; other types pass through.
 */
export function completeManualPayload(type: string, payload: Record<string, unknown>, now: number): Record<string, unknown> {
  const repository = typeof payload.repository === "string" ? payload.repository : undefined;
  const cloneUrl = payload.cloneUrl ?? (repository ? `https://github.com/${repository}.git` : undefined);
  // "schedule" by hand is a calendar tick now (docs/github.md), e.g. with a local relay that runs no cron.
  if (type === SYNC_JOB_TYPE && (payload.trigger === undefined || payload.trigger === "schedule")) {
    const branch = typeof payload.branch === "string" ? payload.branch : "main";
    const { sha, ...rest } = payload;
    return {
      trigger: "manual",
      ref: `refs/heads/${branch}`,
      before: null,
      after: typeof sha === "string" ? sha : null,
      pusher: null,
      changes: { added: [], modified: [], removed: [] },
      deliveryIds: [],
      receivedAt: now,
      coalesced: 1,
      ...rest,
      branch,
      ...(cloneUrl ? { cloneUrl } : {}),
    };
  }
  if (type.startsWith(DISPATCH_PREFIX) && payload.trigger === undefined) {
    return {
      trigger: "dispatch",
      branch: null,
      eventType: type,
      clientPayload: {},
      deliveryIds: [],
      receivedAt: now,
      ...payload,
      ...(cloneUrl ? { cloneUrl } : {}),
    };
  }
  return payload;
}

/** Runs a relay command with the shared error handling: config → 2, 401 → 3, other → 1. */
async function withClient(fn: (client: RelayClient) => Promise<void>): Promise<void> {
  const config = configOrExit();
  if (!config) return void (process.exitCode = EXIT.config);
  const log = createProcessLogger(config);
  try {
    await fn(relayClientFor(config));
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      process.exitCode = EXIT.config;
    } else if (e instanceof RelayError) {
      log.error(e.message);
      process.exitCode = e.status === 401 ? EXIT.unauthorized : EXIT.failed;
    } else throw e;
  }
}

/** Registers `factory enqueue`, `factory jobs` and `factory retry`. */
export function registerJobCommands(program: Command): void {
  program
    .command("enqueue <type>")
    .description(`Queue a job by hand (e.g. sync_and_generate_content, or factory.<anything>)`)
    .option("--payload <json>", `the job's payload as a JSON object, e.g. '{"repository":"me/kb","branch":"main"}'`, "{}")
    .option("--dedupe-key <key>", "a second enqueue with the same key returns the same job")
    .option("--max-attempts <n>", "attempts before the job is dead", (v) => Number.parseInt(v, 10))
    .action(async (type: string, opts: { payload: string; dedupeKey?: string; maxAttempts?: number }) => {
      const t = JobType.safeParse(type);
      if (!t.success) {
        console.error(`job type "${type}" ${t.error.issues[0]?.message}`);
        return void (process.exitCode = EXIT.config);
      }
      let payload: unknown;
      try {
        payload = JSON.parse(opts.payload);
      } catch (e) {
        console.error(`--payload is not JSON (${(e as Error).message}); quote it, e.g. --payload '{"repository":"me/kb"}'`);
        return void (process.exitCode = EXIT.config);
      }
      if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
        console.error(`--payload must be a JSON object, e.g. '{"repository":"me/kb"}'`);
        return void (process.exitCode = EXIT.config);
      }
      await withClient(async (client) => {
        const r = await client.enqueue({
          type: t.data,
          payload: completeManualPayload(t.data, payload as Record<string, unknown>, Date.now()),
          ...(opts.dedupeKey ? { dedupeKey: opts.dedupeKey } : {}),
          ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
        });
        console.log(r.deduplicated ? `${r.jobId} (already queued with that dedupe key)` : r.jobId);
      });
    });

  program
    .command("jobs")
    .description("List the relay's jobs (newest first)")
    .option("--state <state>", `only jobs in this state (${JobState.options.join(", ")})`)
    .option("--limit <n>", "at most this many", (v) => Number.parseInt(v, 10), 50)
    .option("--json", "print the relay's JSON")
    .action(async (opts: { state?: string; limit: number; json?: boolean }) => {
      const state = opts.state === undefined ? undefined : JobState.safeParse(opts.state);
      if (state && !state.success) {
        console.error(`--state must be one of ${JobState.options.join(", ")}`);
        return void (process.exitCode = EXIT.config);
      }
      await withClient(async (client) => {
        const page = await client.list({ ...(state?.data ? { state: state.data } : {}), limit: opts.limit });
        console.log(opts.json ? JSON.stringify(page, null, 2) : formatJobs(page.jobs, Date.now(), process.stdout.columns || 100));
      });
    });

  program
    .command("retry <id>")
    .description("Queue a dead job again")
    .action(async (id: string) => {
      await withClient(async (client) => {
        await client.retry(id);
        console.log(`${id} queued again`);
      });
    });
}
