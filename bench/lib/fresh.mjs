// Fresh-isolate memory: each measurement on a wrangler dev started for it alone (up, 1.5 s settled,
// baseline RSS), beside the bare pipe Worker and the least JS reader (bench/jspump: the gateway's reads and
// awaited writes, nothing else) measured the same way. BENCH_FRESH_REPS times each (3; quick 1).
// Where the gateway's MiB go: the same uploads "warmed", after one 64 KiB upload of the same kind before the
// baseline (what a first upload costs once, apart from what grows with the bytes), and each isolate's V8
// heap after the upload (Runtime.getHeapUsage), apart from the process's buffers.
import { fmt, MiB, median, multipart, upload } from "./client.mjs";
import { heapOf, measured, migrate, started } from "./procs.mjs";
import { auth, gatewayVars, inspectorOf, PORTS, scratchDir } from "./setup.mjs";

export async function fresh({ sink, quick, log }) {
  const reps = Number(process.env.BENCH_FRESH_REPS ?? (quick ? 1 : 3));
  // Quick: smaller files, the same shape (a smoke check that the section works, not the figures).
  const raw = quick ? 100 * MiB : 1024 * MiB;
  const mp = quick ? 50 * MiB : 200 * MiB;
  const each = quick ? 10e6 : 100e6;
  const persist = scratchDir("fresh");
  migrate(persist);
  const video = { "content-type": "video/mp4" };
  const form = multipart("clip.mp4", "video/mp4", { purpose: "video_understanding" });
  const formPlain = multipart("clip.mp4", "video/mp4");
  const CASES = [
    {
      name: `first ${raw / MiB} MiB raw upload (useapi raw→raw)`,
      gateway: (u, n = raw) => [
        upload(`${u}/v1/providers/useapi/files?filename=clip.mp4`, n, { ...auth, ...video }),
      ],
      pipe: (u, n = raw) => [upload(`${u}/useapi/v1/minimax/files/`, n, video)],
    },
    {
      name: `first ${mp / MiB} MiB multipart upload (minimax multipart→multipart)`,
      gateway: (u, n = mp) => [
        upload(
          `${u}/v1/providers/minimax/files`,
          n,
          { ...auth, "content-type": form.type },
          form.prefix,
          form.suffix,
        ),
      ],
      pipe: (u, n = mp) => [
        upload(
          `${u}/minimax/v1/files/upload`,
          n,
          { "content-type": formPlain.type },
          formPlain.prefix,
          formPlain.suffix,
        ),
      ],
    },
    {
      name: `8 concurrent ${each / 1e6} MB raw uploads (useapi raw→raw)`,
      gateway: (u, n = each) =>
        Array.from({ length: 8 }, () =>
          upload(`${u}/v1/providers/useapi/files?filename=clip.mp4`, n, { ...auth, ...video }),
        ),
      pipe: (u, n = each) =>
        Array.from({ length: 8 }, () => upload(`${u}/useapi/v1/minimax/files/`, n, video)),
    },
  ];
  // The JS reader sends what the pipe sends, to the same paths.
  // "Warmed": the same, after one 64 KiB upload of the same kind before the baseline, so what the first
  // upload costs once (the code's first run, local D1 opened and written, the provider's connection) is
  // told apart from what grows with the bytes.
  for (const c of CASES) {
    c.jspump = c.pipe;
    c.gatewayWarmed = c.gateway;
    c.jspumpWarmed = c.pipe;
  }
  const gatewayConfig = ["wrangler.toml", gatewayVars(sink.url), persist, "/healthz"];
  const jspumpConfig = ["bench/jspump/wrangler.toml", { SINK_URL: sink.url }, undefined, "/"];
  const CONFIG = {
    gateway: gatewayConfig,
    gatewayWarmed: gatewayConfig,
    jspump: jspumpConfig,
    jspumpWarmed: jspumpConfig,
    pipe: ["bench/pipe/wrangler.toml", { SINK_URL: sink.url }, undefined, "/"],
  };
  const results = [];
  for (const c of CASES) {
    const runs = { gateway: [], gatewayWarmed: [], jspump: [], jspumpWarmed: [], pipe: [] };
    for (let rep = 0; rep < reps; rep++) {
      for (const who of Object.keys(runs)) {
        const [config, vars, dir, path] = CONFIG[who];
        const proc = await started(config, PORTS.fresh, inspectorOf(PORTS.fresh), vars, dir, path);
        try {
          if (who.endsWith("Warmed")) await warm(c[who](proc.url, 64 * 1024));
          const r = await measured(proc.pids, async () => ({
            statuses: (await Promise.all(c[who](proc.url))).map((x) => x.status),
          }));
          r.heap = await heapOf(inspectorOf(PORTS.fresh)).catch(() => ({
            used: Number.NaN,
            total: Number.NaN,
          }));
          runs[who].push(r);
          log(
            `fresh ${who}: ${c.name} #${rep + 1}: ${r.statuses.join(",")} RSS +${fmt(r.rssMiB)} MiB, CPU ${fmt(r.cpuSeconds, 2)} s, ${fmt(r.seconds)} s, heap ${fmt(r.heap.total)} MiB`,
          );
        } finally {
          await proc.stop();
        }
      }
    }
    results.push({ ...c, runs });
  }

  const stat = (rs, f, d = 1) => `${fmt(median(rs.map(f)), d)} / ${fmt(Math.max(...rs.map(f)), d)}`;
  const rss = (r) => r.rssMiB;
  const over = (a, b) => median(a.map(rss)) - median(b.map(rss));
  const lines = [
    `Fresh-isolate memory: each measurement on a newly started wrangler dev (up, 1.5 s settled, then the baseline), ${reps} run(s) per row and contender, alternated; RSS growth MiB, median / max. "Warmed": the same upload after one 64 KiB upload of the same kind before the baseline (what a first upload costs once: the code's first run, local D1 opened and written — locally SQLite in the same workerd process —, the provider's connection). Heap: the Worker isolate's V8 heap after the upload (Runtime.getHeapUsage), total MiB, median.${quick ? " QUICK sizes." : ""}`,
    "",
    "| measurement | gateway | least JS reader | bare pipe | gateway over the JS reader | warmed: gateway; JS reader; over | isolate heap MiB (gateway; JS reader) | CPU s (gateway; JS reader; pipe) | statuses | target: ≤ JS reader + 4 MiB |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const { name, runs } of results) {
    const first = over(runs.gateway, runs.jspump);
    const warmed = over(runs.gatewayWarmed, runs.jspumpWarmed);
    const ok = runs.gateway.every((r) => r.statuses.every((s) => s >= 200 && s < 300));
    const statuses = (rs) => [...new Set(rs.flatMap((r) => r.statuses))].join(",");
    const heap = (rs) => fmt(median(rs.map((r) => r.heap.total)), 1);
    const cpu = (rs) => fmt(median(rs.map((r) => r.cpuSeconds)), 2);
    const signed = (x) => `${x >= 0 ? "+" : ""}${fmt(x, 1)}`;
    lines.push(
      `| ${name} | ${stat(runs.gateway, rss)} | ${stat(runs.jspump, rss)} | ${stat(runs.pipe, rss)} | ${signed(first)} | ${fmt(median(runs.gatewayWarmed.map(rss)), 1)}; ${fmt(median(runs.jspumpWarmed.map(rss)), 1)}; ${signed(warmed)} | ${heap(runs.gateway)}; ${heap(runs.jspump)} | ${cpu(runs.gateway)}; ${cpu(runs.jspump)}; ${cpu(runs.pipe)} | ${statuses(runs.gateway)}; ${statuses(runs.jspump)}; ${statuses(runs.pipe)} | ${ok && first <= 4 ? "PASS" : "MISS"}${ok && first > 4 && warmed <= 4 ? " (warmed: PASS)" : ""} |`,
    );
  }
  return lines;
}

/** A warm-up's uploads, each required to succeed. */
async function warm(uploads) {
  for (const r of await Promise.all(uploads))
    if (r.status >= 300) throw new Error(`warm-up upload: ${r.status}`);
  await new Promise((r) => setTimeout(r, 1000));
}
