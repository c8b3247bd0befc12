#!/usr/bin/env node
// The `factory` command. The code is TypeScript run from source through tsx,
// so there is no build step between `git pull` and a working worker.
import { register } from "tsx/esm/api";

register();
await import("../worker/cli.ts");
