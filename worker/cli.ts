/**
 * The `factory` command: a thin shell over the command modules in worker/commands/.
 */
import { Command } from "commander";
import { commandModules } from "./commands/index.ts";

const program = new Command("factory")
  .description("Agent Factory: turn a knowledge base into narrated lesson videos on this machine")
  .showHelpAfterError();

for (const register of commandModules) register(program);

await program.parseAsync(process.argv);
