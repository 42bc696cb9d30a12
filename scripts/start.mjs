#!/usr/bin/env node
// `npm start`: the gateway on :8787 wired to the provider sandbox on :8788, each served by Miniflare's own
// API on workerd (scripts/local/serve.mjs says why not wrangler dev). Gateway key for local use: dev-key.
// Everything here is local-only; see docs/configuration.md for real keys.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { serve } from "./local/serve.mjs";
import { watchSources } from "./local/watch.mjs";
import { sandboxVars } from "./providers.mjs";

const SANDBOX = Number(process.env.SANDBOX_PORT ?? "8788");
const GATEWAY = Number(process.env.PORT ?? "8787");
// DevTools ports (the gateway's, and the sandbox's: the next one unless set); the end-to-end tests move
// them, with the others, so a second copy can run beside yours.
const INSPECT = Number(process.env.INSPECTOR_PORT ?? "9229");
const SANDBOX_INSPECT = Number(process.env.SANDBOX_INSPECTOR_PORT ?? INSPECT + 1);
// Off with LIVE_RELOAD=0 (the end-to-end tests and benches serve one build from start to end).
const LIVE_RELOAD = process.env.LIVE_RELOAD !== "0";
const sandboxUrl = `http://localhost:${SANDBOX}`;

/** Gateway settings taken from the environment when set (end-to-end tests, benches): docs/configuration.md. */
const TUNABLES = ["MAX_REQUEST_BYTES", "IDLE_TIMEOUT_MS", "PROVIDER_TIMEOUT_MS", "IMPORT_TIMEOUT_MS"];

/** What the gateway is started with: its own dev key, and each provider pointed at the sandbox. */
const DEV_VARS = {
  GATEWAY_API_KEYS: "dev-key",
  SIGNING_SECRET: "dev-signing-secret",
  ALLOWED_ORIGINS: "*",
  // Local callbacks (http://localhost:…) are allowed here only; production leaves this unset.
  ALLOW_PRIVATE_NETWORK: "true",
  ...sandboxVars(sandboxUrl),
  // wrangler.toml's values unless set (the CLI's tests lower MAX_REQUEST_BYTES, so a small file takes the
  // tus path; the end-to-end tests raise it, and shorten IDLE_TIMEOUT_MS).
  ...Object.fromEntries(TUNABLES.filter((k) => process.env[k]).map((k) => [k, process.env[k]])),
};

// The public contract is a static asset (public/openapi.json, client/build.mjs): copied fresh from generated/
// at every start, so a spec changed with `npm run generate` is served without rebuilding the console.
mkdirSync("public", { recursive: true });
copyFileSync("generated/gateway.openapi.json", "public/openapi.json");

/** One `wrangler d1 migrations apply` on the local D1 under .wrangler/state; resolves with its exit code. */
const applyMigrations = () =>
  new Promise((resolve, reject) => {
    const child = spawn("wrangler", ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CI: "1" },
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });

/**
 * The file registry's schema (migrations/), applied before the gateway serves. Copies started together (the
 * end-to-end tests start several on one state folder) can race on the same migration: the loser fails
 * ("duplicate column", "already exists", a busy database) while the winner records it, so a failure is
 * tried again a few times; a migration that is really broken still fails every time.
 */
const migrated = (async () => {
  for (let attempt = 1; ; attempt++) {
    const code = await applyMigrations();
    if (code === 0) return;
    if (attempt === 4) throw new Error(`could not apply the D1 migrations to the local database (${code})`);
    await new Promise((r) => setTimeout(r, 500 * attempt + Math.random() * 500));
  }
})();

// Each bundle in a folder named after its port, so copies running side by side (a test run beside yours)
// never write over each other's.
const [sandbox, gateway] = await Promise.all([
  serve({
    config: "sandbox/wrangler.toml",
    outdir: `.wrangler/local/${SANDBOX}`,
    port: SANDBOX,
    inspectorPort: SANDBOX_INSPECT,
  }),
  serve({
    config: "wrangler.toml",
    outdir: `.wrangler/local/${GATEWAY}`,
    port: GATEWAY,
    inspectorPort: INSPECT,
    vars: DEV_VARS,
    // Bundled while the migrations run; served once they are applied.
    after: migrated,
  }),
]).catch((error) => {
  console.error(`Could not start: ${error.message ?? error}`);
  process.exit(1);
});

const unwatch = LIVE_RELOAD
  ? [
      watchSources(["sandbox"], sandbox.reload, "sandbox"),
      watchSources(["worker", "generated", "wrangler.toml"], gateway.reload, "gateway"),
    ]
  : [];

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    for (const stop of unwatch) stop();
    await Promise.allSettled([sandbox.dispose(), gateway.dispose()]);
    process.exit(0);
  });
}
console.log(
  `\nMediagate: http://localhost:${GATEWAY}  (key: dev-key)   provider sandbox: ${sandboxUrl}` +
    `   (up in ${(performance.now() / 1000).toFixed(1)} s${LIVE_RELOAD ? "; live reload on" : ""})\n`,
);
