import type { Env } from "../env.ts";

/** The one queue object every request talks to. */
export function queueStub(env: Env) {
  return env.QUEUE.get(env.QUEUE.idFromName("queue"));
}
