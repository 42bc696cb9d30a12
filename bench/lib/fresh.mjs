// Fresh-isolate memory: each measurement on a wrangler dev started for it alone (up, 1.5 s settled,
// baseline RSS), beside the bare pipe Worker and the least JS reader (bench/jspump: the gateway's reads and
// awaited writes, nothing else) measured the same way. BENCH_FRESH_REPS times each (3; quick 1).
import { fmt, MiB, median, multipart, upload } from "./client.mjs";
import { measured, migrate, started } from "./procs.mjs";
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
      target: 16,
      gateway: (u) => [
        upload(`${u}/v1/providers/useapi/files?filename=clip.mp4`, raw, { ...auth, ...video }),
      ],
      pipe: (u) => [upload(`${u}/useapi/v1/minimax/files/`, raw, video)],
    },
    {
      name: `first ${mp / MiB} MiB multipart upload (minimax multipart→multipart)`,
      target: 16,
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
      target: 32,
      gateway: (u) =>
        Array.from({ length: 8 }, () =>
          upload(`${u}/v1/providers/useapi/files?filename=clip.mp4`, each, { ...auth, ...video }),
        ),
      pipe: (u) => Array.from({ length: 8 }, () => upload(`${u}/useapi/v1/minimax/files/`, each, video)),
    },
  ];
  // The JS reader sends what the pipe sends, to the same paths.
  for (const c of CASES) c.jspump = c.pipe;
  const CONFIG = {
    gateway: ["wrangler.toml", gatewayVars(sink.url), persist, "/healthz"],
    jspump: ["bench/jspump/wrangler.toml", { SINK_URL: sink.url }, undefined, "/"],
    pipe: ["bench/pipe/wrangler.toml", { SINK_URL: sink.url }, undefined, "/"],
  };
  const results = [];
  for (const c of CASES) {
    const runs = { gateway: [], jspump: [], pipe: [] };
    for (let rep = 0; rep < reps; rep++) {
      for (const who of ["gateway", "jspump", "pipe"]) {
        const [config, vars, dir, path] = CONFIG[who];
        const proc = await started(config, PORTS.fresh, inspectorOf(PORTS.fresh), vars, dir, path);
        try {
          const r = await measured(proc.pids, async () => ({
            statuses: (await Promise.all(c[who](proc.url))).map((x) => x.status),
          }));
          runs[who].push(r);
          log(
            `fresh ${who}: ${c.name} #${rep + 1}: ${r.statuses.join(",")} RSS +${fmt(r.rssMiB)} MiB, CPU ${fmt(r.cpuSeconds, 2)} s, ${fmt(r.seconds)} s`,
          );
        } finally {
          await proc.stop();
        }
      }
    }
    results.push({ ...c, runs });
  }

  const stat = (rs, f, d = 1) => `${fmt(median(rs.map(f)), d)} / ${fmt(Math.max(...rs.map(f)), d)}`;
  const lines = [
    `Fresh-isolate memory: each measurement on a newly started wrangler dev (up, 1.5 s settled, then the baseline), ${reps} run(s) per row and contender, alternated; median / max.${quick ? " QUICK sizes." : ""}`,
    "",
    "| measurement | gateway RSS growth MiB | least JS reader RSS growth MiB | bare pipe RSS growth MiB | gateway CPU s | least JS reader CPU s | bare pipe CPU s | statuses (gateway; JS reader; pipe) | gateway target |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const { name, target, runs } of results) {
    const worst = Math.max(...runs.gateway.map((r) => r.rssMiB));
    const ok = runs.gateway.every((r) => r.statuses.every((s) => s >= 200 && s < 300));
    const statuses = (rs) => [...new Set(rs.flatMap((r) => r.statuses))].join(",");
    lines.push(
      `| ${name} | ${stat(runs.gateway, (r) => r.rssMiB)} | ${stat(runs.jspump, (r) => r.rssMiB)} | ${stat(runs.pipe, (r) => r.rssMiB)} | ${stat(runs.gateway, (r) => r.cpuSeconds, 2)} | ${stat(runs.jspump, (r) => r.cpuSeconds, 2)} | ${stat(runs.pipe, (r) => r.cpuSeconds, 2)} | ${statuses(runs.gateway)}; ${statuses(runs.jspump)}; ${statuses(runs.pipe)} | ≤ ${target} MiB: ${ok && worst <= target ? "PASS" : "MISS"} |`,
    );
  }
  return lines;
}
