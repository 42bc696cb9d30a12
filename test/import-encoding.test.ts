// Import sources are fetched as sent (encodeResponseBody: "manual") and must answer in the identity coding
// the gateway asks for: a body with any other Content-Encoding is refused (502 source_failed) before a byte
// is read, so a decompression bomb (a few KiB of gzip that inflate to gigabytes) never reaches a provider,
// nor R2. Against the origin server (test/origin/server.ts ?encoding=).
import { describe, expect, inject, it } from "vitest";
import { call, KEY, marker, problemOf, receivedWith, resultOf } from "./helpers";

const MiB = 1024 * 1024;
const media = (name: string, query: Record<string, string | number>) => {
  const url = new URL(`${inject("originUrl")}/media/${name}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  return url.href;
};
const importTo = (provider: string, body: Record<string, unknown>) =>
  call(
    new Request(`http://gw.test/v1/providers/${provider}/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

describe("encoded import sources", () => {
  it.each([
    ["with Content-Length", {}],
    ["chunked", { nolength: 1 }],
  ])(
    "a gzip bomb (64 MiB from ~64 KiB), %s: 502 source_failed, useapi receives nothing",
    {
      timeout: 60_000,
    },
    async (_, q) => {
      const mark = marker("bomb");
      const url = media(`${mark}.png`, { encoding: "gzip", size: 64 * MiB, ...q });
      const problem = await problemOf(await importTo("useapi", { url, account: mark }), 502, "source_failed");
      expect(problem.detail).toMatch(/gzip/);
      expect(await receivedWith(mark)).toEqual([]);
    },
  );

  it("any coding but identity is refused (br, deflate); identity is the file", async () => {
    for (const encoding of ["br", "deflate", "gzip, identity"]) {
      const mark = marker("enc");
      const url = media(`${mark}.png`, { encoding, size: 10_000 });
      await problemOf(await importTo("jimmy", { url }), 502, "source_failed");
      expect(await receivedWith(mark), encoding).toEqual([]);
    }
    const mark = marker("ident");
    const url = media(`${mark}.png`, { encoding: "identity", size: 10_000 });
    expect((await resultOf(await importTo("jimmy", { url }))).file.size).toBe(10_000);
  });
});
