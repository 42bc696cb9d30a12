// The load run: 64 concurrent 1 MiB uploads (useapi raw→raw and dify raw→multipart, alternating) mixed with
// 8 concurrent 100 MB ones (useapi raw→raw) through the warmed gateway for 60 s (quick: 10 s), capped at
// 100,000 requests. The client runs in its own process (bench/lib/load-client.mjs); the sink hashes every
// body and compares it with the SHA-256 the client put in the URL.
import { spawn } from "node:child_process";
import { fmt } from "./client.mjs";
import { measured } from "./procs.mjs";
import { auth } from "./setup.mjs";

export async function load({ sink, quick, gatewayUrl, pids, log }) {
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? (quick ? 10 : 60));
  const job = {
    seconds,
    cap: 100_000,
    graceMs: 120_000,
    headers: { ...auth, "content-type": "video/mp4" },
    small: {
      workers: 64,
      size: 1024 * 1024,
      urls: [
        `${gatewayUrl}/v1/providers/useapi/files?filename=clip.mp4&account={sha}`,
        `${gatewayUrl}/v1/providers/dify/files?filename={sha}.mp4`,
      ],
    },
    big: {
      workers: 8,
      size: 100e6,
      urls: [`${gatewayUrl}/v1/providers/useapi/files?filename=big.mp4&account={sha}`],
    },
  };
  const before = { ...sink.stats };
  sink.verify = true;
  const r = await measured(pids, async () => {
    const child = spawn(process.execPath, ["bench/lib/load-client.mjs", JSON.stringify(job)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    if (code !== 0) throw new Error(`load client exited ${code}`);
    return { classes: JSON.parse(out) };
  });
  sink.verify = false;
  const checked = sink.stats.checked - before.checked;
  const mismatched = sink.stats.hashMismatches - before.hashMismatches;
  const lengthMismatches = sink.stats.mismatches - before.mismatches;
  const { small = {}, big = {} } = r.classes;
  const requests = (small.requests ?? 0) + (big.requests ?? 0);
  const failures = (small.failures ?? 0) + (big.failures ?? 0);
  for (const [name, c] of Object.entries(r.classes)) {
    log(
      `load ${name}: ${JSON.stringify(c.statuses)} ${c.errors.length ? `e.g. ${c.errors.join(" | ")}` : ""}`,
    );
  }
  const verdict = failures === 0 && mismatched === 0 && checked === requests ? "PASS" : "MISS";
  return [
    `Load: 64 concurrent 1 MiB uploads (useapi raw→raw and dify raw→multipart, alternating) with 8 concurrent 100 MB uploads (useapi raw→raw) through the warmed gateway for ${seconds} s (${fmt(r.seconds)} s with the last answers), every body distinct: ${requests} requests (${small.requests ?? 0} × 1 MiB, ${big.requests ?? 0} × 100 MB), ${failures} failures (non-2xx or network error); latency p50 / p99 ${fmt(small.p50, 0)} / ${fmt(small.p99, 0)} ms (1 MiB), ${fmt(big.p50, 0)} / ${fmt(big.p99, 0)} ms (100 MB); peak workerd RSS growth ${fmt(r.rssMiB)} MiB, workerd CPU ${fmt(r.cpuSeconds)} s; the sink hashed ${checked} received bodies against the SHA-256 the client sent: ${mismatched} mismatches (${lengthMismatches} short or long bodies). Goal 0 failures, 0 mismatches: ${verdict}.`,
  ];
}
