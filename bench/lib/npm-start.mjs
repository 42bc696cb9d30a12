// `npm start` (the gateway and the sandbox on Miniflare, local D1) on free ports, for the benches that measure
// the gateway as a new user runs it (bench/dedupe.mjs, bench/reuse.mjs). Stopped when the bench exits.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `npm start` with `env` added; resolves once /healthz answers. */
export async function startLocal(env = {}) {
  const [port, sandboxPort, inspector, sandboxInspector] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const child = spawn("node", ["scripts/start.mjs"], {
    env: {
      ...process.env,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      INSPECTOR_PORT: String(inspector),
      SANDBOX_INSPECTOR_PORT: String(sandboxInspector),
      // One build for the whole measurement.
      LIVE_RELOAD: "0",
      ...env,
    },
    stdio: "ignore",
    detached: true,
  });
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  };
  process.on("exit", stop);
  process.on("SIGINT", () => process.exit(130));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (i > 240) throw new Error("npm start did not come up");
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, sandbox: `http://127.0.0.1:${sandboxPort}`, stop };
}
