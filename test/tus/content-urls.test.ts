// Signed content URLs for staged files: what a provider fetches when it is handed a URL, not bytes.

import { describe, expect, it } from "vitest";
import { signContentUrl } from "../../worker/services/staging/signed-url";
import { stagedKey } from "../../worker/services/staging/staged";
import { call, problemOf, randomBytes, SIGNING_SECRET, sha256 } from "../helpers";
import { bucket } from "./helpers";

describe("signed content URLs for staged files", () => {
  async function stagedFile(bytes: Uint8Array, name = "clip.mp4") {
    const id = crypto.randomUUID();
    await bucket.put(stagedKey(id), bytes, {
      httpMetadata: { contentType: "video/mp4" },
      customMetadata: { filename: name },
    });
    return id;
  }

  it("serves the file with exact type and length, ETag, attachment and nosniff; HEAD too", async () => {
    const bytes = randomBytes(10_000);
    const id = await stagedFile(bytes);
    const url = await signContentUrl("http://gw", id, new Date(Date.now() + 60_000), SIGNING_SECRET);
    const res = await call(new Request(url));
    expect(res.status).toBe(200);
    expect(await sha256(new Uint8Array(await res.arrayBuffer()))).toBe(await sha256(bytes));
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''clip.mp4");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = res.headers.get("etag") ?? "";
    expect(etag).toMatch(/^".+"$/);
    const h = await call(new Request(url, { method: "HEAD" }));
    expect(h.headers.get("content-length")).toBe("10000");
    expect(h.headers.get("etag")).toBe(etag);
    expect((await call(new Request(url, { headers: { "if-none-match": etag } }))).status).toBe(304);
  });

  it("serves byte ranges", async () => {
    const bytes = randomBytes(10_000);
    const url = await signContentUrl(
      "http://gw",
      await stagedFile(bytes),
      new Date(Date.now() + 60_000),
      SIGNING_SECRET,
    );
    const res = await call(new Request(url, { headers: { range: "bytes=100-199" } }));
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(100, 200));
    const tail = await call(new Request(url, { headers: { range: "bytes=-10" } }));
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(-10));
  });

  it("refuses a tampered or expired URL", async () => {
    const id = await stagedFile(randomBytes(10));
    const url = new URL(await signContentUrl("http://gw", id, new Date(Date.now() + 60_000), SIGNING_SECRET));
    const tampered = new URL(url);
    tampered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    await problemOf(await call(new Request(tampered)), 401, "invalid_token");
    const otherFile = new URL(url.href.replace(id, await stagedFile(randomBytes(10))));
    await problemOf(await call(new Request(otherFile)), 401, "invalid_token");
    const expired = await signContentUrl("http://gw", id, new Date(Date.now() - 1000), SIGNING_SECRET);
    await problemOf(await call(new Request(expired)), 401, "token_expired");
  });
});
