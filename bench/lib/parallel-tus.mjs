// Parallel resumable uploads: an unmodified tus-js-client sends 400 MiB through a proxy that holds each
// connection to a fixed rate (a phone's or an office uplink's per-flow limit), with parallelUploads 4 (the
// tus concatenation extension: 4 partial uploads at once, then a final upload) against 1. The final file is
// delivered to useapi (the sink) in both; the SHA-256 the gateway reports is checked against the file's.
import { createHash } from "node:crypto";
import { connect, createServer } from "node:net";
import { Upload } from "tus-js-client";
import { fmt, MiB } from "./client.mjs";
import { auth } from "./setup.mjs";

/** A TCP proxy to `target` that forwards each connection's client bytes at most `rate` bytes/s. */
async function throttlingProxy(target, rate) {
  const seen = { lastBodyAt: 0 };
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    let allowedAt = Date.now();
    client.on("data", (chunk) => {
      upstream.write(chunk);
      if (chunk.length > 4096) seen.lastBodyAt = Date.now();
      // The next read waits until this chunk has "taken" its time at `rate`.
      allowedAt = Math.max(allowedAt, Date.now()) + (chunk.length / rate) * 1000;
      const wait = allowedAt - Date.now();
      if (wait > 1) {
        client.pause();
        setTimeout(() => client.resume(), wait);
      }
    });
    upstream.on("data", (chunk) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      a.on("end", () => b.end());
      a.on("error", () => b.destroy());
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => server.close() };
}

function send(endpoint, file, parallelUploads) {
  return new Promise((resolve, reject) => {
    const upload = new Upload(file, {
      endpoint,
      headers: auth,
      parallelUploads,
      chunkSize: 50 * MiB,
      metadata: { provider: "useapi", filename: "big.mp4", filetype: "video/mp4" },
      retryDelays: [0, 1000],
      onSuccess: () => resolve(upload.url),
      onError: reject,
    });
    upload.start();
  });
}

export async function parallelTus({ quick, gatewayUrl, log }) {
  const size = quick ? 64 * MiB : 400 * MiB;
  const rate = 8 * 1000 * 1000;
  const file = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) file.writeUInt32LE((i * 2654435761 + 1) >>> 0, i);
  const sha256 = createHash("sha256").update(file).digest("hex");
  const runs = {};
  for (const parallel of [1, 4]) {
    const proxy = await throttlingProxy(new URL(gatewayUrl), rate);
    const started = Date.now();
    try {
      const url = await send(`${proxy.url}/v1/tus`, file, parallel);
      const seconds = (Date.now() - started) / 1000;
      const uploadSeconds = (proxy.seen.lastBodyAt - started) / 1000;
      const id = url.split("/").pop();
      const status = await (await fetch(`${gatewayUrl}/v1/uploads/${id}`, { headers: auth })).json();
      const exact = status.status === "completed" && status.result?.file?.sha256 === sha256;
      runs[parallel] = { seconds, uploadSeconds, exact };
      log(
        `parallel tus ×${parallel}: ${fmt(seconds)} s (bytes sent in ${fmt(uploadSeconds)} s), ${status.status}, SHA-256 ${exact ? "matches" : "DIFFERS"}`,
      );
    } finally {
      proxy.close();
    }
  }
  const ratio = runs[1].seconds / runs[4].seconds;
  const sendRatio = runs[1].uploadSeconds / runs[4].uploadSeconds;
  const ok = runs[1].exact && runs[4].exact;
  return [
    `Parallel tus: ${size / MiB} MiB with an unmodified tus-js-client (50 MiB PATCHes) through a proxy holding each connection to ${rate / 1e6} MB/s, then delivered to useapi:`,
    "",
    "| parallelUploads | time s (to onSuccess, delivery included) | bytes sent in s | provider got the file (SHA-256) |",
    "|---|---|---|---|",
    ...[1, 4].map(
      (p) =>
        `| ${p} | ${fmt(runs[p].seconds)} | ${fmt(runs[p].uploadSeconds)} | ${runs[p].exact ? "yes" : "NO"} |`,
    ),
    "",
    `4 over 1: ${fmt(ratio, 2)}× end to end, ${fmt(sendRatio, 2)}× for sending the bytes; target ≥ 3×: ${ok && ratio >= 3 ? "PASS" : "MISS"}.${quick ? " QUICK size." : ""}`,
  ];
}
