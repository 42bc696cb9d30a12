// The upload path's reader reuses a ring of buffers (core/bytes.ts, recycle): every byte arrives once and in
// order, the ring's buffers are what the reads return (no new buffer per read), and a chunk kept past the
// ring is detached (empty), never silently overwritten by a later read.
import { describe, expect, it } from "vitest";
import { chunkReader } from "../worker/core/bytes";
import { LIMITS } from "../worker/core/limits";
import { randomBytes } from "./helpers";

/** A native byte stream of `bytes`, as a request body is. */
const body = (bytes: Uint8Array) =>
  new Request("http://x/", { method: "POST", body: bytes }).body as ReadableStream;

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

describe("chunkReader with recycle", () => {
  const size = 9 * LIMITS.maxReadBytes + 4321;

  it("yields every byte in order, in reads of the ring's buffers", async () => {
    const bytes = randomBytes(size);
    const reader = chunkReader(body(bytes), { recycle: true });
    const copy = new Uint8Array(size);
    const buffers = new Set<ArrayBufferLike>();
    let at = 0;
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Copied before the next read, as a consumer done with its chunk.
      copy.set(value, at);
      at += value.byteLength;
      reads++;
      buffers.add(value.buffer);
    }
    expect(at).toBe(size);
    expect(await sha256(copy)).toBe(await sha256(bytes));
    // Large reads; and each read's buffer went back into the ring: of all the buffers reads returned, only the
    // ring's last ones still hold memory (a reused one is detached by the read it is given to).
    expect(reads).toBeGreaterThan(2 * LIMITS.readRing);
    expect(reads).toBeLessThanOrEqual(Math.ceil(size / LIMITS.minReadBytes));
    const attached = [...buffers].filter((b) => b.byteLength > 0);
    expect(attached.length).toBeLessThanOrEqual(LIMITS.readRing);
  });

  it("a chunk held past the ring reads as empty (detached), not as a later read's bytes", async () => {
    const bytes = randomBytes(size);
    const reader = chunkReader(body(bytes), { recycle: true });
    const first = (await reader.read()).value as Uint8Array;
    const firstLength = first.byteLength;
    expect(firstLength).toBeGreaterThan(0);
    expect(first[0]).toBe(bytes[0]);
    for (let i = 0; i < LIMITS.readRing; i++) await reader.read();
    // Its buffer was handed to a later read: the view no longer sees any bytes.
    expect(first.byteLength).toBe(0);
    expect(first[0]).toBeUndefined();
    await reader.cancel();
  });

  it("without recycle, chunks are the reader's to keep", async () => {
    const bytes = randomBytes(size);
    const reader = chunkReader(body(bytes));
    const first = (await reader.read()).value as Uint8Array;
    const length = first.byteLength;
    for (let i = 0; i < LIMITS.readRing + 1; i++) await reader.read();
    expect(first.byteLength).toBe(length);
    expect([...first.subarray(0, 64)]).toEqual([...bytes.subarray(0, 64)]);
    await reader.cancel();
  });
});
