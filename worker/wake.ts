/**
 * The relay's WebSocket wake-up channel (GET /v1/jobs/ws, docs/relay-api.md): the cheap way
 * for an idle worker to wait. The relay's queue object hibernates while the socket is idle and
 * sends `{"type":"ready"}` when a job is ready; the loop then leases with `wait=0`. Long-polling
 * keeps the object awake all day (docs/cost.md), so it is only the fallback, used while this
 * channel is down.
 *
 * The channel reconnects by itself with backoff; it never ends the worker (a rejected token is
 * reported by the long poll, which the loop falls back to while the channel is down).
 */
import { WebSocket } from "undici";
import { WakeMessage } from "../shared/jobs.ts";
import { backoffDelay, RECONNECT_POLICY } from "./backoff.ts";
import { systemClock, type Clock, type WakeSource } from "./loop.ts";
import type { Logger } from "./pipeline/types.ts";

export interface WakeChannelOptions {
  baseUrl: string;
  token: string;
  workerName: string;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** Keep-alive period (ms): answered by the relay's runtime without waking the object. */
  pingMs?: number;
}

/** A self-reconnecting wake-up channel. */
export class WakeChannel implements WakeSource {
  connected = false;
  seq = 0;
  private readonly waiters = new Set<() => void>();
  private readonly clock: Clock;
  private everOpened = false;

  constructor(private readonly o: WakeChannelOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Resolves once `seq` has moved past `after` (a wake-up or a connection change), after `ms`, or on abort. */
  async wait(after: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.seq > after || signal.aborted) return;
    const woken = new AbortController();
    const wake = () => woken.abort();
    this.waiters.add(wake);
    try {
      await this.clock.sleep(ms, AbortSignal.any([signal, woken.signal]));
    } finally {
      this.waiters.delete(wake);
    }
  }

  /** Keeps the channel up until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const opened = await this.connectOnce(signal);
      if (signal.aborted) break;
      if (opened) {
        failures = 0;
        this.o.log.info("wake-up channel closed; long-polling until it reconnects");
      }
      await this.clock.sleep(backoffDelay(failures++, RECONNECT_POLICY, this.o.random ?? Math.random), signal);
    }
  }

  private bump(): void {
    this.seq++;
    for (const w of [...this.waiters]) w();
  }

  /** One connection, from connect to close. Resolves whether it ever opened. */
  private connectOnce(signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const url = `${this.o.baseUrl.replace(/^http/, "ws")}/v1/jobs/ws?worker=${encodeURIComponent(this.o.workerName)}`;
      let opened = false;
      let ws: WebSocket;
      try {
        ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.o.token}` } } as ConstructorParameters<typeof WebSocket>[1]);
      } catch {
        return resolve(false);
      }
      const pinging = new AbortController();
      const onAbort = () => ws.close(1000, "worker stopping");
      signal.addEventListener("abort", onAbort, { once: true });
      ws.addEventListener("open", () => {
        opened = true;
        this.connected = true;
        if (!this.everOpened) this.o.log.info("wake-up channel open: the worker idles without holding a poll open");
        else this.o.log.info("wake-up channel open again");
        this.everOpened = true;
        this.bump();
        void (async () => {
          while (!pinging.signal.aborted) {
            await this.clock.sleep(this.o.pingMs ?? 30_000, pinging.signal);
            if (!pinging.signal.aborted && ws.readyState === WebSocket.OPEN) ws.send("ping");
          }
        })();
      });
      ws.addEventListener("message", (e) => {
        if (typeof e.data !== "string" || e.data === "pong") return;
        try {
          if (WakeMessage.safeParse(JSON.parse(e.data)).success) this.bump();
        } catch {
          // Not JSON: not for us.
        }
      });
      ws.addEventListener("error", () => {
        // "close" follows; the long poll reports what is wrong with the relay.
      });
      ws.addEventListener("close", () => {
        pinging.abort();
        signal.removeEventListener("abort", onAbort);
        if (this.connected) {
          this.connected = false;
          this.bump(); // waiting slots go back to long-polling
        }
        resolve(opened);
      });
    });
  }
}
