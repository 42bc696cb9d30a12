#!/usr/bin/env node
// `npm run bench [-- --quick]`: the gateway against a bare pipe Worker, a buffering Worker and a direct
// upload, side by side, on this machine. Contenders alternate run by run (A B C A B C …) and the table quotes
// medians and ratios, because client, workerd and sink share the cores. RSS and CPU are read from /proc for
// each contender's workerd processes. Then: fresh-isolate memory (bench/lib/fresh.mjs), latency, a load run
// (bench/lib/load.mjs), a rate-limited provider (bench/lib/throttled.mjs), tus delivery beside a bare R2 pipe
// (bench/lib/tus.mjs), parallel tus through a per-connection rate limit
// (bench/lib/parallel-tus.mjs) and the bundle size. Writes bench/results.md (a full run only), which `npm run generate` copies into docs/benchmark.md.
//
// Knobs: BENCH_PARTS=fresh,load,throttled,tus,parallel-tus,latency,throughput runs only those sections (and writes no
// results.md); BENCH_SIZES_MIB=1024 BENCH_REPS=3 BENCH_ONLY='direct|raw→raw|import' narrow the throughput
// section (BENCH_ONLY alone runs only that section); BENCH_FRESH_REPS, BENCH_LOAD_SECONDS; BENCH_PORT moves
// every port.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import { CR_BLOCK, fmt, MiB, median, multipart, upload } from "./lib/client.mjs";
import { fresh } from "./lib/fresh.mjs";
import { latency } from "./lib/latency.mjs";
import { load } from "./lib/load.mjs";
import { parallelTus } from "./lib/parallel-tus.mjs";
import { measured, migrate, stop, waitUp, workerdPids, wrangler } from "./lib/procs.mjs";
import { auth, gatewayVars, inspectorOf, PORTS } from "./lib/setup.mjs";
import { throttled } from "./lib/throttled.mjs";
import { tus } from "./lib/tus.mjs";
import { startSink } from "./sink.mjs";

const QUICK = process.argv.includes("--quick");
const ALL_PARTS = ["throughput", "fresh", "latency", "load", "throttled", "tus", "parallel-tus"];
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const PARTS = process.env.BENCH_PARTS
  ? process.env.BENCH_PARTS.split(",").map((p) => p.trim())
  : ONLY
    ? ["throughput"]
    : ALL_PARTS;
for (const p of PARTS) if (!ALL_PARTS.includes(p)) throw new Error(`BENCH_PARTS: unknown part ${p}`);
const NARROWED = PARTS.length < ALL_PARTS.length || ONLY !== null;
const part = (name) => PARTS.includes(name);
const log = (line) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------- setup: the warmed processes
const sink = await startSink();
const need = {
  gateway: ["throughput", "latency", "load", "tus", "parallel-tus"].some(part),
  pipe: ["throughput", "latency", "load"].some(part),
  buffering: part("throughput"),
  jspump: part("throughput"),
};
if (need.gateway) migrate(); // the registry's schema on the gateway's local D1 (.wrangler/state), as npm start does
const CONFIGS = {
  gateway: ["wrangler.toml", gatewayVars(sink.url)],
  pipe: ["bench/pipe/wrangler.toml", { SINK_URL: sink.url }],
  buffering: ["bench/buffering/wrangler.toml", { SINK_URL: sink.url }],
  jspump: ["bench/jspump/wrangler.toml", { SINK_URL: sink.url }],
};
const procs = {};
for (const [name, [config, vars]] of Object.entries(CONFIGS)) {
  if (need[name]) procs[name] = wrangler(config, PORTS[name], inspectorOf(PORTS[name]), vars);
}
await Promise.all(Object.keys(procs).map((name) => waitUp(`http://127.0.0.1:${PORTS[name]}/healthz`)));
await new Promise((r) => setTimeout(r, 1500));
const pids = Object.fromEntries(Object.entries(procs).map(([k, c]) => [k, workerdPids(c.pid)]));

const gatewayUrl = `http://127.0.0.1:${PORTS.gateway}`;
const gw = (path) => `${gatewayUrl}${path}`;
const mmMinimax = multipart("clip.mp4", "video/mp4", { purpose: "video_understanding" });
const mmPlain = multipart("clip.mp4", "video/mp4");

const rawUseapi = (headers) => (n) =>
  upload(gw("/v1/providers/useapi/files?filename=clip.mp4"), n, { ...headers, "content-type": "video/mp4" });

/** Each contender: how to send `size` bytes, and whose processes to watch. */
const CONTENDERS = {
  direct: { pids: [], send: (n) => upload(`${sink.url}/direct`, n, { "content-type": "video/mp4" }) },
  pipe: {
    pids: pids.pipe,
    send: (n) =>
      upload(`http://127.0.0.1:${PORTS.pipe}/useapi/v1/minimax/files/`, n, { "content-type": "video/mp4" }),
  },
  // The least JS reader (bench/jspump): the gateway's reads and awaited writes, nothing else; its CPU is the
  // floor the gateway's rows are judged against, raw against raw uploads and multipart against multipart.
  "least JS reader, raw": {
    pids: pids.jspump,
    send: (n) =>
      upload(`http://127.0.0.1:${PORTS.jspump}/useapi/v1/minimax/files/`, n, { "content-type": "video/mp4" }),
  },
  "least JS reader, multipart": {
    pids: pids.jspump,
    send: (n) =>
      upload(
        `http://127.0.0.1:${PORTS.jspump}/minimax/v1/files/upload`,
        n,
        { "content-type": mmPlain.type },
        mmPlain.prefix,
        mmPlain.suffix,
      ),
  },
  "gateway raw→raw (useapi)": { pids: pids.gateway, send: rawUseapi(auth) },
  "gateway raw→multipart (dify)": {
    pids: pids.gateway,
    send: (n) =>
      upload(gw("/v1/providers/dify/files?filename=clip.mp4"), n, { ...auth, "content-type": "video/mp4" }),
  },
  "gateway multipart→multipart +field (minimax)": {
    pids: pids.gateway,
    send: (n) =>
      upload(
        gw("/v1/providers/minimax/files"),
        n,
        { ...auth, "content-type": mmMinimax.type },
        mmMinimax.prefix,
        mmMinimax.suffix,
      ),
  },
  "gateway multipart→multipart, a file of CR bytes (minimax)": {
    pids: pids.gateway,
    send: (n) =>
      upload(
        gw("/v1/providers/minimax/files"),
        n,
        { ...auth, "content-type": mmMinimax.type },
        mmMinimax.prefix,
        mmMinimax.suffix,
        "POST",
        CR_BLOCK,
      ),
  },
  // The same bytes imported from a local origin (the sink's GET /origin) instead of uploaded.
  "gateway import→raw (useapi)": {
    pids: pids.gateway,
    send: (n) =>
      upload(
        gw("/v1/providers/useapi/files"),
        0,
        { ...auth, "content-type": "application/json" },
        Buffer.from(JSON.stringify({ url: `${sink.url}/origin/${n}/clip.mp4` })),
      ),
  },
  "buffering raw": {
    pids: pids.buffering,
    send: (n) =>
      upload(`http://127.0.0.1:${PORTS.buffering}/useapi/v1/minimax/files/`, n, {
        "content-type": "video/mp4",
      }),
  },
  "buffering multipart": {
    pids: pids.buffering,
    send: (n) =>
      upload(
        `http://127.0.0.1:${PORTS.buffering}/minimax/v1/files/upload`,
        n,
        { "content-type": mmPlain.type },
        mmPlain.prefix,
        mmPlain.suffix,
      ),
  },
};

// ---------------------------------------------------------------- throughput, memory, CPU (warmed)
// BENCH_SIZES_MIB=1024 BENCH_REPS=3 BENCH_ONLY='direct|raw→raw|import' narrow a run to some contenders.
const SIZES = process.env.BENCH_SIZES_MIB
  ? process.env.BENCH_SIZES_MIB.split(",").map((m) => Number(m) * MiB)
  : QUICK
    ? [MiB, 32 * MiB]
    : [MiB, 100 * MiB, 1024 * MiB];
const REPS = Number(process.env.BENCH_REPS ?? (QUICK ? 2 : 5));
const runs = {};
if (part("throughput")) {
  for (const size of SIZES) {
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, c] of Object.entries(CONTENDERS)) {
        if (ONLY && !ONLY.test(name)) continue;
        // The buffering gateway fails at 1 GiB (it cannot hold the file); one try shows it.
        if (name.startsWith("buffering") && size >= 1024 * MiB && rep > 0) continue;
        const r = await measured(c.pids, async () => c.send(size));
        const key = `${name}|${size}`;
        runs[key] = [...(runs[key] ?? []), r];
        log(`${name} ${size / MiB} MiB #${rep + 1}: ${r.status} ${(size / MiB / r.seconds).toFixed(0)} MB/s`);
      }
    }
  }
  if (NARROWED) {
    // A narrowed run prints its medians (bench/results.md is left as the full run wrote it).
    for (const [key, rs] of Object.entries(runs)) {
      const [name, size] = key.split("|");
      const secs = median(rs.map((r) => r.seconds));
      const rss = median(rs.map((r) => r.rssMiB));
      const cpu = median(rs.map((r) => r.cpuSeconds));
      log(
        `${name} ${Number(size) / MiB} MiB: ${(Number(size) / MiB / secs).toFixed(0)} MiB/s, RSS +${rss.toFixed(0)} MiB, CPU ${cpu.toFixed(1)} s, statuses ${rs.map((r) => r.status).join(",")}`,
      );
    }
  }
}

// ---------------------------------------------------------------- sections on the warmed gateway
const ctx = {
  sink,
  quick: QUICK,
  gatewayUrl,
  pids: pids.gateway,
  pipe: { url: `http://127.0.0.1:${PORTS.pipe}`, pids: pids.pipe },
  log,
};
const latencyLines = part("latency") ? await latency(ctx) : null;
const loadLines = part("load") ? await load(ctx) : null;
const tusLines = part("tus") ? await tus(ctx) : null;
const parallelTusLines = part("parallel-tus") ? await parallelTus(ctx) : null;

// ---------------------------------------------------------------- sections on processes of their own
for (const child of Object.values(procs)) await stop(child);
const freshLines = part("fresh") ? await fresh(ctx) : null;
const throttledLines = part("throttled") ? await throttled(ctx) : null;

// ---------------------------------------------------------------- bundle
let bundleGzipKiB = Number.NaN;
if (!NARROWED) {
  const build = spawn("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], { stdio: "ignore" });
  await new Promise((r) => build.on("exit", r));
  bundleGzipKiB = gzipSync(readFileSync("dist/index.js")).length / 1024;
}

// ---------------------------------------------------------------- report
/** The gateway's rows against their targets: CPU per GiB over the least JS reader's, throughput over the pipe's. */
function judged(runs, big, mbps) {
  const cpuOf = (name) =>
    median((runs[`${name}|${big}`] ?? []).filter((r) => r.status < 300).map((r) => r.cpuSeconds));
  const rows = [
    ["gateway raw→raw (useapi)", "least JS reader, raw"],
    ["gateway raw→multipart (dify)", "least JS reader, raw"],
    ["gateway multipart→multipart +field (minimax)", "least JS reader, multipart"],
  ].filter(([name]) => !ONLY || ONLY.test(name));
  const out = [];
  for (const [name, floor] of rows) {
    const cpu = cpuOf(name) / cpuOf(floor);
    const speed = mbps(name, big) / mbps("pipe", big);
    out.push(
      `${name}, ${big / MiB} MiB: CPU ${fmt(cpu, 2)}× the ${floor.replace("least JS reader, ", "least JS reader's ")} (target ≤ 1.15: ${cpu <= 1.15 ? "PASS" : "MISS"}); throughput ${fmt(speed, 2)}× the pipe (target ≥ 0.9: ${speed >= 0.9 ? "PASS" : "MISS"}).`,
    );
  }
  return out.map((line) => `- ${line}`);
}

const lines = [];
const versions = readFileSync("node_modules/workerd/package.json", "utf8");
lines.push(
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, workerd ${JSON.parse(versions).version}, wrangler dev (local). ${QUICK ? "QUICK run: smoke check only." : ""}`,
);
if (part("throughput")) {
  const mbps = (name, size) =>
    median((runs[`${name}|${size}`] ?? []).filter((r) => r.status < 300).map((r) => size / MiB / r.seconds));
  const rssAt = (name, size) =>
    median((runs[`${name}|${size}`] ?? []).filter((r) => r.status < 300).map((r) => r.rssMiB));
  const big = SIZES.at(-1);
  lines.push(
    `Runs: ${REPS} per contender and size, alternated; medians. Sink: Node on loopback. MB/s = MiB/s of file bytes. Warmed processes (started once for this table).`,
  );
  lines.push("");
  lines.push(
    `| contender | ${SIZES.map((s) => `${s / MiB} MiB MB/s`).join(" | ")} | × pipe (${big / MiB} MiB) | peak RSS growth MiB (${SIZES.map((x) => x / MiB).join(" / ")} MiB) | workerd CPU s/GiB (${big / MiB} MiB) | failures |`,
  );
  lines.push(`|---|${SIZES.map(() => "---").join("|")}|---|---|---|---|`);
  for (const name of Object.keys(CONTENDERS)) {
    if (ONLY && !ONLY.test(name)) continue;
    const ok = (runs[`${name}|${big}`] ?? []).filter((r) => r.status < 300);
    const failures = Object.entries(runs)
      .filter(([k]) => k.startsWith(`${name}|`))
      .flatMap(([, v]) => v)
      .filter((r) => r.status >= 300 || r.status === 0).length;
    const ratio = mbps(name, big) / mbps("pipe", big);
    const cpu = median(ok.map((r) => r.cpuSeconds / (big / (1024 * MiB))));
    lines.push(
      `| ${name} | ${SIZES.map((s) => fmt(mbps(name, s), 0)).join(" | ")} | ${fmt(ratio, 2)} | ${name === "direct" ? "—" : SIZES.map((x) => fmt(rssAt(name, x), 1)).join(" / ")} | ${name === "direct" ? "—" : fmt(cpu, 2)} | ${failures} |`,
    );
  }
  lines.push("", ...judged(runs, big, mbps));
}
if (freshLines) lines.push("", ...freshLines);
if (latencyLines) lines.push("", ...latencyLines);
if (loadLines) lines.push("", ...loadLines);
if (throttledLines) lines.push("", ...throttledLines);
if (tusLines) lines.push("", ...tusLines);
if (parallelTusLines) lines.push("", ...parallelTusLines);
lines.push("");
if (!NARROWED) lines.push(`Bundle: ${fmt(bundleGzipKiB)} KiB gzip (budget 96 KiB).`);
lines.push(
  `Sink saw ${sink.stats.requests} requests, ${sink.stats.mismatches} with a body not matching its Content-Length; ${sink.stats.checked} bodies checked against their SHA-256, ${sink.stats.hashMismatches} mismatched.`,
);
const report = lines.join("\n");
console.log(`\n${report}`);
if (!QUICK && !NARROWED)
  writeFileSync(
    "bench/results.md",
    `# Benchmark results\n\n\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.\n\n${report}\n`,
  );
sink.close();
process.exit(0);
