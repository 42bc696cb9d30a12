// What every section shares: ports, the gateway's vars, scratch state directories.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, started } from "./procs.mjs";

export const KEY = "bench-key";
export const auth = { authorization: `Bearer ${KEY}` };

// BENCH_PORT moves every port (a second bench beside a running one): wrangler dev ports from it, DevTools
// ports 442 above each.
const BASE = Number(process.env.BENCH_PORT ?? 28787);
const OFFSETS = {
  gateway: 0,
  pipe: 1,
  buffering: 2,
  fresh: 3,
  r2pipe: 4,
  slowGateway: 5,
  timed: 6,
  jspump: 7,
};
export const PORTS = Object.fromEntries(Object.entries(OFFSETS).map(([k, o]) => [k, BASE + o]));
export const inspectorOf = (port) => port + 442;

/** The gateway's vars: every provider pointed at `base` (the sink, or a throttled path of it). */
export const gatewayVars = (base) => ({
  GATEWAY_API_KEYS: KEY,
  // Runtime keys (POST /v1/keys) are stored as an HMAC under it: the latency section measures their lookup.
  SIGNING_SECRET: "bench-signing-secret",
  MAX_REQUEST_BYTES: String(2 * 1024 * 1024 * 1024),
  // Imports fetch from the sink's /origin on loopback.
  ALLOW_PRIVATE_NETWORK: "true",
  ...Object.fromEntries(
    ["jimmy", "dify", "minimax", "useapi", "wavespeed"].flatMap((p) => [
      [`${p.toUpperCase()}_API_KEY`, "bench"],
      [`${p.toUpperCase()}_BASE_URL`, `${base}/${p}${p === "dify" ? "/v1" : ""}`],
    ]),
  ),
});

const scratch = [];
/** A fresh directory for a process's local state (--persist-to), removed when the bench exits. */
export function scratchDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `mediagate-bench-${name}-`));
  scratch.push(dir);
  return dir;
}
process.on("exit", () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/**
 * A gateway of its own for one section: `config` (the root wrangler.toml, or a bench wrapper of it) on the
 * port named `port`, its providers at `base`, its state (migrated D1, R2, Durable Objects) in a fresh
 * directory. `stop()` ends it.
 */
export function scratchGateway(name, config, port, base) {
  const persist = scratchDir(name);
  migrate(persist);
  return started(config, PORTS[port], inspectorOf(PORTS[port]), gatewayVars(base), persist);
}
