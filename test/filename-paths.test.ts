// A filename is a name, never a path: wherever one enters — a multipart filename or filename*, ?filename=,
// tus metadata, a ticket's, an import's body or its source's Content-Disposition — only its last segment
// after "/" or "\" is kept (RFC 6266 §4.3), so a provider, the result and the registry see "x.png" and
// never "../../etc/x.png". A name that is all path ("photos/") names nothing.
import { describe, expect, inject, it } from "vitest";
import { call, KEY, marker, problemOf, rawMultipart, rawRequest, receivedWith, resultOf } from "./helpers";
import { created, patch, status } from "./tus/helpers";

const auth = { authorization: `Bearer ${KEY}` };
const json = (path: string, body: Record<string, unknown>) =>
  call(
    new Request(`http://gw${path}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
const media = (name: string, query: Record<string, string> = {}) => {
  const url = new URL(`${inject("originUrl")}/media/${name}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.href;
};
/** The name the provider received for this test's file. */
const receivedName = async (mark: string) => (await receivedWith(mark, 1))[0]?.filename;

describe("imports: the source's Content-Disposition", () => {
  it.each([
    ["filename* with ../", (m: string) => `attachment; filename*=UTF-8''..%2F..%2Fetc%2F${m}.png`],
    ["filename* with backslashes", (m: string) => `attachment; filename*=UTF-8''..%5C..%5Cwin%5C${m}.png`],
    ["filename* with both", (m: string) => `attachment; filename*=UTF-8''a%5Cb%2F${m}.png`],
    ["plain filename", (m: string) => `attachment; filename="../../etc/${m}.png"`],
  ])("%s: only the last segment is the name", async (_, disposition) => {
    const mark = marker("dpath");
    const res = await call(
      new Request("http://gw.test/v1/providers/jimmy/files", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ url: media("x.png", { disposition: disposition(mark) }) }),
      }),
    );
    expect((await resultOf(res)).file.name).toBe(`${mark}.png`);
    expect(await receivedName(mark)).toBe(`${mark}.png`);
  });

  it("a Content-Disposition that is all path falls back to the URL's last segment", async () => {
    const mark = marker("dpath");
    const url = media(`${mark}.png`, { disposition: "attachment; filename*=UTF-8''..%2F..%2F" });
    expect((await resultOf(await json("/v1/providers/jimmy/files", { url }))).file.name).toBe(`${mark}.png`);
  });

  it("the caller's filename too", async () => {
    const mark = marker("dpath");
    const res = await json("/v1/providers/jimmy/files", {
      url: media("x.png"),
      filename: `a/../${mark}.png`,
    });
    expect((await resultOf(res)).file.name).toBe(`${mark}.png`);
  });
});

describe("direct uploads, tickets and tus: the same", () => {
  it("multipart filename and filename*", async () => {
    for (const disposition of [
      (m: string) => `filename="../../etc/${m}.png"`,
      (m: string) => `filename*=UTF-8''C%3A%5CUsers%5Cme%5C${m}.png`,
    ]) {
      const mark = marker("mpath");
      const body = `--b\r\nContent-Disposition: form-data; name="file"; ${disposition(mark)}\r\nContent-Type: image/png\r\n\r\n${"z".repeat(100)}\r\n--b--\r\n`;
      expect((await resultOf(await call(rawMultipart("jimmy", "b", body)))).file.name).toBe(`${mark}.png`);
      expect(await receivedName(mark)).toBe(`${mark}.png`);
    }
  });

  it("?filename=; one that is all path is filename_missing", async () => {
    const mark = marker("qpath");
    const req = rawRequest("jimmy", { filename: `C:\\Users\\me\\${mark}.png`, type: "image/png" });
    expect((await resultOf(await call(req))).file.name).toBe(`${mark}.png`);
    expect(await receivedName(mark)).toBe(`${mark}.png`);
    await problemOf(
      await call(rawRequest("jimmy", { filename: "photos/", type: "image/png" })),
      400,
      "filename_missing",
    );
  });

  it("a ticket's fixed filename, and the name an app sends to it", async () => {
    const mark = marker("tpath");
    const res = await json("/v1/uploads", { provider: "jimmy", filename: `../${mark}.png` });
    const { upload_url } = (await res.json()) as { upload_url: string };
    const url = new URL(upload_url);
    url.searchParams.set("filename", `/tmp/${mark}.png`);
    const put = await call(
      new Request(url, {
        method: "PUT",
        headers: { "content-type": "image/png", "content-length": "100" },
        body: "z".repeat(100),
      }),
    );
    expect((await resultOf(put)).file.name).toBe(`${mark}.png`);
  });

  it("tus metadata", async () => {
    const mark = marker("tuspath");
    const bytes = new TextEncoder().encode("z".repeat(100));
    const { location, id } = await created(
      { provider: "jimmy", filename: `..\\..\\${mark}.png`, filetype: "image/png" },
      bytes.length,
    );
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    expect((await status(id)).result?.file.name).toBe(`${mark}.png`);
    expect(await receivedName(mark)).toBe(`${mark}.png`);
  });
});
