#!/usr/bin/env node
// `npm run bench:reuse`: upload once, use anywhere (docs/reuse.md), under `npm start` (the gateway and the
// sandbox on Miniflare, local R2 and D1), on this machine. A clip (default 200 MB of fresh random bytes, so no
// earlier run's record or original is found) to five providers, two ways, side by side in one run:
//  - upload to each: five uploads of the whole file;
//  - upload once, then copies: one upload keeping the original (keep_days=1), then four POST /v1/files/{id}/copies.
// Bytes the client sent and wall time for each, from curl in its own process (curl's size_upload, time_total),
// as the platform notes advise. Then a refresh of the WaveSpeed copy (re-delivered from the original) against
// that provider's upload of the same file. Writes bench/reuse-results.md.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startLocal } from "./lib/npm-start.mjs";

const run = promisify(execFile);
const MB = 1_000_000;
const SIZE = Number(process.env.REUSE_MB ?? 200) * MB;
const AUTH = ["-H", "Authorization: Bearer dev-key"];
// Five providers that take a 200 MB mp4 in one request (the sandbox holds each to its documented limits:
// Dify's and Jimmy's are 100 MB), each with the option it needs.
const PROVIDERS = [
  ["useapi", { account: "bench" }],
  ["wavespeed", {}],
  ["minimax", { purpose: "video_understanding" }],
  ["gemini", {}],
  ["openai", { purpose: "user_data" }],
];

const { base } = await startLocal({ MAX_REQUEST_BYTES: String(SIZE + MB) });
const dir = mkdtempSync(join(tmpdir(), "mediagate-reuse-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, "clip.mp4");
const fd = openSync(path, "w");
for (let at = 0; at < SIZE; at += 8 * MB) writeSync(fd, randomBytes(Math.min(8 * MB, SIZE - at)));
closeSync(fd);

/** One curl in its own process: its answer, the bytes it sent and its wall time in ms. */
async function curl(args) {
  const { stdout } = await run(
    "curl",
    ["-sS", "-w", "\n%{http_code} %{size_upload} %{time_total}", ...AUTH, ...args],
    {
      maxBuffer: 64 * MB,
    },
  );
  const at = stdout.lastIndexOf("\n");
  const [status, sent, seconds] = stdout
    .slice(at + 1)
    .split(" ")
    .map(Number);
  const body = JSON.parse(stdout.slice(0, at));
  if (status !== 201) throw new Error(`${args.at(-1)}: ${status} ${JSON.stringify(body)}`);
  return { body, sent, ms: seconds * 1000 };
}

const uploadTo = (provider, options, extra = {}) => {
  const q = new URLSearchParams({ filename: "clip.mp4", ...options, ...extra });
  // Streamed from disk with its length (curl -T; Transfer-Encoding cleared so Content-Length is sent).
  const url = `${base}/v1/providers/${provider}/files?${q}`;
  return curl(["-X", "POST", "-T", path, "-H", "Transfer-Encoding:", "-H", "Content-Type: video/mp4", url]);
};
const post = (path, body) =>
  curl(["-X", "POST", "-H", "Content-Type: application/json", "-d", JSON.stringify(body), `${base}${path}`]);

// Warm-up: the first requests compile and open the local database.
await post("/v1/files/none/refresh", {}).catch(() => {});

const each = [];
for (const [provider, options] of PROVIDERS) each.push({ provider, ...(await uploadTo(provider, options)) });

const [[firstProvider, firstOptions], ...rest] = PROVIDERS;
const once = [
  { provider: firstProvider, ...(await uploadTo(firstProvider, firstOptions, { keep_days: "1" })) },
];
const id = once[0].body.id;
for (const [provider, options] of rest) {
  const copy = await post(`/v1/files/${id}/copies`, { provider, ...options });
  if (copy.body.source !== "kept") throw new Error(`copy to ${provider}: not from the kept original`);
  once.push({ provider, ...copy });
}
const wavespeedCopy = once.find((r) => r.provider === "wavespeed");
const refresh = await post(`/v1/files/${wavespeedCopy.body.id}/refresh`, { margin_seconds: 30 * 24 * 3600 });
const wavespeedUpload = each.find((r) => r.provider === "wavespeed");

const sum = (rows, key) => rows.reduce((n, r) => n + r[key], 0);
/** MB for a file's worth, bytes for a JSON request's. */
const mb = (bytes) => (bytes < MB ? `${bytes} B` : `${(bytes / MB).toFixed(1)} MB`);
const rows = PROVIDERS.map(([provider], i) => {
  const a = each[i];
  const b = once[i];
  const how = i === 0 ? "upload, keep_days=1" : "copy";
  return `| ${provider} | ${mb(a.sent)} | ${a.ms.toFixed(0)} | ${how} | ${mb(b.sent)} | ${b.ms.toFixed(0)} |`;
});
const lines = [
  `Upload once, use anywhere: a ${SIZE / MB} MB clip to five providers, under npm start (Miniflare, local R2 and D1), ${new Date().toISOString().slice(0, 10)}.`,
  "Bytes the client sent (curl's size_upload) and wall time (curl's time_total), one curl process per request.",
  "",
  "| provider | upload to each: sent | ms | upload once: how | sent | ms |",
  "|---|---|---|---|---|---|",
  ...rows,
  `| **total** | **${mb(sum(each, "sent"))}** | **${sum(each, "ms").toFixed(0)}** | | **${mb(sum(once, "sent"))}** | **${sum(once, "ms").toFixed(0)}** |`,
  "",
  `Refresh of the WaveSpeed copy (re-delivered from the kept original): ${refresh.ms.toFixed(0)} ms, ${mb(refresh.sent)} sent by the client; the same file uploaded to WaveSpeed: ${wavespeedUpload.ms.toFixed(0)} ms, ${mb(wavespeedUpload.sent)}.`,
  "",
];
writeFileSync("bench/reuse-results.md", lines.join("\n"));
process.stdout.write(lines.join("\n"));
process.exit(0);
