/**
 * The demo's worker writes JSON log lines (one event each); on a terminal the demo shows them as
 * a few plain lines instead: what was synced, the plan, each step done or skipped, and any
 * warning or error in words. Pure: one log line in, the line to print (or nothing) out.
 */

interface LogEvent {
  level?: string;
  msg?: string;
  step?: string | null;
  steps?: unknown;
}

const INDENT = "      ";

/**
 * The plain form of one line of the worker's output, or null to leave it out.
 * A line that is not a JSON log event (a crash before the logger, a child's own output) is kept
 * as it is: the owner must see it.
 */
export function plainDemoLine(line: string): string | null {
  const text = line.trim();
  if (!text) return null;
  let e: LogEvent;
  try {
    e = JSON.parse(text) as LogEvent;
  } catch {
    return `${INDENT}${text}`;
  }
  if (typeof e !== "object" || e === null || typeof e.msg !== "string") return `${INDENT}${text}`;
  const msg = e.msg;
  const step = typeof e.step === "string" ? e.step : null;
  if (e.level === "error") return `${INDENT}✗ ${step ? `${step}: ` : ""}${msg}`;
  if (e.level === "warn") return `${INDENT}! ${msg}`;
  if (step === "sync" && msg.startsWith("synced ")) return `${INDENT}${msg}`;
  if (msg.startsWith("plan: ")) {
    const steps = Array.isArray(e.steps) ? (e.steps as unknown[]).filter((s): s is string => typeof s === "string") : [];
    return `${INDENT}${msg}${steps.length ? ` (${steps.join(", ")})` : ""}`;
  }
  if (step && msg.startsWith("done: ")) return `${INDENT}✓ ${step.padEnd(24)} ${msg.slice("done: ".length)}`;
  if (step && msg.startsWith("skipped")) return `${INDENT}· ${step.padEnd(24)} skipped: unchanged since the last run`;
  return null;
}
