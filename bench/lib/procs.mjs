// Processes and measuring: wrangler dev children (each in its own process group, stopped on exit), the
// workerd processes under each, and RSS/CPU read from /proc while a piece of work runs.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import WebSocket from "ws";

const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const children = new Set();

/** `wrangler dev -c config` on `port` with `vars`; `persist` moves its local state (D1, R2, DOs). */
export function wrangler(config, port, inspector, vars, persist) {
  const args = [
    "dev",
    "-c",
    config,
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
  ];
  if (persist) args.push("--persist-to", persist);
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", ["wrangler", ...args], { stdio: "ignore", detached: true });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Stops one wrangler dev (its whole process group) and waits until it has exited. */
export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
  const timeout = sleep(10_000).then(() => "timeout");
  if ((await Promise.race([exited, timeout])) === "timeout") {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    await exited;
  }
  // workerd may outlive its wrangler parent by a moment; the group's members are gone once kill fails.
  for (let i = 0; i < 40; i++) {
    try {
      process.kill(-child.pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

export function stopAll() {
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGTERM");
    } catch {}
  }
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

/** The gateway's D1 schema (migrations/) on the local database under `persist` (as `npm start` does). */
export function migrate(persist) {
  const args = ["wrangler", "d1", "migrations", "apply", "DB", "--local", "-c", "wrangler.toml"];
  if (persist) args.push("--persist-to", persist);
  const r = spawnSync("npx", args, { stdio: "ignore", env: { ...process.env, CI: "1" } });
  if (r.status !== 0) throw new Error(`wrangler d1 migrations apply failed (${r.status})`);
}

function descendants(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      if (ppid === pid) out.push(Number(entry), ...descendants(Number(entry)));
    } catch {}
  }
  return out;
}
export const workerdPids = (pid) =>
  descendants(pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd");
    } catch {
      return false;
    }
  });
const rssKiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const cpuTicks = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
};

/**
 * Samples the processes while `work` runs: peak RSS growth (summed), CPU seconds used, and when it started;
 * `cpuBetween(t0, t1)` is the CPU seconds used between two performance.now() times inside the run (25 ms
 * samples).
 */
export async function measured(pids, work) {
  const base = pids.map(rssKiB);
  const cpu0 = pids.reduce((n, p) => n + cpuTicks(p), 0);
  const timeline = [[performance.now(), cpu0]];
  let peak = 0;
  const timer = setInterval(() => {
    const growth = pids.reduce((n, p, i) => n + rssKiB(p) - base[i], 0);
    if (growth > peak) peak = growth;
    timeline.push([performance.now(), pids.reduce((n, p) => n + cpuTicks(p), 0)]);
  }, 25);
  const t0 = performance.now();
  let result;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = pids.reduce((n, p) => n + cpuTicks(p), 0);
  timeline.push([performance.now(), cpu1]);
  const ticksAt = (t) => (timeline.findLast(([at]) => at <= t) ?? timeline[0])[1];
  const cpuBetween = (from, to) => (ticksAt(to) - ticksAt(from)) / TICK;
  return {
    ...result,
    seconds,
    rssMiB: Math.max(0, peak) / 1024,
    cpuSeconds: (cpu1 - cpu0) / TICK,
    startedAt: t0,
    cpuBetween,
  };
}

/** Resolves once `url` answers at all (any status). */
export async function waitUp(url) {
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      return;
    } catch {}
    await sleep(250);
  }
  throw new Error(`${url} did not start`);
}

/**
 * A wrangler dev started for one measurement: up (answering `path`), settled for 1.5 s, with its workerd
 * processes found. `stop()` ends it.
 */
export async function started(config, port, inspector, vars, persist, path = "/healthz") {
  const child = wrangler(config, port, inspector, vars, persist);
  try {
    await waitUp(`http://127.0.0.1:${port}${path}`);
  } catch (error) {
    await stop(child);
    throw error;
  }
  await sleep(1500);
  return { child, pids: workerdPids(child.pid), url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

/**
 * The Worker isolate's V8 heap (MiB: used, total) through wrangler dev's DevTools port (Runtime.getHeapUsage):
 * the JS objects an isolate holds, apart from what else shares its workerd process (buffers, local D1).
 */
export async function heapOf(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? {};
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  try {
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const answer = new Promise((resolve) =>
      ws.on("message", (m) => {
        const message = JSON.parse(String(m));
        if (message.id === 1) resolve(message.result ?? {});
      }),
    );
    ws.send(JSON.stringify({ id: 1, method: "Runtime.getHeapUsage" }));
    const { usedSize = Number.NaN, totalSize = Number.NaN } = await answer;
    return { used: usedSize / 1048576, total: totalSize / 1048576 };
  } finally {
    ws.close();
  }
}
