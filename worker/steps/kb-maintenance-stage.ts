/**
 * The KB maintenance step of every sync: reversible summaries of kb/sources/ and a report on the
 * knowledge base as a whole (atoms no course uses, prerequisite cycles, sources no atom cites,
 * atoms whose sources changed). It changes no content: the summary index goes to the artifacts
 * folder (agents read it there when the repository has none committed), the report into the
 * step's note and data, where `factory status` and the dashboard show it.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runKbMaintenance } from "../kb/sources-maintenance.ts";
import { formatMaintenanceReport, reportIsClean } from "../kb/sources-report.ts";
import type { PlannedStep, Stage } from "../pipeline/types.ts";

/** Bump when the report or the summaries change for the same commit. */
const MAINTENANCE_VERSION = 1;

/** The stage: one `kb-maintenance` step per synced commit (none for a local run on a dirty tree). */
export function kbMaintenanceStage(): Stage {
  return {
    name: "kb-maintenance",
    plan({ snapshot }): PlannedStep[] {
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
            const { summary, report } = await runKbMaintenance(ctx.snapshot.dir, { write: false });
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
            return { data, note: note.split("\n")[0]! + (reportIsClean(report) ? "" : ` (${note.split("\n").length - 1} finding(s))`) };
          },
        },
      ];
    },
  };
}
