/**
 * The pure half of the Factory I/O adapter: parsing the Web API's tag list, matching a task's
 * tags to the scene's by exact name, converting values between Factory I/O (bit, int, float) and
 * IEC types (BOOL, INT, REAL), and turning per-item errors into sentences. No I/O here.
 */
import { RANGE } from "../st/types.ts";
import type { PlantTag, TagType, TagValue } from "./types.ts";

/** Why the adapter stopped; `message` says what to check, in words a teacher can follow. */
export class FactoryIoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FactoryIoError";
  }
}

export type FioType = "bit" | "int" | "float";
export type FioKind = "input" | "output";

/** A tag as `GET /api/tags` describes it (type and kind normalised to lower case). */
export interface FioTag {
  name: string;
  id: string;
  address: number;
  type: FioType;
  kind: FioKind;
  value: TagValue;
  isForced: boolean;
  forcedValue: TagValue;
}

/** A task tag bound to the Factory I/O tag that serves it. */
export interface BoundTag extends PlantTag {
  id: string;
}

/** The scene control tags (names as Factory I/O's drivers list them). */
export const CONTROL = {
  run: { name: "FACTORY I/O (Run)", direction: "output", type: "BOOL" },
  reset: { name: "FACTORY I/O (Reset)", direction: "output", type: "BOOL" },
  running: { name: "FACTORY I/O (Running)", direction: "input", type: "BOOL" },
} as const satisfies Record<string, PlantTag>;

/** The IEC type a Factory I/O tag type carries. */
export const IEC_OF: Record<FioType, TagType> = { bit: "BOOL", int: "INT", float: "REAL" };
const [INT_MIN, INT_MAX] = RANGE.INT;

/**
 * Parses the body of `GET /api/tags`. The documentation writes `type`/`kind` in lower case
 * ("bit", "input"); running instances answer "Bit", "Input": both are accepted.
 */
export function parseTagList(body: unknown): FioTag[] {
  if (!Array.isArray(body)) throw new FactoryIoError(`GET /api/tags did not answer a list of tags (got ${describe(body)}): this is not Factory I/O's Web API.`);
  return body.map((raw, i) => {
    const t = raw as Record<string, unknown>;
    const type = typeof t?.type === "string" ? t.type.toLowerCase() : "";
    const kind = typeof t?.kind === "string" ? t.kind.toLowerCase() : "";
    if (typeof t?.name !== "string" || typeof t.id !== "string" || !(type in IEC_OF) || (kind !== "input" && kind !== "output")) {
      throw new FactoryIoError(`GET /api/tags item ${i} is not a Factory I/O tag (${describe(raw)}): this is not Factory I/O's Web API.`);
    }
    return {
      name: t.name,
      id: t.id,
      address: typeof t.address === "number" ? t.address : -1,
      type: type as FioType,
      kind,
      value: typeof t.value === "number" || typeof t.value === "boolean" ? t.value : false,
      isForced: t.isForced === true,
      forcedValue: typeof t.forcedValue === "number" || typeof t.forcedValue === "boolean" ? t.forcedValue : false,
    };
  });
}

/**
 * Finds, for every wanted tag, the scene tag with exactly that name, that direction and a
 * matching type. Every problem is collected into one error that lists what the scene has, so
 * the teacher fixes the scene (or picks the right one) in one go.
 */
export function bindTags(wanted: readonly PlantTag[], scene: readonly FioTag[], sceneTitle: string): BoundTag[] {
  const problems: string[] = [];
  const bound: BoundTag[] = [];
  for (const want of wanted) {
    const sameName = scene.filter((t) => t.name === want.name);
    const sameKind = sameName.filter((t) => t.kind === want.direction);
    if (sameName.length === 0) {
      const near = scene.find((t) => t.name.toLowerCase() === want.name.toLowerCase());
      problems.push(`no tag named "${want.name}" (${want.direction})${near ? `; there is "${near.name}": names must match exactly, capitals included` : ""}`);
    } else if (sameKind.length === 0) {
      problems.push(`"${want.name}" is an ${sameName[0]!.kind} in Factory I/O, but the task uses it as an ${want.direction}`);
    } else if (sameKind.length > 1) {
      problems.push(`${sameKind.length} ${want.direction} tags are named "${want.name}"; rename all but one in Factory I/O`);
    } else {
      const tag = sameKind[0]!;
      if (IEC_OF[tag.type] !== want.type) {
        problems.push(`"${want.name}" is ${tag.type} (${IEC_OF[tag.type]}) in Factory I/O, but the task declares ${want.type}`);
      } else {
        bound.push({ ...want, id: tag.id });
      }
    }
  }
  if (problems.length > 0) {
    const list = (kind: FioKind) =>
      scene
        .filter((t) => t.kind === kind && !t.name.startsWith("FACTORY I/O"))
        .map((t) => `"${t.name}"`)
        .join(", ") || "(none)";
    throw new FactoryIoError(
      `The scene open in Factory I/O does not fit the task (scene "${sceneTitle}"):\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        `\nThe open scene has inputs ${list("input")}; outputs ${list("output")}.` +
        `\nOpen the scene "${sceneTitle}" in Factory I/O (or rename its tags to match) and run again.`,
    );
  }
  return bound;
}

/** The scene control tags, required: without them the scene cannot be started or watched. */
export function bindControlTags(scene: readonly FioTag[]): { run: BoundTag; reset: BoundTag; running: BoundTag } {
  const find = (t: PlantTag): BoundTag => {
    const hit = scene.find((s) => s.name === t.name && s.kind === t.direction);
    if (!hit) {
      throw new FactoryIoError(
        `Factory I/O's tag list has no "${t.name}" ${t.direction} tag, which every scene carries. ` +
          `Is the address pointing at Factory I/O's Web API, with a scene open?`,
      );
    }
    return { ...t, id: hit.id };
  };
  return { run: find(CONTROL.run), reset: find(CONTROL.reset), running: find(CONTROL.running) };
}

/** A value read from Factory I/O, checked and converted to the task's type. */
export function fromFactoryIo(tag: PlantTag, value: unknown): TagValue {
  switch (tag.type) {
    case "BOOL":
      if (typeof value === "boolean") return value;
      break;
    case "INT":
      if (typeof value === "number" && Number.isInteger(value)) {
        // Factory I/O ints are 32-bit (DINT); the task reads an INT, so a larger value is an error, not a wrap.
        if (value < INT_MIN || value > INT_MAX) throw new FactoryIoError(`Factory I/O reports ${value} for "${tag.name}", outside INT (${INT_MIN}..${INT_MAX}).`);
        return value;
      }
      break;
    case "REAL":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      break;
  }
  throw new FactoryIoError(`Factory I/O reports ${describe(value)} for "${tag.name}", which is not ${article(tag.type)} ${tag.type} value.`);
}

/** A value for Factory I/O, checked against the tag's type. */
export function toFactoryIo(tag: PlantTag, value: TagValue): TagValue {
  switch (tag.type) {
    case "BOOL":
      if (typeof value === "boolean") return value;
      break;
    case "INT":
      if (typeof value === "number" && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return value;
      break;
    case "REAL":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      break;
  }
  throw new FactoryIoError(`The program gives ${describe(value)} for "${tag.name}", which is not ${article(tag.type)} ${tag.type} value.`);
}

/** One failed item of a batch call. */
export interface ItemError {
  key: string;
  code: number;
  error: string;
}

/** What the adapter was doing, for the sentence an item error becomes. */
export type BatchAction = "read" | "write" | "force" | "release";

/**
 * Turns a batch call's failed items into one error naming each tag. 406 on a write means the tag
 * is an input; 404 means the tag vanished (the scene changed or another scene was opened).
 */
export function itemErrorsMessage(action: BatchAction, errors: readonly ItemError[], nameOf: (key: string) => string): string {
  const lines = errors.map((e) => {
    const name = nameOf(e.key);
    if (e.code === 404) return `tag "${name}" no longer exists in Factory I/O (was the scene changed or another scene opened?)`;
    if (e.code === 406 && action === "write") return `tag "${name}" is an input; the program may only write outputs`;
    if (e.code === 406) return `Factory I/O refused to ${action} tag "${name}" (406: ${e.error})`;
    return `Factory I/O could not ${action} tag "${name}" (${e.code}: ${e.error})`;
  });
  return `Factory I/O refused part of a ${action}:\n${lines.map((l) => `  - ${l}`).join("\n")}`;
}

/** "a BOOL", "an INT", "a REAL". */
function article(type: TagType): string {
  return type === "INT" ? "an" : "a";
}

/** A short, safe rendering of an unexpected value for an error message. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
