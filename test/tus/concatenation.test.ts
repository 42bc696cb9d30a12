// tus concatenation: partial uploads in parallel (no metadata), then a final upload naming them and the
// provider. The provider receives the partials' bytes in order; nothing is copied into a new object.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Stored } from "../../worker/services/records/record";
import { signContentUrl } from "../../worker/services/staging/signed-url";
import { stagedKey } from "../../worker/services/staging/staged";
import { FIXTURES } from "../fixtures/media";
import {
  call,
  KEY_B,
  marker,
  problemOf,
  randomBytes,
  receivedWith,
  SIGNING_SECRET,
  sha256,
} from "../helpers";
import { makeKey } from "../keys/helpers";
import { auth, bucket, create, head, metadata, patch, status, stub, TUS } from "./helpers";

const partial = async (bytes: Uint8Array, headers: Record<string, string> = {}) => {
  const res = await create({}, bytes.length, {
    "upload-concat": "partial",
    "upload-metadata": "",
    ...headers,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const location = res.headers.get("location") ?? "";
  return { location, id: location.split("/").pop() ?? "" };
};

const final = (
  parts: readonly string[],
  meta: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  call(
    new Request("http://gw/v1/tus", {
      method: "POST",
      headers: {
        ...TUS,
        ...auth,
        "upload-concat": `final;${parts.join(" ")}`,
        "upload-metadata": metadata(meta),
        ...headers,
      },
    }),
  );

const b64digest = async (algorithm: string, bytes: Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest(algorithm, bytes))));

const concat = (...parts: Uint8Array[]) => new Blob(parts as unknown as ArrayBuffer[]).bytes();

describe("concatenation", () => {
  it("OPTIONS advertises it; partials in parallel, then a final: the provider gets them in order", async () => {
    const options = await call(new Request("http://gw/v1/tus", { method: "OPTIONS", headers: TUS }));
    expect(options.headers.get("tus-extension")).toContain("concatenation");
    // Three pieces of a PNG, the middle one crossing an R2 part (5 MiB) so it is stored in parts itself.
    const a = await concat(FIXTURES.png, randomBytes(3000));
    const b = randomBytes(6 * 1024 * 1024 + 17);
    const c = randomBytes(999);
    const [pa, pb, pc] = await Promise.all([partial(a), partial(b), partial(c)]);
    // The checksum extension works on a partial: a mismatch is 460 and moves nothing.
    const wrong = await b64digest("SHA-1", randomBytes(8));
    await problemOf(
      await patch(pc.location, 0, c, c.length, { "upload-checksum": `sha1 ${wrong}` }),
      460,
      "checksum_mismatch",
    );
    const sent = await Promise.all([
      patch(pa.location, 0, a, a.length),
      patch(pb.location, 0, b, b.length),
      patch(pc.location, 0, c, c.length, { "upload-checksum": `sha256 ${await b64digest("SHA-256", c)}` }),
    ]);
    expect(sent.map((r) => r.status)).toEqual([204, 204, 204]);
    // A finished partial is delivered nowhere, and HEAD says what it is.
    expect((await head(pb.location)).headers.get("upload-concat")).toBe("partial");
    const mark = marker("cat");
    const res = await final([pa.location, new URL(pb.location).pathname, pc.location], {
      provider: "useapi",
      filename: "cat.png",
      filetype: "image/png",
      account: mark,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const location = res.headers.get("location") ?? "";
    const id = location.split("/").pop() ?? "";
    const whole = await concat(a, b, c);
    const [seen] = await receivedWith(mark, 1);
    expect(seen).toMatchObject({
      complete: true,
      bytes: whole.length,
      sha256: await sha256(whole),
      contentLength: whole.length,
    });
    const done = await status(id);
    expect(done).toMatchObject({ status: "completed", offset: whole.length, length: whole.length });
    expect(done.result?.file).toMatchObject({ size: whole.length, detected_type: "image/png" });
    expect(done.result?.file.sha256).toBe(await sha256(whole));
    // Its retention runs from its oldest bytes: no piece outlives the sweep's bound.
    const stagedAt = async (upload: string) =>
      runInDurableObject(
        stub(upload),
        async (_o, state) => (await state.storage.get<Stored>("upload"))?.tus?.stagedAt,
      );
    const partsAt = await Promise.all([pa.id, pb.id, pc.id].map(stagedAt));
    expect(await stagedAt(id)).toBe(Math.min(...(partsAt as number[])));
    // Never copied: the final upload has no object of its own; the partials are its bytes.
    expect(await bucket.head(stagedKey(id))).toBeNull();
    expect(await bucket.head(stagedKey(pb.id))).not.toBeNull();
    const h = await head(location);
    expect(h.headers.get("upload-length")).toBe(String(whole.length));
    expect(h.headers.get("upload-concat")).toBe(`final;/v1/tus/${pa.id} /v1/tus/${pb.id} /v1/tus/${pc.id}`);
    // A partial belongs to its final now: it can't be concatenated again, nor written.
    expect((await head(pa.location)).status).toBe(410);
    await problemOf(
      await final([pa.location], { provider: "useapi", filename: "x.png" }),
      400,
      "invalid_field",
    );

    // The signed content URL serves the pieces in order: whole, ranged across a boundary, conditional.
    const url = await signContentUrl("http://gw", id, new Date(Date.now() + 60_000), SIGNING_SECRET);
    const all = await call(new Request(url));
    expect(all.headers.get("content-length")).toBe(String(whole.length));
    expect(all.headers.get("content-type")).toBe("image/png");
    expect(await sha256(new Uint8Array(await all.arrayBuffer()))).toBe(await sha256(whole));
    const from = a.length - 5;
    const part = await call(new Request(url, { headers: { range: `bytes=${from}-${from + b.length + 9}` } }));
    expect(part.status).toBe(206);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.subarray(from, from + b.length + 10));
    const etag = all.headers.get("etag") ?? "";
    expect((await call(new Request(url, { headers: { "if-none-match": etag } }))).status).toBe(304);

    // DELETE of the finished final ends it and removes every piece (Jimmy-like uploads keep no reference).
    const del = await call(new Request(location, { method: "DELETE", headers: { ...TUS, ...auth } }));
    expect(del.status).toBe(204);
    for (const p of [pa, pb, pc]) expect(await bucket.head(stagedKey(p.id))).toBeNull();
    await problemOf(await call(new Request(url)), 404, "not_found");
  });

  it("a final upload takes only the caller's own finished partials; the file is checked whole", async () => {
    const mine = randomBytes(2000);
    const p = await partial(mine);
    // Unfinished.
    await problemOf(
      await final([p.location], { provider: "useapi", filename: "a.png" }),
      400,
      "invalid_field",
    );
    expect((await patch(p.location, 0, mine, mine.length)).status).toBe(204);
    // Another project's partial is as unknown as none; so is a made-up id.
    const theirs = await call(
      new Request("http://gw/v1/tus", {
        method: "POST",
        headers: {
          ...TUS,
          authorization: `Bearer ${KEY_B}`,
          "upload-length": "10",
          "upload-concat": "partial",
        },
      }),
    );
    const other = theirs.headers.get("location") ?? "";
    const notFound = await problemOf(
      await final([p.location, other], { provider: "useapi", filename: "a.png" }),
      404,
      "not_found",
    );
    const unknown = await problemOf(
      await final([p.location, `/v1/tus/${crypto.randomUUID()}`], { provider: "useapi", filename: "a.png" }),
      404,
      "not_found",
    );
    expect(notFound.detail).toBe(unknown.detail);
    // A whole upload is not a partial; a final upload has no Upload-Length of its own.
    const { location: whole } = await (async () => {
      const r = await create({ provider: "useapi", filename: "w.png" }, 10);
      return { location: r.headers.get("location") ?? "" };
    })();
    await problemOf(await final([whole], { provider: "useapi", filename: "a.png" }), 400, "invalid_field");
    await problemOf(
      await final([p.location], { provider: "useapi", filename: "a.png" }, { "upload-length": "2000" }),
      400,
      "invalid_field",
    );
    // Checked whole: the name's type against the provider, and the first piece's bytes against the name.
    await problemOf(
      await final([p.location], { provider: "jimmy", filename: "a.exe" }),
      415,
      "unsupported_file_type",
    );
    const jpeg = await concat(FIXTURES.jpeg, randomBytes(100));
    const j = await partial(jpeg);
    expect((await patch(j.location, 0, jpeg, jpeg.length)).status).toBe(204);
    await problemOf(
      await final([j.location, p.location], { provider: "useapi", filename: "a.png" }),
      415,
      "content_mismatch",
    );
    // Delivery refused it, after the final took its partials: the final keeps them (failed, retryable).
    await problemOf(
      await final([p.location], { provider: "useapi", filename: "b.png" }),
      400,
      "invalid_field",
    );
  });

  it("keep_days on a final upload is refused (its bytes are its partials'), and the partials stay usable", async () => {
    const a = await concat(FIXTURES.png, randomBytes(500));
    const pa = await partial(a);
    expect((await patch(pa.location, 0, a, a.length)).status).toBe(204);
    const mark = marker("keepcat");
    const meta = { provider: "useapi", filename: "k.png", filetype: "image/png", account: mark };
    const refused = await problemOf(
      await final([pa.location], { ...meta, keep_days: "3" }),
      400,
      "invalid_field",
    );
    expect(refused.detail).toContain("keep_days");
    expect(await receivedWith(mark)).toEqual([]);
    // Nothing was taken: the same partial makes a final without keep_days.
    expect((await final([pa.location], meta)).status).toBe(201);
    const [seen] = await receivedWith(mark, 1);
    expect(seen?.sha256).toBe(await sha256(a));
  });

  it("quotas count the whole file once, when the final upload is created; partials count nothing", async () => {
    const key = (await makeKey({ name: "concat", quotas: { bytes_per_day: 5000 } })).key;
    const as = { authorization: `Bearer ${key}` };
    // 6000 bytes of partials under a 5000-byte day: none is refused.
    const parts = await Promise.all([2000, 2000, 2000].map(() => randomBytes(2000)));
    const ps = await Promise.all(parts.map((bytes) => partial(bytes, as)));
    for (const [i, p] of ps.entries()) {
      const bytes = parts[i] as Uint8Array;
      expect((await patch(p.location, 0, bytes, bytes.length, as)).status).toBe(204);
    }
    const meta = { provider: "useapi", filename: "a.mp4" };
    const first = await final([ps[0]?.location ?? "", ps[1]?.location ?? ""], meta, as);
    expect(first.status, await first.clone().text()).toBe(201);
    expect(first.headers.get("ratelimit")).toMatch(/^"bytes_per_day";r=1000;/);
    await problemOf(await final([ps[2]?.location ?? ""], meta, as), 429, "quota_exceeded");
    // Refused before it took anything: the partial is still there to use.
    expect((await head(ps[2]?.location ?? "")).status).toBe(200);
  });

  it("refused with a signed URL's token: it names one upload", async () => {
    const t = (await (
      await call(
        new Request("http://gw/v1/uploads", {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ provider: "useapi" }),
        }),
      )
    ).json()) as { tus_url: string };
    const res = await call(
      new Request(t.tus_url, {
        method: "POST",
        headers: { ...TUS, "upload-length": "10", "upload-concat": "partial" },
      }),
    );
    await problemOf(res, 400, "invalid_field");
  });
});
