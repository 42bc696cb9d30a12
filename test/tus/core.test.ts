// tus core protocol: PATCH at an offset, HEAD, and the single-writer rule.
import { describe, expect, it } from "vitest";
import { call, marker, problemOf, randomBytes, receivedWith, sha256 } from "../helpers";
import { auth, created, head, MiB, patch, pattern, patternSha, status, TUS } from "./helpers";

describe("X-HTTP-Method-Override (tus-js-client's overridePatchMethod)", () => {
  const post = (location: string, override: string | null, body?: Uint8Array) =>
    call(
      new Request(location, {
        method: "POST",
        headers: {
          ...TUS,
          ...auth,
          ...(override === null ? {} : { "x-http-method-override": override }),
          ...(body
            ? {
                "content-type": "application/offset+octet-stream",
                "upload-offset": "0",
                "content-length": String(body.length),
              }
            : {}),
        },
        ...(body ? { body } : {}),
      }),
    );

  it("POST + PATCH writes like a PATCH; POST + DELETE terminates", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    const res = await post(location, "PATCH", randomBytes(1000));
    expect(res.status, await res.clone().text()).toBe(204);
    expect(res.headers.get("upload-offset")).toBe("1000");
    expect((await head(location)).headers.get("upload-offset")).toBe("1000");
    expect((await post(location, "delete")).status).toBe(204);
    expect((await head(location)).status).toBe(410);
  });

  it("405 method_not_allowed without the header, or for another method", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    for (const override of [null, "GET", "PUT"]) {
      const res = await post(location, override);
      await problemOf(res, 405, "method_not_allowed");
      expect(res.headers.get("allow")).toContain("PATCH");
      expect(res.headers.get("tus-resumable")).toBe("1.0.0");
    }
    expect((await head(location)).headers.get("upload-offset")).toBe("0");
  });
});

describe("PATCH", () => {
  it("a PATCH the upload refuses stores nothing; its body is left to the lingering close, never cancelled under the client", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.mp4" }, 8 * MiB);
    const CHUNK = 64 * 1024;
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += CHUNK;
          controller.enqueue(new Uint8Array(CHUNK));
          if (pulled >= 8 * MiB) controller.close();
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    // The upload is at 0: the Durable Object refuses offset 5 without reading.
    await problemOf(await patch(location, 5, body, 8 * MiB), 409, "upload_offset_mismatch");
    await scheduler.wait(100);
    // Not cancelled (that closes the connection under a client still sending): drained, and dropped.
    expect(cancelled).toBe(false);
    expect(pulled).toBe(8 * MiB);
    expect((await head(location)).headers.get("upload-offset")).toBe("0");
  });

  it("a multi-part upload to useapi arrives whole: offsets advance, the provider's sha256 matches", async () => {
    const mark = marker("tus");
    const length = 12 * MiB + 4321;
    const { location, id } = await created(
      { provider: "useapi", filename: "big.mp4", filetype: "video/mp4", account: mark },
      length,
    );
    const sizes = [3 * MiB + 1, 4 * MiB, 5 * MiB + 7, length - (12 * MiB + 8)];
    let offset = 0;
    for (const n of sizes) {
      const res = await patch(location, offset, pattern(1, offset, n), n);
      expect(res.status, await res.clone().text()).toBe(204);
      offset += n;
      expect(res.headers.get("upload-offset")).toBe(String(offset));
      expect((await head(location)).headers.get("upload-offset")).toBe(String(offset));
    }
    const digest = await patternSha(1, length);
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({ complete: true, bytes: length, sha256: digest, contentLength: length });
    const done = await status(id);
    expect(done).toMatchObject({
      status: "completed",
      offset: length,
      length,
      result: { provider: "useapi", status: "uploaded", file: { sha256: digest, size: length } },
    });
  });

  it("409 on a wrong Upload-Offset; 415 without offset+octet-stream; 411 without Content-Length", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 100);
    await problemOf(await patch(location, 5, randomBytes(10), 10), 409, "upload_offset_mismatch");
    await problemOf(
      await patch(location, 0, randomBytes(10), 10, { "content-type": "image/png" }),
      415,
      "wrong_content_type",
    );
    const noLength = new Request(location, {
      method: "PATCH",
      headers: { ...TUS, ...auth, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: new ReadableStream({
        start(c) {
          c.enqueue(randomBytes(5));
          c.close();
        },
      }),
    });
    await problemOf(await call(noLength), 411, "length_required");
  });

  it("a second concurrent PATCH gets 423, never corruption", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    // The first PATCH's body: 500 bytes, then held open until released. Pulled only on demand, so its
    // second pull means the upload's Durable Object has taken the first 500 bytes and asks for more: the
    // first PATCH is provably writing when the second is sent.
    let writing!: () => void;
    const inProgress = new Promise<void>((r) => {
      writing = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let pulls = 0;
    const held = new ReadableStream<Uint8Array>(
      {
        async pull(c) {
          if (++pulls === 1) return c.enqueue(new Uint8Array(500).fill(1));
          writing();
          await gate;
          c.enqueue(new Uint8Array(500).fill(1));
          c.close();
        },
      },
      { highWaterMark: 0 },
    );
    const first = patch(location, 0, held, 1000);
    await inProgress;
    await problemOf(await patch(location, 0, new Uint8Array(1000).fill(2), 1000), 423, "upload_locked");
    release();
    expect((await first).status).toBe(204);
    const rest = new Uint8Array(1000).fill(3);
    expect((await patch(location, 1000, rest, 1000)).status).toBe(204);
    const expected = await sha256(new Uint8Array([...new Uint8Array(1000).fill(1), ...rest]));
    expect((await status(id)).result?.file.sha256).toBe(expected);
  });

  it("a PATCH past Upload-Length is refused", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 100);
    await problemOf(await patch(location, 0, randomBytes(101), 101), 413, "file_too_large");
  });
});
