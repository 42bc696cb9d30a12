// `npm start` for end-to-end tests: the gateway and the sandbox (Miniflare on workerd) on ports chosen free at
// run time (so a user's own `npm start` on 8787/8788 and its DevTools ports, or another test run, is never
// hit), stopped (the whole process group) when the test file ends. What they print is kept for logs().
import { spawn } from "node:child_process";
import { type AddressInfo, createServer, type Server } from "node:net";

/** `n` distinct ports free right now: each bound to port 0 (all at once, so they differ), read, released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

async function waitFor(
  url: string,
  ms: number,
  exited: () => string | null,
  output: () => string,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const why = exited();
    if (why) throw new Error(`npm start exited (${why}) before ${url} came up:\n${output().slice(-3000)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `env`: extra environment for npm start (MAX_REQUEST_BYTES is passed on to the gateway). */
export async function startGateway(env: Record<string, string> = {}) {
  const [gateway, sandbox, inspector, sandboxInspector] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const child = spawn("npm", ["start"], {
    env: {
      ...process.env,
      PORT: String(gateway),
      SANDBOX_PORT: String(sandbox),
      INSPECTOR_PORT: String(inspector),
      SANDBOX_INSPECTOR_PORT: String(sandboxInspector),
      // One build from start to end: an edit made while the tests run must not restart the Workers under them.
      LIVE_RELOAD: "0",
      ...env,
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
  let exit: string | null = null;
  child.on("exit", (code, signal) => {
    exit = signal ?? `code ${code}`;
  });
  const stop = () => {
    // npm, start.mjs and both workerd processes (the group outlives npm if npm exited first).
    try {
      if (child.pid) process.kill(-child.pid, "SIGTERM");
    } catch {}
  };
  const base = `http://127.0.0.1:${gateway}`;
  const sandboxUrl = `http://127.0.0.1:${sandbox}`;
  try {
    await waitFor(
      `${base}/healthz`,
      60_000,
      () => exit,
      () => output,
    );
    await waitFor(
      `${sandboxUrl}/__sandbox/received`,
      30_000,
      () => exit,
      () => output,
    );
  } catch (error) {
    stop();
    throw error;
  }
  return {
    base,
    sandbox: sandboxUrl,
    ports: { gateway, sandbox, inspector, sandboxInspector },
    /** Everything npm start, Miniflare and both Workers have printed so far. */
    logs: () => output,
    stop,
  };
}
