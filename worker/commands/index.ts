/**
 * Every `factory` subcommand group registers itself here, one module per concern,
 * so cli.ts stays a thin shell.
 */
import type { Command } from "commander";
import { registerServiceCommands } from "./service.ts";
import { registerDoctorCommand } from "./doctor.ts";
import { registerInitCommand } from "./init.ts";
import { registerDemoCommand } from "./demo.ts";
import { registerWorkerCommand } from "./worker.ts";
import { registerRunCommand } from "./run.ts";
import { registerJobCommands } from "./jobs.ts";
import { registerStatusCommand } from "./status.ts";
import { registerKbCommands } from "./kb.ts";
import { registerUsageCommand } from "./usage.ts";
import { registerPublishCommands } from "./publish.ts";
import { registerYouTubeCommands } from "./youtube.ts";
import { registerVoiceCommands } from "./voice.ts";
import { registerTestPushCommand } from "./test-push.ts";
import { registerStCommands } from "./st.ts";
import { registerLearnCommand } from "./learn.ts";
import { registerSimCommands } from "./sim.ts";
import { registerCalendarCommand } from "./calendar.ts";

/** A module that adds subcommands to the `factory` program. */
export type CommandModule = (program: Command) => void;

/** All command modules, in the order they appear in `factory --help`. */
export const commandModules: CommandModule[] = [
  // one line per module; keep the trailing comma
  registerServiceCommands,
  registerDemoCommand,
  registerInitCommand,
  registerDoctorCommand,
  registerWorkerCommand,
  registerRunCommand,
  registerJobCommands,
  registerStatusCommand,
  registerKbCommands,
  registerUsageCommand,
  registerPublishCommands,
  registerYouTubeCommands,
  registerVoiceCommands,
  registerTestPushCommand,
  registerStCommands,
  registerLearnCommand,
  registerSimCommands,
  registerCalendarCommand,
];
