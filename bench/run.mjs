#!/usr/bin/env node
// `npm run bench [-- --quick]`: the gateway against a bare pipe Worker, a buffering Worker and a direct
// upload, side by side, on this machine. Contenders alternate run by run (A B C A B C …) and the table quotes
// medians and ratios, because client, workerd and sink share the cores. RSS and CPU are read from /proc for
// each contender's workerd processes. Writes bench/results.md.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import { startSink } from "./sink.mjs";

const QUICK = process.argv.includes("--quick");
const MiB = 1024 * 1024;
const KEY = "bench-key";
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

// ---------------------------------------------------------------- processes
const children = [];
function wrangler(config, port, inspector, vars) {
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
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", ["wrangler", ...args], { stdio: "ignore", detached: true });
  children.push(child);
  return child;
}
function stopAll() {
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGTERM");
    } catch {}
  }
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

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
const workerdPids = (pid) =>
  descendants(pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd");
    } catch {
      return false;
    }
  });
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime
};

/** Samples the processes while `work` runs: peak RSS growth (summed) and CPU seconds used. */
async function measured(pids, work) {
  const base = pids.map(rssKiB);
  const cpu0 = pids.reduce((n, p) => n + cpuTicks(p), 0);
  let peak = 0;
  const timer = setInterval(() => {
    const growth = pids.reduce((n, p, i) => n + rssKiB(p) - base[i], 0);
    if (growth > peak) peak = growth;
  }, 25);
  const t0 = performance.now();
  let result;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (pids.reduce((n, p) => n + cpuTicks(p), 0) - cpu0) / TICK;
  return { ...result, seconds, rssMiB: Math.max(0, peak) / 1024, cpuSeconds: cpu };
}

async function waitUp(url) {
  for (let i = 0; i < 240; i++) {
    try {
      await fetch(url);
      return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not start`);
}

// ---------------------------------------------------------------- client
const BLOCK = Buffer.alloc(MiB);
for (let i = 0; i < BLOCK.length; i += 4) BLOCK.writeUInt32LE((i * 2654435761) >>> 0, i);

/** The worst file content for the old multipart parser (a native indexOf call per CR): all CR bytes. */
const CR_BLOCK = Buffer.alloc(MiB, 13);

/** POSTs `size` bytes of `block` (framed by prefix/suffix) with Content-Length; resolves with the status. */
function upload(
  url,
  size,
  headers = {},
  prefix = Buffer.alloc(0),
  suffix = Buffer.alloc(0),
  method = "POST",
  block = BLOCK,
) {
  return new Promise((resolve) => {
    const req = request(url, {
      method,
      headers: { ...headers, "content-length": String(prefix.length + size + suffix.length) },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", (error) => resolve({ status: 0, body: String(error) }));
    (async () => {
      const write = (buf) => (req.write(buf) ? Promise.resolve() : new Promise((r) => req.once("drain", r)));
      await write(prefix);
      for (let sent = 0; sent < size; sent += MiB) await write(block.subarray(0, Math.min(MiB, size - sent)));
      await write(suffix);
      req.end();
    })();
  });
}

const BOUNDARY = "----benchboundary7MA4YWxkTrZu0gW";
const multipart = (filename, type, fields = {}) => ({
  prefix: Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join("") +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  ),
  suffix: Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  type: `multipart/form-data; boundary=${BOUNDARY}`,
});

// ---------------------------------------------------------------- setup
const sink = await startSink();
const PORTS = { gateway: 28787, pipe: 28788, buffering: 28789 };
const providerVars = Object.fromEntries(
  ["jimmy", "dify", "minimax", "useapi", "wavespeed"].flatMap((p) => [
    [`${p.toUpperCase()}_API_KEY`, "bench"],
    [`${p.toUpperCase()}_BASE_URL`, `${sink.url}/${p}${p === "dify" ? "/v1" : ""}`],
  ]),
);
const procs = {
  gateway: wrangler("wrangler.toml", PORTS.gateway, 29229, {
    GATEWAY_API_KEYS: KEY,
    MAX_REQUEST_BYTES: String(2 * 1024 * MiB),
    // Imports fetch from the sink's /origin on loopback.
    ALLOW_PRIVATE_NETWORK: "true",
    ...providerVars,
  }),
  pipe: wrangler("bench/pipe/wrangler.toml", PORTS.pipe, 29230, { SINK_URL: sink.url }),
  buffering: wrangler("bench/buffering/wrangler.toml", PORTS.buffering, 29231, { SINK_URL: sink.url }),
};
await Promise.all(Object.values(PORTS).map((p) => waitUp(`http://127.0.0.1:${p}/healthz`)));
await new Promise((r) => setTimeout(r, 1500));
const pids = Object.fromEntries(Object.entries(procs).map(([k, c]) => [k, workerdPids(c.pid)]));

const gw = (path) => `http://127.0.0.1:${PORTS.gateway}${path}`;
const auth = { authorization: `Bearer ${KEY}` };
const mmMinimax = multipart("clip.mp4", "video/mp4", { purpose: "video_understanding" });
const mmPlain = multipart("clip.mp4", "video/mp4");

/** Each contender: how to send `size` bytes, and whose processes to watch. */
const CONTENDERS = {
  direct: { pids: [], send: (n) => upload(`${sink.url}/direct`, n, { "content-type": "video/mp4" }) },
  pipe: {
    pids: pids.pipe,
    send: (n) =>
      upload(`http://127.0.0.1:${PORTS.pipe}/useapi/v1/minimax/files/`, n, { "content-type": "video/mp4" }),
  },
  "gateway raw→raw (useapi)": {
    pids: pids.gateway,
    send: (n) =>
      upload(gw("/v1/providers/useapi/files?filename=clip.mp4"), n, { ...auth, "content-type": "video/mp4" }),
  },
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

// ---------------------------------------------------------------- throughput, memory, CPU
// BENCH_SIZES_MIB=1024 BENCH_REPS=3 BENCH_ONLY='direct|raw→raw|import' narrow a run to some contenders.
const SIZES = process.env.BENCH_SIZES_MIB
  ? process.env.BENCH_SIZES_MIB.split(",").map((m) => Number(m) * MiB)
  : QUICK
    ? [MiB, 32 * MiB]
    : [MiB, 100 * MiB, 1024 * MiB];
const REPS = Number(process.env.BENCH_REPS ?? (QUICK ? 2 : 5));
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : Number.NaN;
};
const runs = {};
for (const size of SIZES) {
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, c] of Object.entries(CONTENDERS)) {
      if (ONLY && !ONLY.test(name)) continue;
      // The buffering gateway fails at 1 GiB (it cannot hold the file); one try shows it.
      if (name.startsWith("buffering") && size >= 1024 * MiB && rep > 0) continue;
      const r = await measured(c.pids, async () => c.send(size));
      const key = `${name}|${size}`;
      runs[key] = [...(runs[key] ?? []), r];
      process.stdout.write(
        `${name} ${size / MiB} MiB #${rep + 1}: ${r.status} ${(size / MiB / r.seconds).toFixed(0)} MB/s\n`,
      );
    }
  }
}

if (ONLY) {
  // A narrowed run prints its medians and stops (bench/results.md is left as the full run wrote it).
  for (const [key, rs] of Object.entries(runs)) {
    const [name, size] = key.split("|");
    const secs = median(rs.map((r) => r.seconds));
    const rss = median(rs.map((r) => r.rssMiB));
    const cpu = median(rs.map((r) => r.cpuSeconds));
    console.log(
      `${name} ${Number(size) / MiB} MiB: ${(Number(size) / MiB / secs).toFixed(0)} MiB/s, RSS +${rss.toFixed(0)} MiB, CPU ${cpu.toFixed(1)} s, statuses ${rs.map((r) => r.status).join(",")}`,
    );
  }
  process.exit(0);
}

// ---------------------------------------------------------------- latency
const LEVELS = QUICK ? [1, 16] : [1, 16, 64];
const PER_LEVEL = QUICK ? 64 : 320;
const latency = {};
for (const level of LEVELS) {
  for (const name of ["direct", "pipe", "gateway raw→raw (useapi)"]) {
    const times = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: level }, async () => {
        while (next < PER_LEVEL) {
          next++;
          const t0 = performance.now();
          await CONTENDERS[name].send(64 * 1024);
          times.push(performance.now() - t0);
        }
      }),
    );
    times.sort((a, b) => a - b);
    latency[`${name}|${level}`] = {
      p50: times[Math.floor(times.length * 0.5)],
      p99: times[Math.floor(times.length * 0.99)],
    };
  }
}

// ---------------------------------------------------------------- tus: 1 GiB in 50 MiB PATCHes, then delivery
let tus = null;
if (!QUICK) {
  const total = 1024 * MiB;
  const chunk = 50 * MiB;
  tus = await measured(pids.gateway, async () => {
    const created = await fetch(gw("/v1/tus"), {
      method: "POST",
      headers: {
        ...auth,
        "tus-resumable": "1.0.0",
        "upload-length": String(total),
        "upload-metadata": `provider ${btoa("useapi")},filename ${btoa("big.mp4")}`,
      },
    });
    const location = created.headers.get("location");
    let status = created.status;
    for (let offset = 0; offset < total && status < 300; offset += chunk) {
      const n = Math.min(chunk, total - offset);
      const r = await upload(
        location,
        n,
        {
          ...auth,
          "tus-resumable": "1.0.0",
          "content-type": "application/offset+octet-stream",
          "upload-offset": String(offset),
        },
        undefined,
        undefined,
        "PATCH",
      );
      status = r.status;
    }
    return { status };
  });
}

// ---------------------------------------------------------------- bundle
const build = spawn("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], { stdio: "ignore" });
await new Promise((r) => build.on("exit", r));
const bundleGzipKiB = gzipSync(readFileSync("dist/index.js")).length / 1024;

// ---------------------------------------------------------------- report
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "—");
const mbps = (name, size) =>
  median((runs[`${name}|${size}`] ?? []).filter((r) => r.status < 300).map((r) => size / MiB / r.seconds));
const lines = [];
const versions = readFileSync("node_modules/workerd/package.json", "utf8");
lines.push(
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, workerd ${JSON.parse(versions).version}, wrangler dev (local). ${QUICK ? "QUICK run: smoke check only." : ""}`,
);
lines.push(
  `Runs: ${REPS} per contender and size, alternated; medians. Sink: Node on loopback. MB/s = MiB/s of file bytes.`,
);
lines.push("");
lines.push(
  `| contender | ${SIZES.map((s) => `${s / MiB} MiB MB/s`).join(" | ")} | × pipe (${SIZES.at(-1) / MiB} MiB) | peak RSS growth MiB (${SIZES.map((x) => x / MiB).join(" / ")} MiB) | workerd CPU s/GiB (${SIZES.at(-1) / MiB} MiB) | failures |`,
);
lines.push(`|---|${SIZES.map(() => "---").join("|")}|---|---|---|---|`);
const big = SIZES.at(-1);
const rssAt = (name, size) =>
  median((runs[`${name}|${size}`] ?? []).filter((r) => r.status < 300).map((r) => r.rssMiB));
for (const name of Object.keys(CONTENDERS)) {
  const rs = runs[`${name}|${big}`] ?? [];
  const ok = rs.filter((r) => r.status < 300);
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
lines.push("");
lines.push(`64 KiB uploads, latency ms (p50 / p99), ${PER_LEVEL} requests per level:`);
lines.push("");
lines.push(`| contender | ${LEVELS.map((l) => `c=${l}`).join(" | ")} |`);
lines.push(`|---|${LEVELS.map(() => "---").join("|")}|`);
for (const name of ["direct", "pipe", "gateway raw→raw (useapi)"]) {
  lines.push(
    `| ${name} | ${LEVELS.map((l) => `${fmt(latency[`${name}|${l}`].p50)} / ${fmt(latency[`${name}|${l}`].p99)}`).join(" | ")} |`,
  );
}
const p50gap = latency[`gateway raw→raw (useapi)|1`].p50 - latency["pipe|1"].p50;
lines.push("");
lines.push(`Gateway p50 overhead over the pipe at c=1: ${fmt(p50gap, 2)} ms.`);
if (tus) {
  lines.push(
    `tus: 1 GiB in 50 MiB PATCHes into R2, then delivery to useapi: ${tus.status} in ${fmt(tus.seconds)} s (${fmt(1024 / tus.seconds, 0)} MB/s end to end), peak RSS growth ${fmt(tus.rssMiB)} MiB, workerd CPU ${fmt(tus.cpuSeconds, 1)} s (local R2 runs in the same workerd; see README).`,
  );
}
lines.push(
  `Bundle: ${fmt(bundleGzipKiB)} KiB gzip (budget 64 KiB). Sink saw ${sink.stats.requests} requests, ${sink.stats.mismatches} with a body not matching its Content-Length.`,
);
const report = lines.join("\n");
console.log(`\n${report}`);
if (!QUICK)
  writeFileSync(
    "bench/results.md",
    `# Benchmark results\n\n\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}.\n\n${report}\n`,
  );
sink.close();
process.exit(0);
