// Latency of 64 KiB uploads: the gateway beside the bare pipe and a direct upload to the sink, at
// concurrency 1 (contenders alternating request by request, so the machine's noise falls on all alike), 16
// and 64; a runtime key's cost, with and without quotas; where the gateway's own time goes (the timed
// gateway's Server-Timing: bench/timed/worker.ts); and what the answer waits on when D1 is 50 ms away.
import { fmt, median, percentile, upload } from "./client.mjs";
import { measured } from "./procs.mjs";
import { auth, scratchGateway } from "./setup.mjs";

const SIZE = 64 * 1024;
const D1_DELAY_MS = 50;

/** POST /v1/keys on `base` with the bootstrap key: the new key's Authorization header. */
async function runtimeKey(base, body) {
  const res = await fetch(`${base}/v1/keys`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST /v1/keys: ${res.status} ${await res.text()}`);
  return { authorization: `Bearer ${(await res.json()).key}` };
}

/** Server-Timing's `name;dur=N` entries as { name: N }. */
const timingOf = (headers) =>
  Object.fromEntries(
    String(headers?.["server-timing"] ?? "")
      .split(",")
      .map((e) => /^\s*(\w+);dur=([\d.]+)/.exec(e))
      .filter(Boolean)
      .map(([, k, v]) => [k, Number(v)]),
  );

export async function latency(ctx) {
  const { sink, gatewayUrl, pipe, quick } = ctx;
  const timed = await scratchGateway("timed", "bench/timed/wrangler.toml", "timed", sink.url);
  try {
    const keyed = await runtimeKey(gatewayUrl, { name: "bench" });
    const quotas = {
      name: "bench quotas",
      quotas: { bytes_per_day: 1e15, uploads_per_minute: 10000, concurrent_uploads: 1000 },
    };
    const quotaed = await runtimeKey(gatewayUrl, quotas);
    const timedQuotaed = await runtimeKey(timed.url, quotas);
    const useapi = (base, headers) => () =>
      upload(`${base}/v1/providers/useapi/files?filename=clip.mp4`, SIZE, {
        ...headers,
        "content-type": "video/mp4",
      });
    const contenders = {
      direct: () => upload(`${sink.url}/direct`, SIZE, { "content-type": "video/mp4" }),
      pipe: () => upload(`${pipe.url}/useapi/v1/minimax/files/`, SIZE, { "content-type": "video/mp4" }),
      "gateway raw→raw (useapi)": useapi(gatewayUrl, auth),
      "gateway raw→raw, runtime key": useapi(gatewayUrl, keyed),
      "gateway raw→raw, runtime key with quotas": useapi(gatewayUrl, quotaed),
      "timed gateway, D1 as local": useapi(timed.url, auth),
      "timed gateway, key with quotas": useapi(timed.url, timedQuotaed),
      [`timed gateway, D1 +${D1_DELAY_MS} ms`]: useapi(timed.url, {
        ...auth,
        "x-bench-d1-delay-ms": String(D1_DELAY_MS),
      }),
    };
    const names = Object.keys(contenders);
    const levels = quick ? [1, 16] : [1, 16, 64];
    const perLevel = quick ? 64 : 320;
    const times = {};
    const timings = Object.fromEntries(names.map((n) => [n, []]));
    const once = async (name) => {
      const t0 = performance.now();
      const res = await contenders[name]();
      if (res.status < 200 || res.status > 299)
        throw new Error(`${name}: ${res.status} ${res.body.slice(0, 200)}`);
      timings[name].push(timingOf(res.headers));
      return performance.now() - t0;
    };
    for (const level of levels) {
      for (const name of names) times[`${name}|${level}`] = [];
      if (level === 1) {
        // Request by request, every contender in turn.
        for (let i = 0; i < perLevel; i++)
          for (const name of names) times[`${name}|1`].push(await once(name, 1));
      } else {
        for (const name of names) {
          let next = 0;
          await Promise.all(
            Array.from({ length: level }, async () => {
              while (next++ < perLevel) times[`${name}|${level}`].push(await once(name, level));
            }),
          );
        }
      }
    }
    const stat = (name, level, p) =>
      percentile(
        [...times[`${name}|${level}`]].sort((a, b) => a - b),
        p,
      );
    const p50 = (name) => stat(name, 1, 0.5);
    const lines = [
      `64 KiB uploads, latency ms (p50 / p99), ${perLevel} requests per level (c=1: contenders alternating request by request):`,
      "",
    ];
    lines.push(
      `| contender | ${levels.map((l) => `c=${l}`).join(" | ")} |`,
      `|---|${levels.map(() => "---").join("|")}|`,
    );
    for (const name of names)
      lines.push(
        `| ${name} | ${levels.map((l) => `${fmt(stat(name, l, 0.5))} / ${fmt(stat(name, l, 0.99))}`).join(" | ")} |`,
      );
    const base = p50("gateway raw→raw (useapi)");
    lines.push(
      "",
      `Gateway p50 overhead over the pipe at c=1: ${fmt(base - p50("pipe"), 2)} ms.`,
      `A runtime key over a bootstrap key at c=1, p50: +${fmt(p50("gateway raw→raw, runtime key") - base, 2)} ms (its D1 lookup); with quotas: +${fmt(p50("gateway raw→raw, runtime key with quotas") - base, 2)} ms (the lookup, a reservation in the project's Durable Object).`,
      `D1 ${D1_DELAY_MS} ms away (every D1 call of the timed gateway delayed): p50 at c=1 ${fmt(p50("timed gateway, D1 as local"))} → ${fmt(p50(`timed gateway, D1 +${D1_DELAY_MS} ms`))} ms.`,
    );
    const waits = (name) => {
      const all = timings[name];
      const m = (k) => median(all.map((t) => t[k] ?? 0));
      return `D1 ${fmt(m("d1"))} (${fmt(m("d1calls"), 0)} calls), quota object ${fmt(m("quota"))}`;
    };
    lines.push(
      `What the timed gateway's answer waited on (median ms at c=1; Server-Timing): D1 as local: ${waits("timed gateway, D1 as local")}; a key with quotas: ${waits("timed gateway, key with quotas")}; D1 +${D1_DELAY_MS} ms: ${waits(`timed gateway, D1 +${D1_DELAY_MS} ms`)}.`,
    );
    // CPU per upload, each contender's own processes (workerd: the Worker, wrangler's proxy, local D1 and
    // Durable Objects), sequential requests: what the gateway spends beyond the pipe, waiting excluded.
    const cpuPer = async (name, pids) => {
      const n = quick ? 50 : 200;
      const run = await measured(pids, async () => {
        for (let i = 0; i < n; i++) await contenders[name]();
        return {};
      });
      return (run.cpuSeconds * 1000) / n;
    };
    const cpuGateway = await cpuPer("gateway raw→raw (useapi)", ctx.pids);
    const cpuPipe = await cpuPer("pipe", pipe.pids);
    lines.push(
      `CPU per 64 KiB upload (workerd processes, sequential): gateway ${fmt(cpuGateway, 2)} ms, pipe ${fmt(cpuPipe, 2)} ms.`,
    );
    return lines;
  } finally {
    await timed.stop();
  }
}
