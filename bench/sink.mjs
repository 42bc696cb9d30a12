// The benchmark's provider: a Node HTTP server on loopback that reads and discards every body, checks it
// against its Content-Length, and answers in each provider's success shape so the gateway's adapters accept it.
//
// Two switches, both in what the gateway already forwards:
// - A path prefix /slow<N>/ (in a provider's base URL) reads that body at N MB/s (N·10⁶ bytes/s), pausing
//   the request stream: a rate-limited provider.
// - An expected SHA-256 (64 hex digits) in the useapi `?account=` query, in `?filename=<hex>.<ext>`, or as
//   a multipart file part's filename `<hex>.<ext>`: the file's bytes are hashed and compared (stats.checked,
//   stats.hashMismatches). Multipart bodies are parsed (busboy) only while `sink.verify` is on.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import busboy from "busboy";

const ANSWERS = [
  [/^\/useapi\//, 200, { ossPath: "https://sink/f", fileID: "user:1-minimax:a-file:1" }],
  [/^\/dify\//, 201, { id: "00000000-0000-4000-8000-000000000000", name: "f" }],
  [/^\/minimax\//, 200, { file: { file_id: 1 }, base_resp: { status_code: 0, status_msg: "success" } }],
  [/^\/wavespeed\//, 200, { code: 200, message: "success", data: { download_url: "https://sink/f" } }],
  [/^\/jimmy\//, 200, { code: 20000, msg: "ok", data: { url: "https://sink/f" } }],
];

const ORIGIN_BLOCK = Buffer.alloc(1024 * 1024);
for (let i = 0; i < ORIGIN_BLOCK.length; i += 4) ORIGIN_BLOCK.writeUInt32LE((i * 2654435761) >>> 0, i);

async function serveOrigin(res, size) {
  res.writeHead(200, { "content-type": "video/mp4", "content-length": String(size) });
  for (let sent = 0; sent < size; sent += ORIGIN_BLOCK.length) {
    const chunk = ORIGIN_BLOCK.subarray(0, Math.min(ORIGIN_BLOCK.length, size - sent));
    if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
  }
  res.end();
}

const HEX64 = /^[0-9a-f]{64}$/;
const stem = (name) => (name ?? "").replace(/\.[^.]*$/, "");

/** The expected SHA-256 of a raw body, if the request names one. */
function expectedRaw(url) {
  const account = url.searchParams.get("account") ?? "";
  if (HEX64.test(account)) return account;
  const name = stem(url.searchParams.get("filename"));
  return HEX64.test(name) ? name : undefined;
}

export async function startSink(port = 0) {
  const stats = { requests: 0, bytes: 0, mismatches: 0, checked: 0, hashMismatches: 0 };
  // The last requests' timings (performance.now() of this process): start, first body byte, end.
  const sink = { verify: false, recent: [] };
  const check = (expected, digest) => {
    stats.checked++;
    if (digest !== expected) stats.hashMismatches++;
  };
  const server = createServer((req, res) => {
    // GET /origin/<bytes>/<name>: an import's source, <bytes> of a fixed pattern with Content-Length.
    const origin = /^\/origin\/(\d+)\/[^/]+$/.exec(req.url ?? "");
    if (req.method === "GET" && origin) {
      serveOrigin(res, Number(origin[1]));
      return;
    }
    const slow = /^\/slow(\d+)(\/.*)$/.exec(req.url ?? "");
    const path = slow ? slow[2] : (req.url ?? "");
    const url = new URL(path, "http://sink");
    const rate = slow ? Number(slow[1]) * 1e6 : 0; // bytes per second
    const type = req.headers["content-type"] ?? "";
    const expected = expectedRaw(url);
    const hash = expected ? createHash("sha256") : null;
    let parts = Promise.resolve();
    if (sink.verify && type.startsWith("multipart/form-data")) {
      parts = new Promise((resolve) => {
        const pending = [];
        const bb = busboy({ headers: req.headers });
        bb.on("file", (_name, file, info) => {
          const want = stem(info.filename);
          if (!HEX64.test(want)) {
            file.resume();
            return;
          }
          const h = createHash("sha256");
          file.on("data", (c) => h.update(c));
          pending.push(new Promise((r) => file.on("end", () => r(check(want, h.digest("hex"))))));
        });
        bb.on("close", () => Promise.all(pending).then(resolve));
        bb.on("error", () => {
          stats.checked++;
          stats.hashMismatches++;
          resolve();
        });
        req.pipe(bb);
      });
    }
    let bytes = 0;
    const t0 = performance.now();
    const timing = { path, start: t0, firstByte: null, end: null, bytes: 0 };
    sink.recent = [...sink.recent.slice(-15), timing];
    req.on("data", (chunk) => {
      timing.firstByte ??= performance.now();
      bytes += chunk.length;
      hash?.update(chunk);
      if (rate) {
        const wait = t0 + (bytes / rate) * 1000 - performance.now();
        if (wait > 1) {
          req.pause();
          setTimeout(() => req.resume(), wait);
        }
      }
    });
    req.on("end", async () => {
      timing.end = performance.now();
      timing.bytes = bytes;
      await parts;
      stats.requests++;
      stats.bytes += bytes;
      const declared = req.headers["content-length"];
      if (declared !== undefined && Number(declared) !== bytes) stats.mismatches++;
      if (hash) check(expected, hash.digest("hex"));
      const [, status, body] = ANSWERS.find(([re]) => re.test(path)) ?? [null, 200, { ok: true, bytes }];
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    req.on("error", () => {});
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return Object.assign(sink, {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    close: () => server.close(),
  });
}
