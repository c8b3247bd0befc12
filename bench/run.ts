/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts (or the named ones) one after another,
 * each in its own process so one benchmark's heap and children do not skew the next.
 * Each benchmark measures its own baseline in the same run and prints ratios against it.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const chosen = wanted.length ? all.filter((f) => wanted.some((w) => f.startsWith(w))) : all;
if (chosen.length === 0) {
  console.error(`No benchmark matches ${wanted.join(", ")}. Available: ${all.join(", ") || "none yet"}`);
  process.exit(2);
}
let failed = 0;
for (const file of chosen) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
