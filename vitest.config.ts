import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Vitest's own runtime imports node:inspector.
        compatibilityFlags: ["nodejs_compat"],
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // The provider emulator: a real HTTP server in Node, reachable from the Worker under test.
    globalSetup: ["test/emulator/global-setup.ts"],
    testTimeout: 20_000,
  },
});
