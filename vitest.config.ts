import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // The suite proper: inside workerd, against the Node provider emulator.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Vitest's own runtime imports node:inspector.
              compatibilityFlags: ["nodejs_compat"],
              // Durable Objects read their env from here, not from a test's overrides.
              bindings: { SIGNING_SECRET: "test-signing-secret" },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          // The provider emulator: a real HTTP server in Node, reachable from the Worker under test.
          globalSetup: ["test/emulator/global-setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        // End to end: `npm start` and curl, in Node.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
    ],
  },
});
