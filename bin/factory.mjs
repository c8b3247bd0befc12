#!/usr/bin/env node
// The `factory` command. The code is TypeScript run from source through tsx,
// so there is no build step between `git pull` and a working worker.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { register } from "tsx/esm/api";

// Keys for the services (ANTHROPIC_API_KEY, GITHUB_TOKEN, …) may live in .factory/worker.env,
// one NAME=value a line, so a service manager needs no environment of its own. Variables
// already set in the environment win.
const envFile = resolve(process.env.FACTORY_ENV_FILE ?? ".factory/worker.env");
if (existsSync(envFile)) {
  if (typeof process.loadEnvFile !== "function") {
    console.error(`factory needs Node.js 20.18.1 or newer (this is ${process.version}): install the LTS from nodejs.org.`);
    process.exit(2);
  }
  // Node silently drops what follows a malformed line: check every line first, and name the
  // line (never its value, which is a key) that is wrong.
  const lines = readFileSync(envFile, "utf8").split(/\r?\n/);
  const bad = lines.findIndex((l) => l.trim() !== "" && !l.trimStart().startsWith("#") && !/^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=/.test(l));
  if (bad >= 0) {
    console.error(`${envFile}, line ${bad + 1}: not NAME=value. Each line must look like ANTHROPIC_API_KEY=sk-ant-… (or start with # for a comment).`);
    process.exit(2);
  }
  process.loadEnvFile(envFile);
}

register();
await import("../worker/cli.ts");
