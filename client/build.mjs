#!/usr/bin/env node
// Builds @mediagate/client (dist/: ESM for browsers/React Native, for Node, the CLI, and .d.ts from the
// generated gateway types) and the console (public/: the page the gateway serves at GET /, with the SDK
// bundled in). Runs on `npm install` (the root's prepare) and in `npm run build`.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const client = `${root}client/`;
const dist = `${client}dist/`;
rmSync(dist, { recursive: true, force: true });

const common = { bundle: true, format: "esm", target: "es2022", logLevel: "warning" };
const external = ["openapi-fetch", "tus-js-client"];
await build({
  ...common,
  entryPoints: [`${client}src/index.ts`],
  outfile: `${dist}index.js`,
  platform: "neutral",
  external,
});
await build({
  ...common,
  entryPoints: [`${client}src/node.ts`],
  outfile: `${dist}node.js`,
  platform: "node",
  external,
});
await build({
  ...common,
  entryPoints: [`${client}src/cli.ts`],
  outfile: `${dist}cli.js`,
  platform: "node",
  external,
  banner: { js: "#!/usr/bin/env node" },
});

chmodSync(`${dist}cli.js`, 0o755);

// Declarations: tsc over client/src with the repo root as rootDir, and the generated types beside them.
execFileSync(
  process.execPath,
  [
    `${root}node_modules/typescript/bin/tsc`,
    "-p",
    `${client}tsconfig.build.json`,
    "--noEmit",
    "false",
    "--declaration",
    "--emitDeclarationOnly",
    "--allowImportingTsExtensions",
    "false",
    "--rootDir",
    root,
    "--outDir",
    `${dist}types`,
  ],
  { stdio: "inherit" },
);
mkdirSync(`${dist}types/generated`, { recursive: true });
copyFileSync(`${root}generated/gateway.d.ts`, `${dist}types/generated/gateway.d.ts`);

// The console: static files plus app.js (the SDK and tus-js-client's browser build, bundled).
const pub = `${root}public/`;
rmSync(pub, { recursive: true, force: true });
cpSync(`${root}console/static`, pub, { recursive: true });
// The public contract, served as a static asset at GET /openapi.json (never through the Worker's bundle).
copyFileSync(`${root}generated/gateway.openapi.json`, `${pub}openapi.json`);
await build({
  ...common,
  entryPoints: [`${root}console/app.ts`],
  outfile: `${pub}app.js`,
  platform: "browser",
  minify: true,
});
