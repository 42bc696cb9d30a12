// One Worker served by Miniflare's own API (https://developers.cloudflare.com/workers/testing/miniflare/get-started),
// with no wrangler dev in front of it.
//
// Why not `wrangler dev`: it puts a ProxyWorker between the client and the Worker. When the Worker refuses a
// body that is still arriving and stops reading it, that proxy's forward can fail, and the client gets the
// proxy's own `500` text/plain "Error: Network connection lost." instead of the Worker's answer (measured
// here: 15 of 40 early refusals of 2.6 MB bodies through wrangler dev, none through Miniflare). wrangler
// dev also injects a dev-only middleware that drains unread bodies, which production does not. Here the
// client talks to workerd's own socket.
//
// The bindings come from the Worker's wrangler config as wrangler dev reads them
// (`unstable_getMiniflareWorkerOptions`, https://developers.cloudflare.com/workers/wrangler/api/: vars,
// .dev.vars, D1, R2, Durable Objects, assets and their run_worker_first routes, crons), in Miniflare 4's
// option shape, which `convertV4MiniflareOptions` turns into Miniflare 5's. The code is the bundle
// `wrangler deploy` would upload (bundle.mjs), so no module rules are left for Miniflare to apply.
import { dirname } from "node:path";
import { bundle } from "./bundle.mjs";

// Imported when first needed: loading wrangler's API takes seconds, which the bundling and the migrations
// (child processes) can use meanwhile.
const apis = () => Promise.all([import("miniflare"), import("wrangler")]);

/** Where wrangler dev and `wrangler d1 … --local` keep local D1, R2 and Durable Object state. */
export const PERSIST = ".wrangler/state/v3";

/**
 * Miniflare options for the Worker of `config` (its bundle at `script`): listening on `host:port`, DevTools
 * on `inspectorPort`, `vars` over the config's and .dev.vars' values, state under `persist`.
 */
export async function optionsFor({ config, script, host, port, inspectorPort, vars, persist }) {
  const [
    { convertV4MiniflareOptions, Log, LogLevel },
    { unstable_getMiniflareWorkerOptions, unstable_readConfig },
  ] = await apis();
  const parsed = unstable_readConfig({ config });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(parsed);
  // The bundle already applied the config's module rules; Miniflare 5 refuses them (bundle first).
  const { modulesRules: _applied, ...worker } = workerOptions;
  return convertV4MiniflareOptions({
    host,
    port,
    inspectorPort,
    log: new Log(LogLevel.INFO),
    resourcePersistencePath: persist,
    workers: [
      {
        ...worker,
        // The config's name: wrangler dev's too, so Durable Objects persisted under it are found again.
        name: parsed.name,
        modules: true,
        scriptPath: script,
        // Module names are paths below this (the sandbox's rootPath is its own folder, not the bundle's).
        modulesRoot: dirname(script),
        bindings: { ...worker.bindings, ...vars },
      },
    ],
  });
}

/**
 * Bundles and serves the Worker of `config`; Miniflare starts once the bundle is built and `after` (e.g. the
 * local D1's migrations) has resolved. Resolves once it answers on `port`, with `reload()` (bundle again and
 * swap the code in place, keeping the port and state) and `dispose()`.
 */
export async function serve({
  config,
  outdir,
  host = "localhost",
  port,
  inspectorPort,
  vars = {},
  persist = PERSIST,
  after = Promise.resolve(),
}) {
  const options = async () =>
    optionsFor({ config, script: await bundle(config, outdir), host, port, inspectorPort, vars, persist });
  const [first, [{ Miniflare }]] = await Promise.all([options(), apis(), after]);
  const mf = new Miniflare(first);
  await mf.ready;
  return {
    reload: async () => mf.setOptions(await options()),
    dispose: () => mf.dispose(),
  };
}
