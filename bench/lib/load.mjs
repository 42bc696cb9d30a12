// The load run: 64 concurrent 1 MiB uploads (useapi raw→raw and dify raw→multipart, alternating) mixed with
// 8 concurrent 100 MB ones (useapi raw→raw) through the warmed gateway for 60 s (quick: 10 s), capped at
// 100,000 requests. The client runs in its own process (bench/lib/load-client.mjs); the sink hashes every
// body and compares it with the SHA-256 the client put in the URL.
import { spawn } from "node:child_process";
import { fmt } from "./client.mjs";
import { measured } from "./procs.mjs";
import { auth } from "./setup.mjs";

/** The same load through `target` (the gateway, or the bare pipe's paths to the same sink). */
async function run({ sink, quick, pids, urls, headers }) {
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? (quick ? 10 : 60));
  const job = {
    seconds,
    cap: 100_000,
    graceMs: 120_000,
    headers: { ...headers, "content-type": "video/mp4" },
    small: { workers: 64, size: 1024 * 1024, urls: urls.small },
    big: { workers: 8, size: 100e6, urls: urls.big },
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
  const { small = {}, big = {} } = r.classes;
  return {
    ...r,
    secondsAsked: seconds,
    small,
    big,
    requests: (small.requests ?? 0) + (big.requests ?? 0),
    failures: (small.failures ?? 0) + (big.failures ?? 0),
    checked: sink.stats.checked - before.checked,
    mismatched: sink.stats.hashMismatches - before.hashMismatches,
    lengthMismatches: sink.stats.mismatches - before.mismatches,
  };
}

export async function load({ sink, quick, gatewayUrl, pids, pipe, log }) {
  const gw = await run({
    sink,
    quick,
    pids,
    headers: auth,
    urls: {
      small: [
        `${gatewayUrl}/v1/providers/useapi/files?filename=clip.mp4&account={sha}`,
        `${gatewayUrl}/v1/providers/dify/files?filename={sha}.mp4`,
      ],
      big: [`${gatewayUrl}/v1/providers/useapi/files?filename=big.mp4&account={sha}`],
    },
  });
  for (const [name, c] of Object.entries({ small: gw.small, big: gw.big })) {
    log(
      `load ${name}: ${JSON.stringify(c.statuses)} ${c.errors?.length ? `e.g. ${c.errors.join(" | ")}` : ""}`,
    );
  }
  // The bare pipe under the same load, for the runtime's own share of the memory (its paths reach the
  // sink's useapi route with the hash in ?account=).
  const bare = await run({
    sink,
    quick,
    pids: pipe.pids,
    headers: {},
    urls: {
      small: [`${pipe.url}/useapi/files?account={sha}`],
      big: [`${pipe.url}/useapi/files?account={sha}`],
    },
  });
  const verdict = gw.failures === 0 && gw.mismatched === 0 && gw.checked === gw.requests ? "PASS" : "MISS";
  return [
    `Load: 64 concurrent 1 MiB uploads (useapi raw→raw and dify raw→multipart, alternating) with 8 concurrent 100 MB uploads (useapi raw→raw) through the warmed gateway for ${gw.secondsAsked} s (${fmt(gw.seconds)} s with the last answers), every body distinct: ${gw.requests} requests (${gw.small.requests ?? 0} × 1 MiB, ${gw.big.requests ?? 0} × 100 MB), ${gw.failures} failures (non-2xx or network error); latency p50 / p99 ${fmt(gw.small.p50, 0)} / ${fmt(gw.small.p99, 0)} ms (1 MiB), ${fmt(gw.big.p50, 0)} / ${fmt(gw.big.p99, 0)} ms (100 MB); peak workerd RSS growth ${fmt(gw.rssMiB)} MiB, workerd CPU ${fmt(gw.cpuSeconds)} s; the sink hashed ${gw.checked} received bodies against the SHA-256 the client sent: ${gw.mismatched} mismatches (${gw.lengthMismatches} short or long bodies). Goal 0 failures, 0 mismatches: ${verdict}.`,
    `The bare pipe under the same load: ${bare.requests} requests (${bare.small.requests ?? 0} × 1 MiB, ${bare.big.requests ?? 0} × 100 MB), ${bare.failures} failures, ${bare.mismatched} mismatches; latency p50 / p99 ${fmt(bare.small.p50, 0)} / ${fmt(bare.small.p99, 0)} ms (1 MiB), ${fmt(bare.big.p50, 0)} / ${fmt(bare.big.p99, 0)} ms (100 MB); peak workerd RSS growth ${fmt(bare.rssMiB)} MiB, workerd CPU ${fmt(bare.cpuSeconds)} s.`,
  ];
}
