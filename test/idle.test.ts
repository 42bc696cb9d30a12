// "Idle" means no byte for the timeout (core/arrivals.ts), not "fewer than a large read's worth per
// timeout": a client or an import source that trickles bytes, slower than one 128 KiB read per timeout
// but never pausing for the timeout, is not cut; one that stops sending is. Short timeouts through the
// env overrides (IDLE_TIMEOUT_MS, IMPORT_TIMEOUT_MS) keep these quick.
import { describe, expect, inject, it } from "vitest";
import { call, KEY, marker, problemOf, randomBytes, receivedWith, resultOf, sha256 } from "./helpers";

const IDLE = { IDLE_TIMEOUT_MS: "500" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `bytes` as a byte stream (as request bodies are) sending `chunk` bytes every `everyMs`, then, if `stall`, nothing more. */
function trickle(
  bytes: Uint8Array,
  chunk: number,
  everyMs: number,
  stall?: number,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      if (stall !== undefined && at >= stall) return new Promise<void>(() => {});
      if (at > 0) await sleep(everyMs);
      const end = Math.min(bytes.length, at + chunk, stall ?? bytes.length);
      controller.enqueue(bytes.slice(at, end));
      at = end;
      if (at >= bytes.length) controller.close();
    },
  });
}

const raw = (mark: string, body: ReadableStream<Uint8Array>, length: number) =>
  new Request(`http://gw.test/v1/providers/jimmy/files?filename=${mark}.png`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEY}`,
      "content-type": "image/png",
      "content-length": String(length),
    },
    body,
  });

describe("uploads (IDLE_TIMEOUT_MS = 500 ms)", () => {
  it("a client sending 512 bytes every 100 ms (2.5 s in all, 5 KB/s) is not cut", {
    timeout: 20_000,
  }, async () => {
    const mark = marker("trickle");
    const bytes = randomBytes(12_800);
    const result = await resultOf(await call(raw(mark, trickle(bytes, 512, 100), bytes.length), IDLE));
    expect(result.file).toMatchObject({ size: bytes.length, sha256: await sha256(bytes) });
    expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: bytes.length });
  });

  it("a multipart form of 300 KB sent 8 KiB every 100 ms (128 KiB per 1.6 s) is not cut either", {
    timeout: 20_000,
  }, async () => {
    const mark = marker("trickmp");
    const file = randomBytes(300_000);
    const head = `--b\r\nContent-Disposition: form-data; name="file"; filename="${mark}.png"\r\nContent-Type: image/png\r\n\r\n`;
    const body = new Uint8Array([
      ...new TextEncoder().encode(head),
      ...file,
      ...new TextEncoder().encode("\r\n--b--\r\n"),
    ]);
    const res = await call(
      new Request("http://gw.test/v1/providers/jimmy/files", {
        method: "POST",
        headers: {
          authorization: `Bearer ${KEY}`,
          "content-type": "multipart/form-data; boundary=b",
          "content-length": String(body.length),
        },
        body: trickle(body, 8192, 100),
      }),
      IDLE,
    );
    expect((await resultOf(res)).file.size).toBe(file.length);
  });

  it("a client that stops sending is cut after the timeout: 408, nothing complete reaches the provider", async () => {
    const mark = marker("idle");
    const bytes = randomBytes(200_000);
    const started = Date.now();
    const res = await call(raw(mark, trickle(bytes, 4096, 20, 8192), bytes.length), IDLE);
    await problemOf(res, 408, "upload_stalled");
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });
});

describe("imports (IMPORT_TIMEOUT_MS = 500 ms)", () => {
  const importRequest = (url: string) =>
    new Request("http://gw.test/v1/providers/jimmy/files", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ url }),
    });
  const media = (name: string, query: Record<string, string | number>) => {
    const url = new URL(`${inject("originUrl")}/media/${name}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return url.href;
  };
  const FAST = { IMPORT_TIMEOUT_MS: "500" };

  it.each([
    ["with Content-Length", {}],
    ["chunked", { nolength: 1 }],
  ])(
    "a source sending 64 bytes every 150 ms (2.4 s in all), %s, is not cut",
    { timeout: 20_000 },
    async (_, q) => {
      const mark = marker("imptrickle");
      const url = media(`${mark}.png`, { size: 1024, trickle: 150, ...q });
      const result = await resultOf(await call(importRequest(url), FAST));
      expect(result.file.size).toBe(1024);
      expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: 1024 });
    },
  );

  it("a source that trickles, then pauses past the timeout, is 504 source_timeout", {
    timeout: 20_000,
  }, async () => {
    const mark = marker("imppause");
    const url = media(`${mark}.png`, { size: 1024, trickle: 100, stallAt: 512, stallMs: 1500 });
    await problemOf(await call(importRequest(url), FAST), 504, "source_timeout");
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });
});
