import { createServer } from "node:net";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import SANDBOX_KEYS from "./sandbox/keys.json" with { type: "json" };

/** A free port for the provider emulator, chosen here so the Workers' bindings can name it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const port = Number(process.env.EMULATOR_PORT ?? (await freePort()));
process.env.EMULATOR_PORT = String(port);
const emulator = `http://127.0.0.1:${port}`;

/** What the Worker and its Durable Objects see: every provider pointed at the emulator. */
const bindings = {
  SIGNING_SECRET: "test-signing-secret",
  GATEWAY_API_KEYS: "test-gateway-key",
  PROVIDER_TIMEOUT_MS: "1500",
  JIMMY_API_KEY: SANDBOX_KEYS.jimmy,
  JIMMY_BASE_URL: `${emulator}/jimmy`,
  DIFY_API_KEY: SANDBOX_KEYS.dify,
  DIFY_BASE_URL: `${emulator}/dify/v1`,
  MINIMAX_API_KEY: SANDBOX_KEYS.minimax,
  MINIMAX_BASE_URL: `${emulator}/minimax`,
  USEAPI_API_KEY: SANDBOX_KEYS.useapi,
  USEAPI_BASE_URL: `${emulator}/useapi`,
  WAVESPEED_API_KEY: SANDBOX_KEYS.wavespeed,
  WAVESPEED_BASE_URL: `${emulator}/wavespeed`,
};

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
              bindings,
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
