/** Content hashes for the media cache, over the pipeline's canonical JSON (key order never matters). */
import { createHash } from "node:crypto";
import { canonicalJson } from "../pipeline/plan.ts";

/** Hex sha256 of the canonical JSON of `value`. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
