// The origin for import tests: a real Node HTTP server (started in test/origin/global-setup.ts, like the
// provider emulator) serving media with the misbehaviours a source can have.
//
// GET /media/<name>[?options]: the fixture for <name>'s extension (test/fixtures/media.ts), padded to
// `size` bytes. Options: nolength=1 (chunked, no Content-Length); status=N (answer N with a body that must
// never reach the caller); headersAfter=ms; stallAt=N&stallMs=ms (pause after N bytes); resetAt=N (drop the
// connection after N bytes); extra=N (send N bytes more than Content-Length says); redirects=N (a chain of
// N redirects first); location=URL (redirect there); type=T|none (Content-Type); disposition=D;
// fixture=F (serve test/fixtures/active.ts's F, whatever the name says); encoding=E (Content-Encoding E;
// gzip sends the fixture padded with zeros to `size`, gzipped: a decompression bomb, Content-Length the
// encoded length); trickle=ms (the body in chunks of `trickleBytes`, default 64, one every `ms`).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { ACTIVE_FIXTURES, type ActiveFixture } from "../fixtures/active";
import { FIXTURES, type Fixture, filler } from "../fixtures/media";

const BY_EXTENSION: Record<string, [Fixture, string]> = {
  png: ["png", "image/png"],
  jpg: ["jpeg", "image/jpeg"],
  gif: ["gif", "image/gif"],
  webp: ["webp", "image/webp"],
  mp4: ["mp4", "video/mp4"],
  mov: ["mov", "video/quicktime"],
  mp3: ["mp3", "audio/mpeg"],
  wav: ["wav", "audio/wav"],
  m4a: ["m4a", "audio/mp4"],
  html: ["html", "text/html"],
  zip: ["zip", "application/zip"],
  bin: ["exe", "application/octet-stream"],
};

/** A secret an error page carries: tests check it never reaches the gateway's caller. */
export const ERROR_BODY = "origin-internal-error-page: do-not-leak";
const PAD = filler(1024 * 1024, 11);

function body(head: Uint8Array, size: number, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  for (let at = from; at < to; ) {
    if (at < head.length && at < size) {
      const n = Math.min(head.length, to) - at;
      out.set(head.subarray(at, at + n), at - from);
      at += n;
    } else {
      const offset = at % PAD.length;
      const n = Math.min(PAD.length - offset, to - at);
      out.set(PAD.subarray(offset, offset + n), at - from);
      at += n;
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startOrigin(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://origin");
    const q = (name: string) => url.searchParams.get(name);
    const num = (name: string) => (q(name) === null ? undefined : Number(q(name)));
    const match = /^\/media\/([^/]+)$/.exec(url.pathname);
    if (!match?.[1]) return res.writeHead(404).end("no such path");
    if (num("headersAfter")) await sleep(num("headersAfter") ?? 0);
    const redirects = num("redirects") ?? 0;
    if (redirects > 0) {
      url.searchParams.set("redirects", String(redirects - 1));
      return res.writeHead(302, { location: `${url.pathname}${url.search}` }).end("redirecting");
    }
    if (q("location")) return res.writeHead(302, { location: q("location") ?? "" }).end();
    if (num("status"))
      return res.writeHead(num("status") ?? 500, { "content-type": "text/html" }).end(ERROR_BODY);
    const name = decodeURIComponent(match[1]);
    const known = BY_EXTENSION[name.split(".").pop() ?? ""];
    if (!known) return res.writeHead(404).end(ERROR_BODY);
    const [fixture, mime] = known;
    const head = q("fixture") ? ACTIVE_FIXTURES[q("fixture") as ActiveFixture] : FIXTURES[fixture];
    if (!head) return res.writeHead(404).end(ERROR_BODY);
    const size = num("size") ?? head.length;
    const headers: Record<string, string> = {};
    const type = q("type") ?? mime;
    if (type !== "none") headers["content-type"] = type;
    if (q("disposition")) headers["content-disposition"] = q("disposition") ?? "";
    const encoding = q("encoding");
    if (encoding) {
      headers["content-encoding"] = encoding;
      const plain = new Uint8Array(size);
      plain.set(head.subarray(0, size));
      const encoded = encoding === "gzip" ? gzipSync(plain, { level: 9 }) : plain;
      if (q("nolength") !== "1") headers["content-length"] = String(encoded.length);
      return res.writeHead(200, headers).end(encoded);
    }
    if (q("nolength") !== "1") headers["content-length"] = String(size);
    res.writeHead(200, headers);
    const extra = num("extra") ?? 0;
    const total = size + extra;
    const stallAt = num("stallAt");
    const resetAt = num("resetAt");
    const trickle = num("trickle");
    const CHUNK = trickle === undefined ? 256 * 1024 : (num("trickleBytes") ?? 64);
    for (let at = 0; at < total; ) {
      let end = Math.min(total, at + CHUNK);
      if (stallAt !== undefined && at < stallAt && end > stallAt) end = stallAt;
      if (resetAt !== undefined && at < resetAt && end > resetAt) end = resetAt;
      const chunk = body(head, total, at, end);
      // Past Content-Length Node's response refuses to write: the socket takes the surplus.
      const ok = at + chunk.length > size && extra > 0 ? res.socket?.write(chunk) : res.write(chunk);
      at = end;
      if (!ok) await new Promise((r) => (res.socket ?? res).once("drain", r));
      if (at === resetAt) {
        res.socket?.destroy();
        return;
      }
      if (at === stallAt) await sleep(num("stallMs") ?? 0);
      else if (trickle !== undefined && at < total) await sleep(trickle);
    }
    if (extra > 0) {
      await sleep(50);
      res.socket?.destroy();
      return;
    }
    res.end();
  });
  server.on("clientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
