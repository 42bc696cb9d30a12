// `npm start` for end-to-end tests: the gateway and the sandbox under wrangler dev on ports of their own,
// stopped (the whole process group) when the test file ends. What they print is kept for logs().
import { spawn } from "node:child_process";

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startGateway(ports: { gateway: number; sandbox: number; inspector: number }) {
  const child = spawn("npm", ["start"], {
    env: {
      ...process.env,
      PORT: String(ports.gateway),
      SANDBOX_PORT: String(ports.sandbox),
      INSPECTOR_PORT: String(ports.inspector),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      // The last 4 MB is plenty for what a test looks for.
      output = (output + chunk).slice(-4_000_000);
    });
  }
  const base = `http://127.0.0.1:${ports.gateway}`;
  const sandbox = `http://127.0.0.1:${ports.sandbox}`;
  await waitFor(`${base}/healthz`, 60_000);
  await waitFor(`${sandbox}/__sandbox/received`, 30_000);
  return {
    base,
    sandbox,
    /** Everything npm start, wrangler and both Workers have printed so far. */
    logs: () => output,
    stop: () => {
      // npm, start.mjs and both wrangler dev processes.
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    },
  };
}
