// Skipping what the provider already has, and holding uploads to their declared digests: a
// Repr-Digest (RFC 9530) on raw uploads, a `sha256` field or ?sha256= on multipart, a ticket's sha256, tus
// Upload-Metadata sha256. Against the emulator: a dedupe hit sends it nothing; a mismatch leaves it with an
// incomplete body.
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import { LIMITS } from "../worker/core/limits";
import {
  call,
  KEY,
  marker,
  multipartRequest,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";
import { created, patch, status } from "./tus/helpers";

type UploadResult = components["schemas"]["UploadResult"];
type Ticket = components["schemas"]["UploadTicket"];

const b64 = (hex: string) =>
  btoa(String.fromCharCode(...(hex.match(/../g) ?? []).map((h) => Number.parseInt(h, 16))));
const reprDigest = async (bytes: Uint8Array) => `sha-256=:${b64(await sha256(bytes))}:`;

async function deduplicated(res: Response): Promise<UploadResult> {
  const body = (await res.json()) as UploadResult;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.deduplicated).toBe(true);
  return body;
}

/** A body that never sends a byte: only an answer given before reading it comes back. */
const silentBody = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });

describe("dedupe", () => {
  it("raw + Repr-Digest: the second upload answers 200 deduplicated, nothing reaches the provider", async () => {
    const mark = marker("dd");
    const bytes = randomBytes(4000);
    const digest = { "repr-digest": await reprDigest(bytes) };
    const spec = { filename: "a.png", type: "image/png", bytes, query: { account: mark }, headers: digest };
    const first = await resultOf(await call(rawRequest("useapi", spec)));
    expect(first.deduplicated).toBeUndefined();
    const second = await deduplicated(await call(rawRequest("useapi", spec)));
    expect(second).toMatchObject({
      id: first.id,
      provider_file_id: first.provider_file_id,
      reference: first.reference,
      file: first.file,
    });
    expect(await receivedWith(mark)).toHaveLength(1);
  });

  it("a hit is answered without reading the body (the client is not made to send it)", async () => {
    const mark = marker("ddsilent");
    const bytes = randomBytes(3000);
    const headers = { "repr-digest": await reprDigest(bytes) };
    await resultOf(
      await call(
        rawRequest("useapi", {
          filename: "a.png",
          type: "image/png",
          bytes,
          query: { account: mark },
          headers,
        }),
      ),
    );
    const url = `http://gw/v1/providers/useapi/files?filename=a.png&account=${mark}`;
    const res = await call(
      new Request(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${KEY}`,
          "content-type": "image/png",
          "content-length": "3000",
          ...headers,
        },
        body: silentBody(),
      }),
    );
    await deduplicated(res);
    expect(await receivedWith(mark)).toHaveLength(1);
  });

  it("multipart: a sha256 field before the file, or ?sha256=", async () => {
    const mark = marker("ddmp");
    const bytes = randomBytes(2000);
    const hex = await sha256(bytes);
    const first = await resultOf(
      await call(
        await multipartRequest("jimmy", { filename: `${mark}.png`, bytes, fields: { sha256: hex } }),
      ),
    );
    expect(first.file.sha256).toBe(hex);
    await deduplicated(
      await call(
        await multipartRequest("jimmy", { filename: `${mark}.png`, bytes, fields: { sha256: hex } }),
      ),
    );
    await deduplicated(
      await call(
        await multipartRequest("jimmy", {
          filename: `${mark}.png`,
          bytes,
          query: { sha256: hex.toUpperCase() },
        }),
      ),
    );
    expect(await receivedWith(mark)).toHaveLength(1);
  });

  it("misses: other options, another key, ?dedupe=false, a deleted record; no digest, no lookup", async () => {
    const mark = marker("ddmiss");
    const bytes = randomBytes(1500);
    const hex = await sha256(bytes);
    const up = async (
      fields: Record<string, string>,
      extra: { key?: string; query?: Record<string, string> } = {},
    ) =>
      call(
        await multipartRequest("dify", {
          filename: `${mark}.png`,
          bytes,
          fields: { sha256: hex, ...fields },
          ...extra,
        }),
      );
    const first = await resultOf(await up({ user: "alice" }));
    expect((await up({ user: "bob" })).status).toBe(201);
    expect((await up({ user: "alice" }, { key: "test-gateway-key-b" })).status).toBe(201);
    expect((await up({ user: "alice" }, { query: { dedupe: "false" } })).status).toBe(201);
    expect(
      (
        await call(
          await multipartRequest("dify", { filename: `${mark}.png`, bytes, fields: { user: "alice" } }),
        )
      ).status,
    ).toBe(201);
    expect(await receivedWith(mark)).toHaveLength(5);
    // Every alice record of this key deleted: the next one uploads again.
    const list = (await (
      await call(
        new Request(`http://gw/v1/files?sha256=${hex}`, { headers: { authorization: `Bearer ${KEY}` } }),
      )
    ).json()) as components["schemas"]["FileList"];
    for (const r of list.data) {
      const res = await call(
        new Request(`http://gw/v1/files/${r.id}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${KEY}` },
        }),
      );
      expect(res.status).toBe(200);
    }
    expect(list.data.map((r) => r.id)).toContain(first.id);
    expect((await up({ user: "alice" })).status).toBe(201);
    expect(await receivedWith(mark)).toHaveLength(6);
    await problemOf(await up({ user: "alice" }, { query: { dedupe: "maybe" } }), 400, "invalid_field");
  });

  it("POST /v1/uploads with sha256 carries the live record as `existing`, and binds the digest", async () => {
    const mark = marker("ddticket");
    const bytes = randomBytes(1200);
    const hex = await sha256(bytes);
    const mint = async () => {
      const res = await call(
        new Request("http://gw/v1/uploads", {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ provider: "jimmy", sha256: hex }),
        }),
      );
      expect(res.status).toBe(201);
      return (await res.json()) as Ticket;
    };
    const before = await mint();
    expect(before.existing).toBeUndefined();
    const put = (t: Ticket, body: Uint8Array) => {
      const url = new URL(t.upload_url);
      url.searchParams.set("filename", `${mark}.png`);
      return call(
        new Request(url, {
          method: "PUT",
          headers: { "content-type": "image/png", "content-length": String(body.length) },
          body,
        }),
      );
    };
    // The ticket holds the upload to its digest.
    const wrong = randomBytes(1200);
    const mismatch = await problemOf(await put(before, wrong), 400, "digest_mismatch");
    expect(mismatch).toMatchObject({ expected: hex, actual: await sha256(wrong) });
    const again = await mint();
    const result = await resultOf(await put(again, bytes));
    const after = await mint();
    expect(after.existing).toMatchObject({ id: result.id, reference: result.reference });
    // Uploading anyway to a ticket that has one: deduplicated, nothing sent.
    await deduplicated(await put(after, bytes));
    expect((await receivedWith(mark)).filter((r) => r.complete)).toHaveLength(1);
  });
});

describe("verified digests", () => {
  // More than socket buffers hold, so the provider's request must be under way (taking bytes) before the
  // last ones are read and the mismatch shows; a file within one read is held back whole and never reaches
  // the provider at all.
  const big = 8 * LIMITS.maxReadBytes + 12_345;

  it("raw: a Repr-Digest that does not match → 400 digest_mismatch; the provider got an incomplete body", async () => {
    const mark = marker("dmraw");
    const bytes = randomBytes(big);
    const other = randomBytes(16);
    const res = await call(
      rawRequest("useapi", {
        filename: "a.png",
        type: "image/png",
        bytes,
        query: { account: mark },
        headers: { "repr-digest": await reprDigest(other) },
      }),
    );
    const problem = await problemOf(res, 400, "digest_mismatch");
    expect(problem).toMatchObject({ expected: await sha256(other), actual: await sha256(bytes) });
    const seen = await receivedWith(mark, 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.complete).toBe(false);
    expect(seen[0]?.bytes).toBeLessThan(big);
  });

  it("multipart: a sha256 field that does not match → 400 digest_mismatch; incomplete at the provider", async () => {
    const mark = marker("dmmp");
    const bytes = randomBytes(big);
    const declared = "0".repeat(64);
    const res = await call(
      await multipartRequest("jimmy", { filename: `${mark}.png`, bytes, fields: { sha256: declared } }),
    );
    const problem = await problemOf(res, 400, "digest_mismatch");
    expect(problem).toMatchObject({ expected: declared, actual: await sha256(bytes) });
    const seen = await receivedWith(mark, 1);
    expect(seen).toHaveLength(1);
    expect(seen.every((r) => !r.complete && r.bytes < big)).toBe(true);
    // Nothing was recorded.
    const list = (await (
      await call(
        new Request(`http://gw/v1/files?sha256=${await sha256(bytes)}`, {
          headers: { authorization: `Bearer ${KEY}` },
        }),
      )
    ).json()) as components["schemas"]["FileList"];
    expect(list.data).toEqual([]);
  });

  it("a matching digest uploads as usual (201, the whole file delivered)", async () => {
    const mark = marker("dmok");
    const bytes = randomBytes(big);
    const res = await call(
      rawRequest("useapi", {
        filename: "a.png",
        type: "image/png",
        bytes,
        query: { account: mark, dedupe: "false" },
        headers: { "repr-digest": `sha-512=:AAAA:, ${await reprDigest(bytes)}` },
      }),
    );
    const result = await resultOf(res);
    expect(result.file.sha256).toBe(await sha256(bytes));
    expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: big });
  });

  it("malformed Repr-Digest → 400 invalid_field before a byte is forwarded; unknown algorithms are ignored", async () => {
    const mark = marker("dmbad");
    const bytes = randomBytes(100);
    const good = await reprDigest(bytes);
    for (const header of [
      "sha-256=abc",
      "sha-256=:abc:",
      `sha-256=:${b64("ab".repeat(20))}:`,
      "sha-256",
      ":x:",
      `${good}, sha-256=:${b64("00".repeat(32))}:`,
    ]) {
      const res = await call(
        rawRequest("useapi", {
          filename: "a.png",
          type: "image/png",
          bytes,
          query: { account: mark },
          headers: { "repr-digest": header },
        }),
      );
      await problemOf(res, 400, "invalid_field");
    }
    expect(await receivedWith(mark)).toHaveLength(0);
    const unknown = await call(
      rawRequest("useapi", {
        filename: "a.png",
        type: "image/png",
        bytes,
        query: { account: mark },
        headers: { "repr-digest": "sha-512=:AAAA:, md5=:AAAA:" },
      }),
    );
    expect(unknown.status).toBe(201);
    // A malformed hex sha256 field, and a field and query that disagree.
    await problemOf(
      await call(await multipartRequest("jimmy", { fields: { sha256: "xyz" } })),
      400,
      "invalid_field",
    );
    await problemOf(
      await call(
        await multipartRequest("jimmy", {
          fields: { sha256: "a".repeat(64) },
          query: { sha256: "b".repeat(64) },
        }),
      ),
      400,
      "invalid_field",
    );
  });

  it("tus: an Upload-Metadata sha256 that does not match fails the upload and delivers nothing", async () => {
    const mark = marker("dmtus");
    const bytes = randomBytes(3000);
    const { id, location } = await created(
      { provider: "jimmy", filename: `${mark}.png`, filetype: "image/png", sha256: "1".repeat(64) },
      bytes.length,
    );
    const res = await patch(location, 0, bytes, bytes.length);
    const problem = await problemOf(res, 400, "digest_mismatch");
    expect(problem).toMatchObject({ expected: "1".repeat(64), actual: await sha256(bytes) });
    expect(await receivedWith(mark)).toEqual([]);
    expect((await status(id)).status).toBe("failed");

    const ok = marker("dmtusok");
    const good = await created(
      { provider: "jimmy", filename: `${ok}.png`, filetype: "image/png", sha256: await sha256(bytes) },
      bytes.length,
    );
    expect((await patch(good.location, 0, bytes, bytes.length)).status).toBe(204);
    expect((await receivedWith(ok))[0]).toMatchObject({ complete: true, bytes: bytes.length });
  });
});
