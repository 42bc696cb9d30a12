// mg.ensure (client/src/reuse.ts) against the gateway's own fetch handler and the provider emulator: the
// first call uploads (keeping the original), the second finds the live record (nothing sent), a third for
// another provider copies from the kept original (nothing sent by the client); mg.copy and mg.refresh too.
import { describe, expect, it } from "vitest";
import { createMediagate } from "../client/src/index";
import { blobSha256, Sha256 } from "../client/src/sha256";
import { call, marker, randomBytes, receivedWith, sha256 } from "./helpers";

describe("mg.ensure", () => {
  it("upload, then the live record, then a copy from the kept original: each with the least transfer", async () => {
    // A project of its own (a fresh bootstrap key), so no earlier run's record or original is found.
    const key = `ensure-${crypto.randomUUID()}`;
    const sent: number[] = [];
    const gatewayFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      sent.push(Number(request.headers.get("content-length") ?? 0));
      return call(request, { GATEWAY_API_KEYS: key });
    };
    const mg = createMediagate({ baseUrl: "https://gw.test", apiKey: key, fetch: gatewayFetch });
    const mark = marker("ensure");
    const bytes = randomBytes(40_000);
    const hex = await sha256(bytes);

    const first = await mg.ensure(bytes, { provider: "jimmy", filename: `${mark}.png`, keep_days: 1 });
    expect(first.via).toBe("upload");
    expect(Math.max(...sent)).toBeGreaterThanOrEqual(bytes.length);

    sent.length = 0;
    const again = await mg.ensure(bytes, { provider: "jimmy", filename: `${mark}.png` });
    expect(again).toMatchObject({ via: "live", id: first.id, reference: first.reference });
    expect(Math.max(0, ...sent)).toBeLessThan(1000);

    sent.length = 0;
    const copied = await mg.ensure(bytes, { provider: "dify", user: "alice", filename: `${mark}.png` });
    expect(copied.via).toBe("copy");
    expect(copied.result.file.sha256).toBe(hex);
    expect(Math.max(0, ...sent)).toBeLessThan(1000);
    const dify = (await receivedWith(mark, 2)).filter((r) => r.provider === "dify");
    expect(dify.map((r) => r.sha256)).toEqual([hex]);

    const viaCopy = await mg.copy(first.id, { provider: "useapi", account: mark });
    expect(viaCopy).toMatchObject({ provider: "useapi", source: "kept" });
    const same = await mg.refresh(first.id, { margin_seconds: 0 });
    expect(same.id).toBe(first.id);
  });

  it("the JS incremental SHA-256 matches Web Crypto's, whatever the sizes and chunking", async () => {
    for (const size of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_001]) {
      const bytes = randomBytes(size);
      const hash = new Sha256();
      for (let at = 0; at < size; at += 37) hash.update(bytes.subarray(at, at + 37));
      expect(hash.hex(), `size ${size}`).toBe(await sha256(bytes));
    }
    const big = randomBytes(3 * 1024 * 1024 + 5);
    expect(await blobSha256(new Blob([big as Uint8Array<ArrayBuffer>]))).toBe(await sha256(big));
  });
});
