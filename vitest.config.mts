import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Two projects, one `npm test`:
//  - relay: runs inside real workerd through the Cloudflare Vitest integration;
//  - node: the home worker, the knowledge base, media and publishing, with real git and ffmpeg.
export default defineConfig({
  test: {
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    // Most test files wait on child processes (git, ffmpeg, workerd, the worker CLI), not the CPU:
    // on a 2-core machine vitest's default (cores - 1 = one file at a time) leaves it idle.
    maxWorkers: 3,
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // Test secrets (never in wrangler.toml): two webhook secrets exercise rotation.
            miniflare: {
              bindings: {
                GITHUB_WEBHOOK_SECRET: "test-secret-new,test-secret-old",
                WORKER_TOKENS: "test-token-a,test-token-b",
              },
            },
          }),
        ],
        test: {
          name: "relay",
          include: ["test/relay/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/relay/**", "**/node_modules/**"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
