// The lingering close (worker/http/linger.ts), in workerd: an answer decided while the client is still
// sending comes with the client's body read to its end (drained, so the connection is not closed under the
// client), within LIMITS.lingerBytes; a body declared past that bound is cancelled at once instead.
import { describe, expect, it } from "vitest";
import { LIMITS } from "../worker/core/limits";
import { call, KEY, problemOf } from "./helpers";

const MiB = 1024 * 1024;

/** A multipart Jimmy upload of `fileBytes`, produced as it is read, counting what was pulled. */
function client(fileBytes: number) {
  const boundary = "lingerboundary";
  const enc = new TextEncoder();
  const head = enc.encode(
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="photo.png"\r\ncontent-type: image/png\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  const total = head.length + fileBytes + tail.length;
  const chunk = new Uint8Array(MiB).fill(0x5a);
  let pulled = 0;
  let cancelled = false;
  let sentHead = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!sentHead) {
          sentHead = true;
          pulled += head.length;
          return controller.enqueue(head.slice());
        }
        const left = total - tail.length - pulled;
        if (left > 0) {
          const n = Math.min(left, chunk.length);
          pulled += n;
          return controller.enqueue(chunk.slice(0, n));
        }
        if (pulled < total) {
          pulled += tail.length;
          return controller.enqueue(tail.slice());
        }
        controller.close();
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const request = new Request("http://gw/v1/providers/jimmy/files", {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEY}`,
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": String(total),
    },
    body: stream,
  });
  return { request, total, pulled: () => pulled, cancelled: () => cancelled };
}

describe("lingering close", () => {
  it("a Jimmy upload over 100 MiB refused after the form's head: 413, and the rest of the body is drained", async () => {
    const c = client(120 * MiB);
    const res = await call(c.request, { MAX_REQUEST_BYTES: String(2 * 1024 * MiB) });
    await problemOf(res, 413, "file_too_large");
    expect(c.pulled()).toBe(c.total);
    expect(c.cancelled()).toBe(false);
  }, 60_000);

  it("a body declared past LIMITS.lingerBytes is cancelled after the answer, not drained", async () => {
    const c = client(LIMITS.lingerBytes + 10 * MiB);
    const res = await call(c.request, { MAX_REQUEST_BYTES: String(2 * 1024 * MiB) });
    await problemOf(res, 413, "file_too_large");
    expect(c.cancelled()).toBe(true);
    expect(c.pulled()).toBeLessThan(LIMITS.multipartHeadBytes + 8 * MiB);
  }, 60_000);
});
