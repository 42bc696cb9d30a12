// A Worker's bundle as production gets it: `wrangler deploy --dry-run --outdir` runs wrangler's own build
// (esbuild, the config's minify/define/rules, nodejs_compat) without wrangler dev's dev-only middleware, and
// writes the main module with its source map (https://developers.cloudflare.com/workers/wrangler/commands/#deploy).
import { spawn } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** Bundles the Worker of `config` into `outdir` (emptied first); resolves to the main module's path. */
export function bundle(config, dir) {
  // Absolute: wrangler resolves a relative --outdir against the config's folder for the modules but against
  // the working directory for its README.
  const outdir = resolve(dir);
  rmSync(outdir, { recursive: true, force: true });
  return new Promise((done, fail) => {
    let printed = "";
    const child = spawn("wrangler", ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "1" },
    });
    for (const s of [child.stdout, child.stderr]) s.on("data", (d) => (printed += d));
    child.on("error", fail);
    child.on("exit", (code) => {
      if (code !== 0)
        return fail(new Error(`wrangler deploy --dry-run -c ${config} failed (${code}):\n${printed}`));
      // One module: ours import nothing at run time (a second .js or a .wasm would need Miniflare's modules list).
      const modules = readdirSync(outdir).filter((f) => !f.endsWith(".map") && !f.endsWith(".md"));
      if (modules.length !== 1)
        return fail(new Error(`expected one module in ${outdir}, found: ${modules.join(", ")}`));
      done(join(outdir, modules[0]));
    });
  });
}
