#!/usr/bin/env node
// `npm run bench:dedupe`: what declaring a digest costs and what a dedupe hit saves, under `npm start` (the
// gateway and the sandbox on Miniflare, local D1), on this machine. Two figures:
//  - the p50 overhead of a declared digest on a 64 KiB raw upload that misses (one D1 lookup, the verifying
//    stream, one D1 insert as always), against the same upload without one, alternated request by request;
//  - a dedupe hit's latency for a 100 MB declared upload (headers sent, not one body byte), against that
//    upload's first, real run.
// Writes bench/dedupe-results.md.
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { startLocal } from "./lib/npm-start.mjs";

const RUNS = Number(process.env.RUNS ?? 200);
const HITS = Number(process.env.HITS ?? 20);
const KEY = "dev-key";

const { base } = await startLocal();

const digestOf = (bytes) => `sha-256=:${createHash("sha256").update(bytes).digest("base64")}:`;

/**
 * One raw upload to jimmy: ms until the answer's headers, and its status. `body` null: headers only (a client
 * waiting for the answer before sending; the connection is dropped after it).
 */
function upload(length, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(`${base}/v1/providers/jimmy/files?filename=bench.png`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "image/png",
        "content-length": String(length),
        ...headers,
      },
    });
    req.on("response", (res) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (body === null) {
        // The answer came without a body byte sent: drop the connection (its body will never come).
        resolve({ ms, status: res.statusCode });
        req.destroy();
        return;
      }
      res.resume();
      res.on("end", () => resolve({ ms, status: res.statusCode }));
    });
    req.on("error", (e) => (body === null ? undefined : reject(e)));
    if (body === null) req.flushHeaders();
    else req.end(body);
  });
}

const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Warm-up: the first requests compile and open the local database.
for (let i = 0; i < 20; i++) {
  const w = randomBytes(64 * 1024);
  await upload(w.length, w, i % 2 ? { "repr-digest": digestOf(w) } : {});
}

// 64 KiB: without a digest, and with one that misses (fresh bytes every time), alternated.
const plain = [];
const declared = [];
for (let i = 0; i < RUNS; i++) {
  const a = randomBytes(64 * 1024);
  const b = randomBytes(64 * 1024);
  const x = await upload(a.length, a);
  const y = await upload(b.length, b, { "repr-digest": digestOf(b) });
  if (x.status !== 201 || y.status !== 201) throw new Error(`64 KiB: ${x.status} / ${y.status}`);
  plain.push(x.ms);
  declared.push(y.ms);
}

// 100 MB: once for real, then hits (headers only).
const big = randomBytes(100_000_000);
const bigDigest = { "repr-digest": digestOf(big) };
const first = await upload(big.length, big, bigDigest);
if (first.status !== 201) throw new Error(`100 MB first upload: ${first.status}`);
const hits = [];
for (let i = 0; i < HITS; i++) {
  const hit = await upload(big.length, null, bigDigest);
  if (hit.status !== 200) throw new Error(`100 MB hit: ${hit.status}`);
  hits.push(hit.ms);
}

const lines = [
  `Dedupe and declared digests, under npm start (Miniflare, local D1), ${new Date().toISOString().slice(0, 10)}:`,
  "",
  `| measure | p50 ms |`,
  `|---|---|`,
  `| 64 KiB raw upload, no digest (${RUNS} runs) | ${p50(plain).toFixed(2)} |`,
  `| 64 KiB raw upload, Repr-Digest, dedupe miss (${RUNS} runs) | ${p50(declared).toFixed(2)} |`,
  `| overhead of the declared digest (lookup + verification) | ${(p50(declared) - p50(plain)).toFixed(2)} |`,
  `| 100 MB upload, first (real) run | ${first.ms.toFixed(0)} |`,
  `| 100 MB declared upload, dedupe hit (${HITS} runs, no body byte sent) | ${p50(hits).toFixed(2)} |`,
  "",
];
writeFileSync("bench/dedupe-results.md", lines.join("\n"));
console.log(lines.join("\n"));
process.exit(0);
