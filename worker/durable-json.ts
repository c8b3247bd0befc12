/**
 * Small JSON records the worker must not lose or half-write (release and calendar decisions):
 * written whole to a temporary file, fsync'd, then renamed over the old one, so a crash leaves
 * the old record or the new one; read back strictly, because guessing could publish twice.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { z } from "zod";

/** Writes `value` as JSON atomically and durably (on disk when this returns). */
export async function writeJsonDurably(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}

/**
 * The record at `path` checked against `schema`, or null when there is none. A file that is not
 * valid JSON or not such a record throws, naming the file and `remedy` (what the owner can do).
 */
export async function readJsonRecord<T extends z.ZodType>(path: string, schema: T, what: string, remedy: string): Promise<z.infer<T> | null> {
  const text = await readTextIfExists(path);
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON: ${remedy}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`${path} is not ${what} (${r.error.issues[0]?.message}): ${remedy}`);
  return r.data;
}

/** The UTF-8 text of `path`, or null when there is no such file (any other error throws). */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}
