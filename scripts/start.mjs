#!/usr/bin/env node
// `npm start`: the gateway on :8787 wired to the provider sandbox on :8788, both under `wrangler dev`.
// Gateway key for local use: dev-key. Everything here is local-only; see README "Configuration" for real keys.
import { spawn, spawnSync } from "node:child_process";
import { sandboxVars } from "./providers.mjs";

const SANDBOX = process.env.SANDBOX_PORT ?? "8788";
const GATEWAY = process.env.PORT ?? "8787";
// DevTools ports (the gateway's, and the sandbox's: the next one unless set); the end-to-end tests move
// them, with the others, so a second copy can run beside yours.
const INSPECT = Number(process.env.INSPECTOR_PORT ?? "9229");
const SANDBOX_INSPECT = Number(process.env.SANDBOX_INSPECTOR_PORT ?? INSPECT + 1);
const sandboxUrl = `http://localhost:${SANDBOX}`;

/** What the gateway is started with: its own dev key, and each provider pointed at the sandbox. */
const DEV_VARS = {
  GATEWAY_API_KEYS: "dev-key",
  SIGNING_SECRET: "dev-signing-secret",
  ALLOWED_ORIGINS: "*",
  // Local callbacks (http://localhost:…) are allowed here only; production leaves this unset.
  ALLOW_PRIVATE_NETWORK: "true",
  // wrangler.toml's 100 MiB unless set (the CLI's tests lower it, so a small file takes the tus path).
  ...(process.env.MAX_REQUEST_BYTES ? { MAX_REQUEST_BYTES: process.env.MAX_REQUEST_BYTES } : {}),
  ...sandboxVars(sandboxUrl),
  // A larger single-request limit than wrangler.toml's 100 MB, when asked for (end-to-end tests, benches).
  ...(process.env.MAX_REQUEST_BYTES ? { MAX_REQUEST_BYTES: process.env.MAX_REQUEST_BYTES } : {}),
};

const wrangler = (args, name) => {
  const child = spawn("wrangler", ["dev", ...args, "--show-interactive-dev-session=false"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, FORCE_COLOR: "1" },
  });
  child.on("exit", (code) => {
    console.error(`${name} exited (${code}); stopping.`);
    process.exit(code ?? 1);
  });
  return child;
};

// The file registry's schema (migrations/) on the local D1 that `wrangler dev` uses (.wrangler/state).
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, CI: "1" },
});
if (migrate.status !== 0) {
  console.error("Could not apply the D1 migrations to the local database; stopping.");
  process.exit(migrate.status ?? 1);
}

const children = [
  wrangler(
    ["-c", "sandbox/wrangler.toml", "--port", SANDBOX, "--inspector-port", String(SANDBOX_INSPECT)],
    "sandbox",
  ),
  wrangler(
    [
      "-c",
      "wrangler.toml",
      "--port",
      GATEWAY,
      "--inspector-port",
      String(INSPECT),
      ...Object.entries(DEV_VARS).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    "gateway",
  ),
];
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const c of children) c.kill(signal);
    process.exit(0);
  });
}
console.log(`\nMediagate: http://localhost:${GATEWAY}  (key: dev-key)   provider sandbox: ${sandboxUrl}\n`);
