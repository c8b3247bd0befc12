#!/usr/bin/env node
// The `factory` command. The code is TypeScript run from source through tsx,
// so there is no build step between `git pull` and a working worker.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { register } from "tsx/esm/api";

// Keys for the services (ANTHROPIC_API_KEY, GITHUB_TOKEN, …) may live in .factory/worker.env,
// one NAME=value a line, so a service manager needs no environment of its own. Variables
// already set in the environment win.
const envFile = resolve(process.env.FACTORY_ENV_FILE ?? ".factory/worker.env");
if (existsSync(envFile)) {
  try {
    process.loadEnvFile(envFile);
  } catch (e) {
    console.error(`Could not read ${envFile}: ${e.message}. Each line must be NAME=value.`);
    process.exit(2);
  }
}

register();
await import("../worker/cli.ts");
