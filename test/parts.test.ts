// kit/parts.ts: parts of exact sizes cut from one stream, as OpenAI's Uploads path sends them.
import { describe, expect, it } from "vitest";
import { PartCutter, partSizes } from "../worker/providers/kit/parts";
import { bytesOf, randomBytes } from "./helpers";

/** `bytes` in chunks of 333, noting when the stream has told its reader it ended. */
function source(bytes: Uint8Array) {
  const seen = { end: false };
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        seen.end = true;
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + 333));
      offset += 333;
    },
  });
  return { stream, seen };
}

function cutter(bytes: Uint8Array, size: number) {
  const { stream, seen } = source(bytes);
  return { parts: new PartCutter({ name: "f.bin", type: "application/octet-stream", size, stream }), seen };
}

describe("PartCutter", () => {
  it("cuts consecutive parts of exact sizes, and the last one closes only after the file's end was read", async () => {
    const bytes = randomBytes(2500);
    const { parts, seen } = cutter(bytes, 2500);
    const got: Uint8Array[] = [];
    for (const size of partSizes(2500, 1000)) {
      const part = parts.take(size);
      expect(part.size).toBe(size);
      got.push(await bytesOf(part.stream));
      expect(seen.end).toBe(got.length === 3);
    }
    expect(got.map((g) => g.length)).toEqual([1000, 1000, 500]);
    expect(new Uint8Array(await new Blob(got).arrayBuffer())).toEqual(bytes);
  });

  it("fails the last part of a file longer than its size, and a part of one that ends short", async () => {
    const long = cutter(randomBytes(2600), 2500);
    await bytesOf(long.parts.take(2000).stream);
    await expect(bytesOf(long.parts.take(500).stream)).rejects.toThrow(/more than its size/);
    const short = cutter(randomBytes(2400), 2500);
    await bytesOf(short.parts.take(2000).stream);
    await expect(bytesOf(short.parts.take(500).stream)).rejects.toThrow(/short of a part/);
  });

  it("hands out no more than the file's size", () => {
    const { parts } = cutter(randomBytes(10), 10);
    parts.take(6);
    expect(() => parts.take(5)).toThrow();
    expect(parts.remaining).toBe(4);
  });
});
