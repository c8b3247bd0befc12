/**
 * The Factory I/O plant: a `Plant` that drives a scene open in Factory I/O (Ultimate edition)
 * through its Web API, in real time. docs/factory-io.md is the set-up guide.
 *
 * What maps to what:
 *  - start(): `GET /api/tags`, bind every task tag by exact name, direction and type (one error
 *    lists every mismatch and what the scene has); outputs off, Run := FALSE, pulse Reset,
 *    Run := TRUE, wait (bounded) until `FACTORY I/O (Running)` is TRUE; then read the inputs once
 *    to learn each button's idle value (a normally closed button idles TRUE).
 *  - readInputs()/writeOutputs(): one batched GET / PUT by id per scan; every per-item error is
 *    an error naming the tag. Running is read with the inputs: if someone stops or pauses the
 *    scene in Factory I/O, the run ends with a clear error instead of judging a frozen plant.
 *  - advance(ms): waits until `ms` after the previous scan began (injected clock), releases
 *    button holds that are due, and returns the real ms elapsed: the runner's clock is the wall.
 *  - apply(): inputs cannot be written, so operator actions FORCE input tags: `press` forces the
 *    button's pressed value (the opposite of its idle value) and releases it after `holdMs`;
 *    `release` releases; `set` forces the value until stop() (and the other contact of a
 *    two-input selector to the opposite, see `opposites`). `part` and `disturbance` cannot be
 *    made through the Web API (parts come from the scene's emitter, as set up in Factory I/O):
 *    they are noted in `notes` and otherwise ignored.
 *  - drainEvents(): always empty: Factory I/O reports no part events, so criteria on parts
 *    (delivery, count) cannot be judged here; the judge relies on tag criteria.
 *  - stop(): Run := FALSE, outputs off, and every force this plant set is released, whatever
 *    happened before (the runner calls it in `finally`). It throws only if forces remain.
 */
import { setTimeout as sleepTimer } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { ScenarioEvent } from "../../../shared/sim.ts";
import { FactoryIoClient } from "./factoryio-client.ts";
import {
  bindControlTags,
  bindTags,
  FactoryIoError,
  fromFactoryIo,
  itemErrorsMessage,
  toFactoryIo,
  type BatchAction,
  type BoundTag,
  type ItemError,
} from "./factoryio-tags.ts";
import type { Plant, PlantEvent, PlantTag, SceneInfo, TagValue } from "./types.ts";

/** Wall time, injectable so tests never wait. */
export interface PlantClock {
  /** Monotonic ms. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: PlantClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleepTimer(ms, undefined, signal ? { signal } : undefined),
};

export interface FactoryIoPlantOptions {
  /** Factory I/O's Web API, e.g. http://localhost:7410 (FACTORY_IO_URL / learn.factoryIoUrl). */
  baseUrl: string;
  /** The task's scene id ("sorting-by-height-basic"); reported in `scene.id`. */
  sceneId: string;
  /** The scene's title in Factory I/O, for messages ("Sorting by Height (Basic)"). */
  sceneTitle?: string;
  /** The task's tags, named exactly as in the scene. */
  tags: readonly PlantTag[];
  /** BOOL inputs whose button is normally closed; by default learned from the idle value at start. */
  normallyClosed?: readonly string[];
  /**
   * Two-position selectors wired as two inputs ({ Auto: "Manual" }): setting one forces the other
   * to the opposite, as turning the real selector does. Both directions are implied.
   */
  opposites?: Readonly<Record<string, string>>;
  /** An undici dispatcher (tests, proxies); by default the plant's own keep-alive Agent. */
  dispatcher?: Dispatcher;
  /** Per HTTP request (ms); default 2000. */
  timeoutMs?: number;
  /** How long start() waits for Factory I/O to report Running (ms); default 10000. */
  startTimeoutMs?: number;
  /** Pause between polls while starting, and the Reset pulse width (ms); default 100. */
  pollMs?: number;
  clock?: PlantClock;
}

/** The Factory I/O plant, with what it could not do for the scenario. */
export interface FactoryIoPlant extends Plant {
  /** Factory I/O reports no part events: criteria on parts cannot be judged against it. */
  readonly reportsPartEvents: false;
  /** Remarks for the run's report: pre-existing forces, scenario events that had no effect. */
  readonly notes: string[];
}

export function createFactoryIoPlant(options: FactoryIoPlantOptions): FactoryIoPlant {
  return new FactoryIoPlantImpl(options);
}

class FactoryIoPlantImpl implements FactoryIoPlant {
  readonly reportsPartEvents = false as const;
  readonly notes: string[] = [];
  readonly scene: SceneInfo;
  private readonly client: FactoryIoClient;
  private readonly clock: PlantClock;
  private readonly startTimeoutMs: number;
  private readonly pollMs: number;
  private control: { run: BoundTag; reset: BoundTag; running: BoundTag } | null = null;
  private inputs: BoundTag[] = [];
  private readonly outputs = new Map<string, BoundTag>();
  private readonly byName = new Map<string, BoundTag>();
  private readonly nameById = new Map<string, string>();
  /** Pressed value of each BOOL input button. */
  private readonly pressedValue = new Map<string, boolean>();
  /** Tags this plant forced and has not released: id → name. */
  private readonly forced = new Map<string, string>();
  private releases: { atMs: number; id: string }[] = [];
  private t0 = 0;
  private lastTick = 0;
  private state: "new" | "running" | "stopped" = "new";

  constructor(private readonly options: FactoryIoPlantOptions) {
    this.client = new FactoryIoClient({ baseUrl: options.baseUrl, dispatcher: options.dispatcher, timeoutMs: options.timeoutMs });
    this.clock = options.clock ?? realClock;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.pollMs = options.pollMs ?? 100;
    this.scene = {
      id: options.sceneId,
      title: options.sceneTitle ?? options.sceneId,
      tags: options.tags.map((t) => ({ name: t.name, direction: t.direction, type: t.type })),
      partTypes: [],
    };
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.state !== "new") throw new FactoryIoError("This Factory I/O plant was already started; make a new one for each run.");
    try {
      await this.connectAndRun(signal);
    } catch (err) {
      // Leave nothing running or forced behind a failed start; the start error is the one to report.
      await this.stop().catch(() => undefined);
      throw err;
    }
    this.t0 = this.lastTick = this.clock.now();
  }

  private async connectAndRun(signal?: AbortSignal): Promise<void> {
    const sceneTags = await this.client.listTags(signal);
    this.control = bindControlTags(sceneTags);
    const bound = bindTags(this.scene.tags, sceneTags, this.scene.title);
    for (const tag of bound) {
      this.byName.set(tag.name, tag);
      this.nameById.set(tag.id, tag.name);
      if (tag.direction === "output") this.outputs.set(tag.name, tag);
    }
    this.inputs = bound.filter((t) => t.direction === "input");
    for (const c of Object.values(this.control)) this.nameById.set(c.id, c.name);
    for (const t of sceneTags) {
      if (t.isForced && this.byName.get(t.name)?.id === t.id) {
        this.notes.push(`"${t.name}" was already forced to ${String(t.forcedValue)} in Factory I/O before the run; the program sees the forced value.`);
      }
    }

    this.state = "running";
    const { run, reset, running } = this.control;
    await this.write([{ id: run.id, value: false }, ...this.outputsOff()], "write", signal);
    await this.write([{ id: reset.id, value: true }], "write", signal);
    await this.clock.sleep(this.pollMs, signal);
    await this.write([{ id: reset.id, value: false }, { id: run.id, value: true }], "write", signal);
    const deadline = this.clock.now() + this.startTimeoutMs;
    for (;;) {
      const { values, errors } = await this.client.readValues([running.id], signal);
      this.check("read", errors);
      if (values.get(running.id) === true) break;
      if (this.clock.now() >= deadline) {
        throw new FactoryIoError(
          `Factory I/O did not start running within ${this.startTimeoutMs / 1000} s after Run was set. ` +
            "Is the scene open and out of Edit mode? Close any dialog in Factory I/O and try again.",
        );
      }
      await this.clock.sleep(this.pollMs, signal);
    }
    const idle = await this.readInputs();
    const nc = new Set(this.options.normallyClosed ?? []);
    for (const tag of this.inputs) {
      if (tag.type !== "BOOL") continue;
      const normallyClosed = this.options.normallyClosed ? nc.has(tag.name) : idle[tag.name] === true;
      this.pressedValue.set(tag.name, !normallyClosed);
    }
  }

  async readInputs(): Promise<Record<string, TagValue>> {
    const control = this.requireRunning();
    const { values, errors } = await this.client.readValues([...this.inputs.map((t) => t.id), control.running.id]);
    this.check("read", errors);
    if (values.get(control.running.id) !== true) {
      throw new FactoryIoError("Factory I/O stopped running during the run: was Stop or Pause pressed, or Edit mode opened, in Factory I/O? Start the run again.");
    }
    const out: Record<string, TagValue> = {};
    for (const tag of this.inputs) out[tag.name] = fromFactoryIo(tag, values.get(tag.id));
    return out;
  }

  async writeOutputs(values: Record<string, TagValue>): Promise<void> {
    this.requireRunning();
    const items: { id: string; value: TagValue }[] = [];
    for (const [name, value] of Object.entries(values)) {
      const tag = this.outputs.get(name);
      if (!tag) {
        throw new FactoryIoError(
          this.byName.has(name)
            ? `tag "${name}" is an input; the program may only write outputs`
            : `"${name}" is not one of the task's output tags (${[...this.outputs.keys()].map((n) => `"${n}"`).join(", ")})`,
        );
      }
      items.push({ id: tag.id, value: toFactoryIo(tag, value) });
    }
    await this.write(items, "write");
  }

  async advance(ms: number, signal?: AbortSignal): Promise<number> {
    this.requireRunning();
    if (!Number.isFinite(ms) || ms < 0) throw new FactoryIoError(`advance(${ms}): the time step must be a number of ms ≥ 0.`);
    const target = this.lastTick + ms;
    try {
      if (this.clock.now() < target) await this.clock.sleep(target - this.clock.now(), signal);
    } catch (err) {
      signal?.throwIfAborted();
      throw err;
    }
    signal?.throwIfAborted();
    // Whole ms, as scenario and criteria times are; the fraction carries over to the next scan.
    const elapsed = Math.max(0, Math.round(this.clock.now() - this.lastTick));
    this.lastTick += elapsed;
    const simMs = this.lastTick - this.t0;
    const due = this.releases.filter((r) => r.atMs <= simMs);
    if (due.length > 0) {
      this.releases = this.releases.filter((r) => r.atMs > simMs);
      await this.release(due.map((r) => r.id), signal);
    }
    return elapsed;
  }

  async apply(event: ScenarioEvent): Promise<void> {
    this.requireRunning();
    switch (event.kind) {
      case "press": {
        const tag = this.inputTag(event.tag, event.kind);
        const pressed = this.pressedValue.get(tag.name);
        if (pressed === undefined) throw new FactoryIoError(`"${tag.name}" is ${tag.type}: only BOOL buttons can be pressed.`);
        this.releases = this.releases.filter((r) => r.id !== tag.id);
        await this.force([{ tag, value: pressed }]);
        if (event.holdMs !== undefined) this.releases.push({ atMs: this.lastTick - this.t0 + event.holdMs, id: tag.id });
        return;
      }
      case "release": {
        const tag = this.inputTag(event.tag, event.kind);
        this.releases = this.releases.filter((r) => r.id !== tag.id);
        await this.release([tag.id]);
        return;
      }
      case "set": {
        const tag = this.inputTag(event.tag, event.kind);
        const value = toFactoryIo(tag, event.value);
        const otherName = this.oppositeOf(tag.name);
        const other = otherName !== undefined && typeof value === "boolean" ? this.byName.get(otherName) : undefined;
        const items = other?.direction === "input" && typeof value === "boolean" ? [{ tag, value }, { tag: other, value: !value }] : [{ tag, value }];
        this.releases = this.releases.filter((r) => !items.some((i) => i.tag.id === r.id));
        await this.force(items);
        return;
      }
      case "part":
        this.noteOnce(`"part" events have no effect in Factory I/O: the scene's emitter makes parts as set up in Factory I/O (part "${event.part}" at ${event.at} ms was not made).`);
        return;
      case "disturbance":
        this.noteOnce(`"disturbance" events have no effect in Factory I/O (${event.name} at ${event.at} ms was ignored).`);
        return;
    }
  }

  drainEvents(): PlantEvent[] {
    return [];
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    const wasStarted = this.state === "running" && this.control !== null;
    this.state = "stopped";
    const problems: string[] = [];
    try {
      if (wasStarted) {
        try {
          await this.write([{ id: this.control!.run.id, value: false }, ...this.outputsOff()], "write");
        } catch (err) {
          problems.push(`could not stop the scene (${(err as Error).message})`);
        }
      }
      this.releases = [];
      if (this.forced.size > 0) {
        try {
          await this.release([...this.forced.keys()]);
        } catch (err) {
          problems.push(
            `could not release the forced tags ${[...this.forced.values()].map((n) => `"${n}"`).join(", ")} (${(err as Error).message}); ` +
              "release them by hand in Factory I/O (click each forced tag) before the next run",
          );
        }
      }
    } finally {
      await this.client.close();
    }
    if (problems.some((p) => p.startsWith("could not release"))) throw new FactoryIoError(`Stopping Factory I/O: ${problems.join("; ")}.`);
    for (const p of problems) this.notes.push(p);
  }

  // --- helpers ---

  private requireRunning(): { run: BoundTag; reset: BoundTag; running: BoundTag } {
    if (this.state !== "running" || !this.control) {
      throw new FactoryIoError(this.state === "new" ? "The Factory I/O plant is not started: call start() first." : "The Factory I/O plant is stopped.");
    }
    return this.control;
  }

  private inputTag(name: string, kind: string): BoundTag {
    const tag = this.byName.get(name);
    if (!tag || tag.direction !== "input") {
      throw new FactoryIoError(`A "${kind}" event names "${name}", which is not one of the task's input tags (${this.inputs.map((t) => `"${t.name}"`).join(", ")}).`);
    }
    return tag;
  }

  private outputsOff(): { id: string; value: TagValue }[] {
    return [...this.outputs.values()].map((t) => ({ id: t.id, value: t.type === "BOOL" ? false : 0 }));
  }

  private async write(items: { id: string; value: TagValue }[], action: BatchAction, signal?: AbortSignal): Promise<void> {
    this.check(action, await this.client.writeValues(items, signal));
  }

  private async force(items: { tag: BoundTag; value: TagValue }[]): Promise<void> {
    // Recorded before the call: if the answer is lost, stop() still releases them.
    for (const { tag } of items) this.forced.set(tag.id, tag.name);
    this.check("force", await this.client.forceValues(items.map(({ tag, value }) => ({ id: tag.id, value }))));
  }

  private oppositeOf(name: string): string | undefined {
    const pairs = this.options.opposites ?? {};
    return pairs[name] ?? Object.keys(pairs).find((k) => pairs[k] === name);
  }

  private async release(ids: string[], signal?: AbortSignal): Promise<void> {
    this.check("release", await this.client.releaseValues(ids, signal));
    for (const id of ids) this.forced.delete(id);
  }

  private check(action: BatchAction, errors: ItemError[]): void {
    if (errors.length > 0) throw new FactoryIoError(itemErrorsMessage(action, errors, (key) => this.nameById.get(key) ?? key));
  }

  private noteOnce(note: string): void {
    const kind = note.slice(0, note.indexOf(" events"));
    if (!this.notes.some((n) => n.startsWith(kind))) this.notes.push(note);
  }
}
