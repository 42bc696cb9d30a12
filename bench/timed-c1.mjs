#!/usr/bin/env node
// The timed gateway (bench/timed/worker.ts) at concurrency 1 only: the median of each Server-Timing wait over
// N sequential 64 KiB raw uploads (bench/lib/latency.mjs folds every concurrency level into its medians).
import { upload } from "./lib/client.mjs";
import { auth, scratchGateway } from "./lib/setup.mjs";
import { startSink } from "./sink.mjs";

const N = Number(process.argv[2] ?? 200);
const sink = await startSink();
const timed = await scratchGateway("timed", "bench/timed/wrangler.toml", "timed", sink.url);
const send = () =>
  upload(`${timed.url}/v1/providers/useapi/files?filename=clip.mp4`, 64 * 1024, {
    ...auth,
    "content-type": "video/mp4",
  });
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  for (let i = 0; i < 30; i++) await send();
  const rows = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await send();
    const wall = performance.now() - t0;
    const t = Object.fromEntries(
      String(r.headers["server-timing"])
        .split(",")
        .map((e) => e.trim().split(";dur="))
        .map(([k, v]) => [k, Number(v)]),
    );
    rows.push({ ...t, wall });
  }
  const keys = Object.keys(rows[0]);
  console.log(keys.map((k) => `${k} ${med(rows.map((r) => r[k])).toFixed(1)}`).join(", "));
} finally {
  await timed.stop();
  process.exit(0);
}
