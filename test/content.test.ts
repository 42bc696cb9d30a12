// GET /v1/files/{id}/content: Range requests parsed by the gateway (RFC 9110 §14), R2 asked for exactly the
// bytes answered. (The route's other behaviour is covered in tus/content-urls.test.ts.)
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../worker/core/config";
import { signContentUrl } from "../worker/services/staging/signed-url";
import { stagedKey } from "../worker/services/staging/staged";
import { call, problemOf, randomBytes, SIGNING_SECRET } from "./helpers";

const bucket = (env as unknown as Env).STAGING;
const SIZE = 5000;

async function staged(bytes: Uint8Array): Promise<string> {
  const id = crypto.randomUUID();
  await bucket.put(stagedKey(id), bytes, {
    httpMetadata: { contentType: "video/mp4" },
    customMetadata: { filename: "clip.mp4" },
  });
  return signContentUrl("http://gw", id, new Date(Date.now() + 60_000), SIGNING_SECRET);
}

const get = (url: string, headers: Record<string, string> = {}) => call(new Request(url, { headers }));
const bodyOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe("Range on staged file content", () => {
  it("answers 206 with exactly the range asked for, clipped to the file", async () => {
    const bytes = randomBytes(SIZE);
    const url = await staged(bytes);
    for (const [range, first, last] of [
      ["bytes=0-0", 0, 0],
      ["bytes=100-199", 100, 199],
      ["bytes=4990-9999", 4990, 4999],
      ["bytes=4999-", 4999, 4999],
      ["bytes=-10", 4990, 4999],
      ["bytes=-10000", 0, 4999],
      ["Bytes=10-19", 10, 19],
      ["bytes=0010-0019", 10, 19],
    ] as const) {
      const res = await get(url, { range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range"), range).toBe(`bytes ${first}-${last}/${SIZE}`);
      expect(res.headers.get("content-length"), range).toBe(String(last - first + 1));
      expect(await bodyOf(res), range).toEqual(bytes.slice(first, last + 1));
    }
  });

  it("answers 416 with Content-Range bytes */N for a range that starts past the end", async () => {
    const url = await staged(randomBytes(SIZE));
    for (const range of [
      "bytes=9000-9999",
      "bytes=5000-",
      "bytes=5000-5000",
      "bytes=-0",
      "bytes=99999999999999999999-",
    ]) {
      const res = await get(url, { range });
      expect(res.headers.get("content-range"), range).toBe(`bytes */${SIZE}`);
      await problemOf(res, 416, "range_not_satisfiable");
    }
  });

  it("answers 200 with the whole file for multiple ranges or invalid syntax", async () => {
    const bytes = randomBytes(SIZE);
    const url = await staged(bytes);
    for (const range of [
      "bytes=5-2",
      "bytes=0-1,5-6",
      "bytes=0-1, 9000-9999",
      "bytes=abc",
      "bytes=",
      "bytes=-",
      "bytes=1-2-3",
      "bytes=0x10-20",
      "bytes=1e3-2000",
      "items=0-1",
      "BYTES = 10 - 19",
      "bytes=99999999999999999999-99999999999999999998",
    ]) {
      const res = await get(url, { range });
      expect(res.status, range).toBe(200);
      expect(res.headers.get("content-range"), range).toBeNull();
      expect(res.headers.get("content-length"), range).toBe(String(SIZE));
      expect(await bodyOf(res), range).toEqual(bytes);
    }
  });

  it("honours If-Range (a strong ETag that matches) and preconditions before ranges", async () => {
    const bytes = randomBytes(SIZE);
    const url = await staged(bytes);
    const etag = (await get(url)).headers.get("etag") ?? "";
    const matching = await get(url, { range: "bytes=0-9", "if-range": etag });
    expect(matching.status).toBe(206);
    expect(await bodyOf(matching)).toEqual(bytes.slice(0, 10));
    const stale = await get(url, { range: "bytes=0-9", "if-range": '"other"' });
    expect(stale.status).toBe(200);
    expect(await bodyOf(stale)).toEqual(bytes);
    const dated = await get(url, { range: "bytes=0-9", "if-range": new Date().toUTCString() });
    expect(dated.status).toBe(200);
    await dated.body?.cancel();
    const notModified = await get(url, { range: "bytes=9000-9999", "if-none-match": etag });
    expect(notModified.status).toBe(304);
  });

  it("HEAD ignores Range", async () => {
    const url = await staged(randomBytes(SIZE));
    const res = await call(new Request(url, { method: "HEAD", headers: { range: "bytes=9000-9999" } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(SIZE));
  });
});

describe("preconditions on staged file content (found by npm run fuzz)", () => {
  it("a malformed If-None-Match or If-Match is ignored: 200 with the file, never a 500", async () => {
    const bytes = randomBytes(SIZE);
    const url = await staged(bytes);
    for (const headers of [
      { "if-none-match": "garbage" },
      { "if-match": "garbage" },
      { "if-unmodified-since": "nonsense" },
    ]) {
      const res = await get(url, headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(await bodyOf(res)).toEqual(bytes);
    }
  });

  it("a failed If-Match or If-Unmodified-Since is a 412 precondition_failed problem", async () => {
    const url = await staged(randomBytes(SIZE));
    const res = await get(url, { "if-match": '"nope"' });
    await problemOf(res, 412, "precondition_failed");
    expect(res.headers.get("etag")).toMatch(/^"/);
    await problemOf(
      await get(url, { "if-unmodified-since": new Date(Date.now() - 86_400_000).toUTCString() }),
      412,
      "precondition_failed",
    );
  });
});
