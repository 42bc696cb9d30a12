// A rate-limited provider: the sink reads bodies under /slow40/ at 40 MB/s. The gateway (a second wrangler
// dev whose providers point at that path) against a direct upload to it: when the provider is the
// bottleneck, the gateway should add nothing (ratio ≈ 1.00).
import { fmt, MiB, median, upload } from "./client.mjs";
import { measured } from "./procs.mjs";
import { auth, scratchGateway } from "./setup.mjs";

export async function throttled({ sink, quick, log }) {
  const rate = 40;
  const size = quick ? 40 * MiB : 200 * MiB;
  const reps = quick ? 1 : 3;
  const slow = `${sink.url}/slow${rate}`;
  const gateway = await scratchGateway("slow", "wrangler.toml", "slowGateway", slow);
  const video = { "content-type": "video/mp4" };
  const send = {
    gateway: () =>
      upload(`${gateway.url}/v1/providers/useapi/files?filename=clip.mp4`, size, { ...auth, ...video }),
    direct: () => upload(`${slow}/useapi/v1/minimax/files/`, size, video),
  };
  const runs = { gateway: [], direct: [] };
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const who of ["gateway", "direct"]) {
        const r = await measured(who === "gateway" ? gateway.pids : [], send[who]);
        runs[who].push(r);
        log(
          `throttled ${who} #${rep + 1}: ${r.status} ${fmt(r.seconds, 2)} s (${fmt(size / 1e6 / r.seconds)} MB/s)`,
        );
      }
    }
  } finally {
    await gateway.stop();
  }
  const secs = (who) => median(runs[who].map((r) => r.seconds));
  const ratio = secs("gateway") / secs("direct");
  const failures = [...runs.gateway, ...runs.direct].filter((r) => r.status < 200 || r.status >= 300).length;
  return [
    `Rate-limited provider (the sink reads at ${rate} MB/s): a ${size / MiB} MiB upload through the gateway (useapi raw→raw) in ${fmt(secs("gateway"), 2)} s against ${fmt(secs("direct"), 2)} s direct, ratio ${fmt(ratio, 2)} (target ≈ 1.00); gateway RSS growth (a gateway process of its own: its first uploads) ${fmt(median(runs.gateway.map((r) => r.rssMiB)))} MiB, CPU ${fmt(median(runs.gateway.map((r) => r.cpuSeconds)), 2)} s; ${reps} run(s) each, alternated, medians; ${failures} failures.`,
  ];
}
