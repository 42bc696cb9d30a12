// Flat memory depends on one property: the gateway reads the client no faster than the provider takes the
// bytes. These tests count chunks, not milliseconds: a consumer that stops reading must stop the source.
import { describe, expect, it } from "vitest";
import { encodeMultipart, encodeRaw, type StreamedFile } from "../worker/providers/kit/encode";
import { meter } from "../worker/services/upload/meter";

const CHUNK = 64 * 1024;
const CHUNKS = 200;

/** A source of CHUNKS chunks that counts how many were pulled. */
function countingSource() {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (state.pulled === CHUNKS) return c.close();
        state.pulled++;
        c.enqueue(new Uint8Array(CHUNK));
      },
    },
    { highWaterMark: 0 },
  );
  return { state, stream };
}

/** Reads `n` chunks from the consumer's end, then gives the pump every chance to run ahead. */
async function readThenStall(stream: ReadableStream<Uint8Array>, n: number) {
  const reader = stream.getReader();
  for (let i = 0; i < n; i++) await reader.read();
  for (let i = 0; i < 20; i++) await scheduler.wait(5);
  return reader;
}

describe("backpressure", () => {
  const encoders = {
    raw: (file: StreamedFile) => encodeRaw(file, new AbortController().signal),
    multipart: (file: StreamedFile) => encodeMultipart({ file }, new AbortController().signal),
  };
  for (const [name, encode] of Object.entries(encoders)) {
    it(`${name} encoder: a stalled provider stalls the client`, async () => {
      const { state, stream } = countingSource();
      const metered = meter(stream, { min: CHUNK * CHUNKS, max: CHUNK * CHUNKS });
      const encoded = encode({
        name: "a.mp4",
        type: "video/mp4",
        size: CHUNK * CHUNKS,
        stream: metered.reader,
      });
      const reader = await readThenStall(encoded.stream, 5);
      // A few chunks of slack for the pipes' own queues; before the fix the pump drained all 200.
      expect(state.pulled).toBeLessThanOrEqual(12);
      await reader.cancel();
    });
  }
});
