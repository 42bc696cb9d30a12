// tus creation-defer-length: an upload whose length is not known when it starts (a phone streaming a
// recording), held to the provider's (and the ticket's) limit as bytes arrive, its length declared by a
// later PATCH; quotas count it then, once.
import { describe, expect, it } from "vitest";
import { call, marker, mintTicket, problemOf, randomBytes, receivedWith, sha256 } from "../helpers";
import { makeKey } from "../keys/helpers";
import { auth, create, head, metadata, patch, status, TUS } from "./helpers";

const deferred = (meta: Record<string, string>, headers: Record<string, string> = {}) =>
  call(
    new Request("http://gw/v1/tus", {
      method: "POST",
      headers: { ...TUS, ...auth, "upload-defer-length": "1", "upload-metadata": metadata(meta), ...headers },
    }),
  );

describe("creation-defer-length", () => {
  it("OPTIONS lists it; bytes arrive with no length, then a PATCH declares it and the file is delivered", async () => {
    const options = await call(new Request("http://gw/v1/tus", { method: "OPTIONS", headers: TUS }));
    expect(options.headers.get("tus-extension")).toContain("creation-defer-length");
    const mark = marker("defer");
    const res = await deferred({
      provider: "useapi",
      filename: "rec.mp4",
      filetype: "video/mp4",
      account: mark,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const location = res.headers.get("location") ?? "";
    const h = await head(location);
    expect(h.headers.get("upload-defer-length")).toBe("1");
    expect(h.headers.has("upload-length")).toBe(false);
    const bytes = randomBytes(7 * 1024 * 1024 + 5);
    const first = bytes.subarray(0, 6 * 1024 * 1024);
    expect((await patch(location, 0, first, first.length)).status).toBe(204);
    const rest = bytes.subarray(first.length);
    const last = await patch(location, first.length, rest, rest.length, {
      "upload-length": String(bytes.length),
    });
    expect(last.status, await last.clone().text()).toBe(204);
    expect(last.headers.has("x-mediagate-length-declared")).toBe(false);
    const [seen] = await receivedWith(mark, 1);
    expect(seen).toMatchObject({ complete: true, bytes: bytes.length, sha256: await sha256(bytes) });
    const id = location.split("/").pop() ?? "";
    expect(await status(id)).toMatchObject({ status: "completed", length: bytes.length });
    expect((await head(location)).headers.get("upload-length")).toBe(String(bytes.length));
  });

  it("held to the ticket's limit as bytes arrive; the declared length is checked and fixed once", async () => {
    const t = await mintTicket({ provider: "useapi", max_bytes: 4000 });
    const res = await call(
      new Request(t.tus_url ?? "", {
        method: "POST",
        headers: { ...TUS, "upload-defer-length": "1", "upload-metadata": `filename ${btoa("a.mp4")}` },
      }),
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const location = res.headers.get("location") ?? "";
    const send = (offset: number, body: Uint8Array, headers: Record<string, string> = {}) =>
      call(
        new Request(location, {
          method: "PATCH",
          headers: {
            ...TUS,
            "content-type": "application/offset+octet-stream",
            "upload-offset": String(offset),
            "content-length": String(body.length),
            ...headers,
          },
          body,
        }),
      );
    expect((await send(0, randomBytes(3000))).status).toBe(204);
    // Undeclared, the bytes may not reach the limit; declared, the length may not pass it or fall short.
    await problemOf(await send(3000, randomBytes(1000)), 413, "file_too_large");
    await problemOf(await send(3000, randomBytes(1000), { "upload-length": "4001" }), 413, "file_too_large");
    await problemOf(await send(3000, randomBytes(1000), { "upload-length": "3500" }), 400, "invalid_field");
    expect((await head(location)).headers.get("upload-offset")).toBe("3000");
    const ok = await send(3000, randomBytes(500), { "upload-length": "3500" });
    expect(ok.status, await ok.clone().text()).toBe(204);
    expect((await status(t.id)).status).toBe("completed");
  });

  it("refuses a defer with a length, another value, or on a partial upload", async () => {
    const meta = { provider: "useapi", filename: "a.mp4" };
    await problemOf(await create(meta, 10, { "upload-defer-length": "1" }), 400, "invalid_field");
    await problemOf(await deferred(meta, { "upload-defer-length": "2" }), 400, "invalid_field");
    await problemOf(await deferred({}, { "upload-concat": "partial" }), 400, "invalid_field");
  });

  it("quotas count the length when a PATCH declares it, once", async () => {
    const key = (await makeKey({ name: "defer", quotas: { bytes_per_day: 5000 } })).key;
    const as = { authorization: `Bearer ${key}` };
    const start = async () => {
      const res = await deferred({ provider: "useapi", filename: "a.mp4" }, as);
      expect(res.status, await res.clone().text()).toBe(201);
      return res.headers.get("location") ?? "";
    };
    const a = await start();
    const declare = (location: string, n: number, headers: Record<string, string> = {}) =>
      patch(location, 0, randomBytes(n), n, { ...as, "upload-length": String(n), ...headers });
    // Declared by a PATCH whose body is then refused (460): the length stands, and it is counted.
    const wrong = btoa(String.fromCharCode(...new Uint8Array(20)));
    await problemOf(await declare(a, 3000, { "upload-checksum": `sha1 ${wrong}` }), 460, "checksum_mismatch");
    expect((await head(a)).headers.get("upload-length")).toBe("3000");
    const b = await start();
    await problemOf(await declare(b, 3000), 429, "quota_exceeded");
    expect((await head(b)).headers.get("upload-defer-length")).toBe("1");
    expect((await declare(b, 2000)).status).toBe(204);
    // The declaring PATCH sent again counts nothing more.
    expect((await declare(a, 3000)).status).toBe(204);
  });
});
