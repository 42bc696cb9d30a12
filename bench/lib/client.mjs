// The client side: uploads of a fixed pattern (or of content distinct per request) with Content-Length,
// and multipart framing.
import { createHash } from "node:crypto";
import { request } from "node:http";

export const MiB = 1024 * 1024;

export const BLOCK = Buffer.alloc(MiB);
for (let i = 0; i < BLOCK.length; i += 4) BLOCK.writeUInt32LE((i * 2654435761) >>> 0, i);

/** The worst file content for the old multipart parser (a native indexOf call per CR): all CR bytes. */
export const CR_BLOCK = Buffer.alloc(MiB, 13);

/**
 * Content distinct per `seed`: the pattern with the seed and the chunk's index in each MiB's first 16
 * bytes. `chunk(i, n)` is a fresh buffer (a write may still hold the previous one).
 */
export function seeded(seed) {
  return (i, n) => {
    const b = Buffer.from(BLOCK.subarray(0, n));
    if (n >= 16) {
      b.writeDoubleLE(seed, 0);
      b.writeDoubleLE(i, 8);
    }
    return b;
  };
}

/** SHA-256 (hex) of `size` bytes of `chunk` (see seeded). */
export function sha256Of(chunk, size) {
  const h = createHash("sha256");
  for (let i = 0, sent = 0; sent < size; i++, sent += MiB) h.update(chunk(i, Math.min(MiB, size - sent)));
  return h.digest("hex");
}

/**
 * POSTs `size` bytes of `block` (framed by prefix/suffix) with Content-Length; resolves with the status, the
 * body and the headers.
 * `block` is a buffer repeated per MiB, or a function (index, length) → buffer (see seeded); `signal`
 * aborts it (status 0).
 */
export function upload(
  url,
  size,
  headers = {},
  prefix = Buffer.alloc(0),
  suffix = Buffer.alloc(0),
  method = "POST",
  block = BLOCK,
  signal = undefined,
) {
  const chunk = typeof block === "function" ? block : (_i, n) => block.subarray(0, n);
  return new Promise((resolve) => {
    const req = request(url, {
      method,
      signal,
      headers: { ...headers, "content-length": String(prefix.length + size + suffix.length) },
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode, body, headers: res.headers }));
      res.on("error", (error) => resolve({ status: 0, body: String(error) }));
    });
    req.on("error", (error) => resolve({ status: 0, body: String(error) }));
    (async () => {
      const write = (buf) => (req.write(buf) ? Promise.resolve() : new Promise((r) => req.once("drain", r)));
      await write(prefix);
      for (let i = 0, sent = 0; sent < size; i++, sent += MiB)
        await write(chunk(i, Math.min(MiB, size - sent)));
      await write(suffix);
      req.end();
    })().catch(() => {});
  });
}

const BOUNDARY = "----benchboundary7MA4YWxkTrZu0gW";
export const multipart = (filename, type, fields = {}) => ({
  prefix: Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join("") +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  ),
  suffix: Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  type: `multipart/form-data; boundary=${BOUNDARY}`,
});

/** The p-th percentile (0–1) of sorted `xs`. */
export const percentile = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : Number.NaN;
};
export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "—");
