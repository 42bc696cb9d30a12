// Fresh-isolate memory: each measurement on a wrangler dev started for it alone (up, 1.5 s settled,
// baseline RSS), beside the bare pipe Worker and the least JS reader (bench/jspump: the gateway's reads and
// awaited writes, nothing else) measured the same way. BENCH_FRESH_REPS times each (3; quick 1).
// Where the gateway's MiB go: the same first upload with local D1 opened before the baseline (locally D1
// is SQLite inside the same workerd process; in production it is a service of its own), and each isolate's
// V8 heap after the upload (Runtime.getHeapUsage), apart from the process's buffers.
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
      gateway: (u) => [
        upload(`${u}/v1/providers/useapi/files?filename=clip.mp4`, raw, { ...auth, ...video }),
      ],
      pipe: (u) => [upload(`${u}/useapi/v1/minimax/files/`, raw, video)],
    },
    {
      name: `first ${mp / MiB} MiB multipart upload (minimax multipart→multipart)`,
      gateway: (u) => [
        upload(
          `${u}/v1/providers/minimax/files`,
          mp,
          { ...auth, "content-type": form.type },
          form.prefix,
          form.suffix,
        ),
      ],
      pipe: (u) => [
        upload(
          `${u}/minimax/v1/files/upload`,
          mp,
          { "content-type": formPlain.type },
          formPlain.prefix,
          formPlain.suffix,
        ),
      ],
    },
    {
      name: `8 concurrent ${each / 1e6} MB raw uploads (useapi raw→raw)`,
      gateway: (u) =>
        Array.from({ length: 8 }, () =>
          upload(`${u}/v1/providers/useapi/files?filename=clip.mp4`, each, { ...auth, ...video }),
        ),
      pipe: (u) => Array.from({ length: 8 }, () => upload(`${u}/useapi/v1/minimax/files/`, each, video)),
    },
  ];
  // The JS reader sends what the pipe sends, to the same paths.
  for (const c of CASES) {
    c.jspump = c.pipe;
    c.opened = c.gateway;
  }
  const CONFIG = {
    gateway: ["wrangler.toml", gatewayVars(sink.url), persist, "/healthz"],
    opened: ["wrangler.toml", gatewayVars(sink.url), persist, "/healthz"],
    jspump: ["bench/jspump/wrangler.toml", { SINK_URL: sink.url }, undefined, "/"],
    pipe: ["bench/pipe/wrangler.toml", { SINK_URL: sink.url }, undefined, "/"],
  };
  const results = [];
  for (const c of CASES) {
    const runs = { gateway: [], opened: [], jspump: [], pipe: [] };
    for (let rep = 0; rep < reps; rep++) {
      for (const who of ["gateway", "opened", "jspump", "pipe"]) {
        const [config, vars, dir, path] = CONFIG[who];
        const proc = await started(config, PORTS.fresh, inspectorOf(PORTS.fresh), vars, dir, path);
        try {
          if (who === "opened") await openD1(proc.url);
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
  const lines = [
    `Fresh-isolate memory: each measurement on a newly started wrangler dev (up, 1.5 s settled, then the baseline), ${reps} run(s) per row and contender, alternated; median / max. "D1 opened first": the same first upload after a GET /v1/files before the baseline (local D1 is SQLite in the same workerd process). Heap: the Worker isolate's V8 heap after the upload (Runtime.getHeapUsage), total MiB, median.${quick ? " QUICK sizes." : ""}`,
    "",
    "| measurement | gateway RSS growth MiB | gateway, D1 opened first | least JS reader | bare pipe | gateway over the JS reader (medians) | isolate heap MiB (gateway; JS reader) | CPU s (gateway; JS reader; pipe) | statuses | target: ≤ JS reader + 4 MiB |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const { name, runs } of results) {
    const over = median(runs.gateway.map(rss)) - median(runs.jspump.map(rss));
    const ok = runs.gateway.every((r) => r.statuses.every((s) => s >= 200 && s < 300));
    const statuses = (rs) => [...new Set(rs.flatMap((r) => r.statuses))].join(",");
    const heap = (rs) => fmt(median(rs.map((r) => r.heap.total)), 1);
    const cpu = (rs) => fmt(median(rs.map((r) => r.cpuSeconds)), 2);
    lines.push(
      `| ${name} | ${stat(runs.gateway, rss)} | ${stat(runs.opened, rss)} | ${stat(runs.jspump, rss)} | ${stat(runs.pipe, rss)} | +${fmt(over, 1)} (D1 opened first: +${fmt(median(runs.opened.map(rss)) - median(runs.jspump.map(rss)), 1)}) | ${heap(runs.gateway)}; ${heap(runs.jspump)} | ${cpu(runs.gateway)}; ${cpu(runs.jspump)}; ${cpu(runs.pipe)} | ${statuses(runs.gateway)}; ${statuses(runs.jspump)}; ${statuses(runs.pipe)} | ${ok && over <= 4 ? "PASS" : "MISS"} |`,
    );
  }
  return lines;
}

/** Opens the gateway's local D1 (a registry read) before a measurement's baseline. */
async function openD1(url) {
  const res = await fetch(`${url}/v1/files`, { headers: auth });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET /v1/files: ${res.status}`);
  await new Promise((r) => setTimeout(r, 1000));
}
