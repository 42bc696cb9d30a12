#!/usr/bin/env node
// Paired before/after: scratch gateways built from the wrangler configs given (e.g. a worktree of the commit
// before and this one: `node bench/cpu-pair.mjs ../before/wrangler.toml wrangler.toml [N] [rounds]`) and the
// bare pipe, 64 KiB raw uploads in turn request by request, so the machine's load falls on all alike; each
// one's p50, its overhead over the pipe and its workerd CPU per upload. Work one leaves after its answer (a
// waitUntil) may land on the next one's request. docs/benchmark.md#where-a-small-uploads-time-goes.
import { upload } from "./lib/client.mjs";
import { measured, started } from "./lib/procs.mjs";
import { auth, gatewayVars, inspectorOf, PORTS, scratchDir } from "./lib/setup.mjs";
import { startSink } from "./sink.mjs";

const configs = process.argv.slice(2).filter((a) => a.endsWith(".toml"));
const [N = 300, ROUNDS = 3] = process.argv
  .slice(2)
  .filter((a) => !a.endsWith(".toml"))
  .map(Number);
const SIZE = 64 * 1024;
const sink = await startSink();
const gateway = async (config, port) => {
  const persist = scratchDir("pair");
  const { spawnSync } = await import("node:child_process");
  spawnSync(
    "npx",
    ["wrangler", "d1", "migrations", "apply", "DB", "--local", "-c", config, "--persist-to", persist],
    {
      stdio: "ignore",
      env: { ...process.env, CI: "1" },
    },
  );
  return started(config, port, inspectorOf(port), gatewayVars(sink.url), persist);
};
const gws = [];
for (const [i, c] of configs.entries()) gws.push(await gateway(c, PORTS.gateway + 10 + i));
const pipe = await started("bench/pipe/wrangler.toml", PORTS.pipe, inspectorOf(PORTS.pipe), {
  SINK_URL: sink.url,
});
const h = { "content-type": "video/mp4" };
const gw = (g) => () =>
  upload(`${g.url}/v1/providers/useapi/files?filename=clip.mp4`, SIZE, { ...auth, ...h });
const who = {
  ...Object.fromEntries(gws.map((g, i) => [String.fromCharCode(65 + i), [g.pids, gw(g)]])),
  pipe: [pipe.pids, () => upload(`${pipe.url}/useapi/v1/minimax/files/`, SIZE, h)],
};
const p50 = (x) => [...x].sort((m, n) => m - n)[Math.floor(x.length / 2)];
try {
  for (let i = 0; i < 50; i++) for (const [, f] of Object.values(who)) await f();
  for (let r = 0; r < ROUNDS; r++) {
    const t = Object.fromEntries(Object.keys(who).map((k) => [k, []]));
    const cpu = Object.fromEntries(Object.keys(who).map((k) => [k, 0]));
    for (let i = 0; i < N; i++) {
      for (const [k, [pids, f]] of Object.entries(who)) {
        const t0 = performance.now();
        const m = await measured(pids, async () => {
          const res = await f();
          if (res.status > 299) throw new Error(`${k} ${res.status} ${res.body}`);
          return {};
        });
        t[k].push(performance.now() - t0);
        cpu[k] += m.cpuSeconds * 1000;
      }
    }
    const f = (k) =>
      `${k} p50 ${p50(t[k]).toFixed(2)} (+${(p50(t[k]) - p50(t.pipe)).toFixed(2)}) cpu ${(cpu[k] / N).toFixed(2)}`;
    console.log(`round ${r}: ${Object.keys(who).map(f).join(" | ")}`);
  }
} finally {
  await Promise.all([...gws.map((g) => g.stop()), pipe.stop()]);
  process.exit(0);
}
