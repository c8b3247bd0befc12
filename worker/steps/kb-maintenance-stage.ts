/**
 * The KB maintenance step of every sync: reversible summaries of kb/sources/ and a report on the
 * knowledge base as a whole (atoms no course uses, prerequisite cycles, sources no atom cites,
 * atoms whose sources changed). It changes no content: the summary index goes to the artifacts
 * folder (agents read it there when the repository has none committed), the report into the
 * step's note and data, where `factory status` and the dashboard show it.
 *
 * "Stale" is decided against what each lesson was made from: the latest finished script of each
 * atom records the digest of every kb/sources section it cited (provenance.sources), read here
 * from the ledger. A cited section whose text changed since then is reported as "being made
 * again": the content stage hashes the same digests, so that script is written again in this job.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Provenance } from "../../shared/models.ts";
import { digestKey } from "../kb/sources-digest.ts";
import { runKbMaintenance } from "../kb/sources-maintenance.ts";
import { formatMaintenanceReport, reportIsClean, staleLine } from "../kb/sources-report.ts";
import { type PlannedStep, type Stage, type StepOutput, stepKey } from "../pipeline/types.ts";

/** Bump when the report or the summaries change for the same commit. */
const MAINTENANCE_VERSION = 2;

/**
 * Per atom, what its latest finished script was made from in kb/sources/ (by "path#n" or path →
 * sha256), from the script steps' recorded outputs. Scripts that recorded nothing (made before
 * sources were recorded, or citing none) are left out: the report then falls back to the index.
 */
export function lessonsSeen(scripts: ReadonlyMap<string, StepOutput>): Map<string, Record<string, string | null>> {
  const seen = new Map<string, Record<string, string | null>>();
  const prefix = stepKey.script("");
  for (const [key, out] of scripts) {
    if (!key.startsWith(prefix)) continue;
    const p = Provenance.safeParse((out.data as { provenance?: unknown } | null | undefined)?.provenance);
    if (!p.success || !p.data.sources) continue;
    seen.set(key.slice(prefix.length), Object.fromEntries(p.data.sources.map((s) => [digestKey(s.path, s.section), s.sha256])));
  }
  return seen;
}

/** The stage: one `kb-maintenance` step per synced commit (none for a local run on a dirty tree). */
export function kbMaintenanceStage(): Stage {
  return {
    name: "kb-maintenance",
    plan({ snapshot, only }): PlannedStep[] {
      // Keyed by the commit: the same commit always gives the same report, so a redelivery skips it.
      if (!snapshot.sha) return [];
      const sha = snapshot.sha;
      return [
        {
          key: "kb-maintenance",
          kind: "kb-maintenance",
          version: MAINTENANCE_VERSION,
          dependsOn: [],
          inputs: () => ({ sha }),
          run: async (ctx) => {
            const scripts = ctx.doneOutputs?.("write-script");
            const { summary, report } = await runKbMaintenance(ctx.snapshot.dir, { write: false, ...(scripts ? { seenByLesson: lessonsSeen(scripts) } : {}) });
            const data: Record<string, unknown> = { report };
            if (summary && summary.index.sources.length > 0) {
              const dir = join(ctx.artifactsDir, "kb");
              await mkdir(dir, { recursive: true });
              const tmp = join(dir, `sources-index.json.tmp-${process.pid}`);
              await writeFile(tmp, `${JSON.stringify(summary.index, null, 2)}\n`);
              await rename(tmp, join(dir, "sources-index.json"));
              data.sourcesIndex = "kb/sources-index.json";
            }
            const note = formatMaintenanceReport(report);
            if (!reportIsClean(report)) ctx.log.warn(note, { step: "kb-maintenance" });
            // The note is what the job's step list (relay, dashboard) shows: stale lessons by name.
            const stale = report.staleAtoms.map(staleLine);
            // Only what this job plans is being re-made (a job making "the next N lessons" plans fewer).
            const remade = report.staleAtoms.filter((x) => x.since === "lesson" && (!only || only.has(x.atomId))).map((x) => x.atomId);
            return {
              data,
              ...(remade.length ? { headline: `sources changed, re-making ${remade.join(", ")}`.slice(0, 300) } : {}),
              note: note.split("\n")[0]! + (reportIsClean(report) ? "" : ` (${note.split("\n").length - 1} finding(s))`) + (stale.length ? `; ${stale.join("; ")}` : ""),
            };
          },
        },
      ];
    },
  };
}
