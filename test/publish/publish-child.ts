/**
 * The worker process the kill test starts and SIGKILLs mid-upload: runs the one-atom pipeline
 * once. argv[2] = JSON { workDir, settings }.
 */
import { runOnce } from "./pipeline-fixture.ts";

const { workDir, settings } = JSON.parse(process.argv[2]!) as { workDir: string; settings: Record<string, unknown> };
const outcome = await runOnce({ workDir, settings });
process.stdout.write(JSON.stringify(outcome) + "\n");
