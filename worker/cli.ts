/**
 * The `factory` command: a thin shell over the command modules in worker/commands/.
 */
import { Command } from "commander";
import { commandModules } from "./commands/index.ts";
import { maskSecrets, processSecrets } from "./log.ts";

const program = new Command("factory")
  .description("Agent Factory: turn a knowledge base into narrated lesson videos on this machine")
  .showHelpAfterError();

for (const register of commandModules) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commands throw errors whose message says what to do; the owner needs that sentence, not a
  // stack trace. FACTORY_DEBUG=1 shows the stack for a bug report.
  const text = process.env.FACTORY_DEBUG ? String((e as Error).stack ?? e) : (e as Error).message ?? String(e);
  console.error(`factory: ${maskSecrets(text, processSecrets(null))}`);
  console.error("(docs/troubleshooting.md lists every message and its fix)");
  process.exitCode = process.exitCode || 1;
}
