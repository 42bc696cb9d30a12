import { createServer } from "node:net";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// @ts-expect-error: a plain .mjs module without declarations (its shapes are checked where it is used).
import { sandboxVars } from "./scripts/providers.mjs";

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

/**
 * The order projects run in: the suite first, the catalogue check after it (its ledger must be complete).
 * Not group 0: with a single worker (2 cores), vitest runs group-0 projects last, after every numbered group.
 */
const SUITE = { groupOrder: 1 };
const AFTER_SUITE = { groupOrder: 2 };

/** What the Worker and its Durable Objects see: every provider pointed at the emulator. */
const bindings = {
  // Two keys: two tenants of the file registry (owner isolation).
  SIGNING_SECRET: "test-signing-secret",
  GATEWAY_API_KEYS: "test-gateway-key,test-gateway-key-b",
  PROVIDER_TIMEOUT_MS: "1500",
  // Callbacks go to the emulator's sinks on 127.0.0.1 (a development setting; tests that need the
  // production refusal override it per call).
  ALLOW_PRIVATE_NETWORK: "true",
  // The same provider wiring as `npm start`, derived from the provider folders (scripts/providers.mjs).
  ...(sandboxVars(emulator) as Record<string, string>),
};

export default defineConfig({
  test: {
    // The gateway's access line, one per request (worker/http/access.ts), is left out of the test output,
    // which would otherwise hold thousands; every other line it logs still shows (a root-only option).
    onConsoleLog: (line) => !line.startsWith('{"level":"info","msg":"request",'),
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
              // The registry's schema (migrations/), applied to the local D1 by test/setup-d1.ts.
              bindings: { ...bindings, TEST_MIGRATIONS: await readD1Migrations("./migrations") },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/catalogue/**"],
          // The provider emulator: a real HTTP server in Node, reachable from the Worker under test; the
          // origin imports fetch from (another); and
          // the error catalogue's ledger of problem codes the tests produced.
          globalSetup: [
            "test/emulator/global-setup.ts",
            "test/origin/global-setup.ts",
            "test/catalogue/collector.ts",
          ],
          setupFiles: ["test/setup-d1.ts"],
          testTimeout: 20_000,
          sequence: SUITE,
        },
      },
      {
        // End to end: `npm start` and curl, in Node.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          sequence: SUITE,
        },
      },
      {
        // After every other project: each error code in the catalogue was produced by some test.
        test: {
          name: "catalogue",
          include: ["test/catalogue/*.test.ts"],
          environment: "node",
          sequence: AFTER_SUITE,
        },
      },
    ],
  },
});
