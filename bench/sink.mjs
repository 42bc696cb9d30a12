// The benchmark's provider: a Node HTTP server on loopback that reads and discards every body, checks it
// against its Content-Length, and answers in each provider's success shape so the gateway's adapters accept it.
import { createServer } from "node:http";

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

export async function startSink(port = 0) {
  const stats = { requests: 0, bytes: 0, mismatches: 0 };
  const server = createServer((req, res) => {
    // GET /origin/<bytes>/<name>: an import's source, <bytes> of a fixed pattern with Content-Length.
    const origin = /^\/origin\/(\d+)\/[^/]+$/.exec(req.url ?? "");
    if (req.method === "GET" && origin) {
      serveOrigin(res, Number(origin[1]));
      return;
    }
    let bytes = 0;
    req.on("data", (chunk) => {
      bytes += chunk.length;
    });
    req.on("end", () => {
      stats.requests++;
      stats.bytes += bytes;
      const declared = req.headers["content-length"];
      if (declared !== undefined && Number(declared) !== bytes) stats.mismatches++;
      const [, status, body] = ANSWERS.find(([re]) => re.test(req.url ?? "")) ?? [
        null,
        200,
        { ok: true, bytes },
      ];
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    req.on("error", () => {});
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stats, close: () => server.close() };
}
