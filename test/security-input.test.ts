// Hostile input at the door: filenames, declared types under a signed URL's policy, sizes at the edge of a
// limit, lying Content-Lengths. Each case goes through the gateway's fetch handler to the provider emulator.
import { describe, expect, it } from "vitest";
import { quoteParam } from "../worker/providers/encode";
import { parseDisposition } from "../worker/services/upload/multipart-parser";
import {
  call,
  KEY,
  marker,
  problemOf,
  rawMultipart,
  rawRequest,
  receivedWith,
  resultOf,
} from "./helpers";

const auth = { authorization: `Bearer ${KEY}` };
const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** POST /v1/tus (creation only), with a gateway key or a signed URL's tus_url. */
function tusCreate(meta: Record<string, string>, length: number, url = "http://gw/v1/tus") {
  return call(
    new Request(url, {
      method: "POST",
      headers: {
        "tus-resumable": "1.0.0",
        ...(url.includes("token=") ? {} : auth),
        "upload-length": String(length),
        "upload-metadata": Object.entries(meta)
          .map(([k, v]) => `${k} ${b64(v)}`)
          .join(","),
      },
    }),
  );
}

/** A multipart body whose file part carries `disposition` verbatim. */
const fileForm = (disposition: string, type = "image/png", file = "z".repeat(100)) =>
  `--b\r\nContent-Disposition: form-data; name="file"; ${disposition}\r\nContent-Type: ${type}\r\n\r\n${file}\r\n--b--\r\n`;

describe("filenames: control characters are refused wherever a name enters", () => {
  const CONTROL = ["\r\n", "\r", "\n", "\u0000", "\t", "\u001b", "\u007f", "\u0085"];

  it("multipart filename* (RFC 5987) carrying CR, LF or NUL → 400 invalid_field, nothing forwarded", async () => {
    for (const encoded of ["%0D%0A", "%0D", "%0A", "%00", "%7F", "%C2%85"]) {
      const mark = marker("fstar");
      const body = fileForm(`filename*=UTF-8''${mark}${encoded}b.png`);
      await problemOf(await call(rawMultipart("jimmy", "b", body)), 400, "invalid_field");
      expect(await receivedWith(mark), encoded).toEqual([]);
    }
  });

  it("a quoted multipart filename carrying a tab → 400 invalid_field", async () => {
    const mark = marker("tab");
    await problemOf(
      await call(rawMultipart("jimmy", "b", fileForm(`filename="${mark}\tb.png"`))),
      400,
      "invalid_field",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("?filename= carrying control characters → 400 invalid_field, nothing forwarded", async () => {
    for (const c of CONTROL) {
      const mark = marker("raw");
      const request = rawRequest("dify", { filename: `${mark}${c}b.png`, type: "image/png" });
      await problemOf(await call(request), 400, "invalid_field");
      expect(await receivedWith(mark), JSON.stringify(c)).toEqual([]);
    }
  });

  it("tus Upload-Metadata filename carrying control characters → 400 invalid_field", async () => {
    for (const c of CONTROL) {
      const res = await tusCreate({ provider: "dify", filename: `a${c}b.png` }, 100);
      await problemOf(res, 400, "invalid_field");
    }
  });

  it("a ticket's filename carrying control characters → 400 invalid_field", async () => {
    for (const c of CONTROL) {
      const res = await call(
        new Request("http://gw/v1/uploads", {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ provider: "dify", filename: `a${c}b.png` }),
        }),
      );
      await problemOf(res, 400, "invalid_field");
    }
  });

  it("names without control characters still pass: spaces, quotes, backslashes, non-ASCII", async () => {
    const mark = marker("ok");
    const name = `${mark} "ü" \\ 文件.png`;
    const result = await resultOf(await call(rawRequest("dify", { filename: name, type: "image/png" })));
    expect(result.file.name).toBe(name);
  });
});

describe("filenames: backslashes are escaped when quoted for a provider", () => {
  it("quoteParam escapes a backslash, so a trailing one cannot escape the closing quote", () => {
    expect(quoteParam("a.png\\")).toBe('"a.png\\\\"');
    expect(quoteParam('a\\"b')).toBe('"a\\\\%22b"');
    expect(parseDisposition(`form-data; name="file"; filename=${quoteParam("a.png\\")}`)).toEqual({
      name: "file",
      filename: "a.png\\",
    });
    expect(parseDisposition(`form-data; name="file"; filename=${quoteParam("c:\\x\\y.png")}`)).toEqual({
      name: "file",
      filename: "c:\\x\\y.png",
    });
  });

  it("a name ending in a backslash reaches the provider as that name", async () => {
    const mark = marker("bs");
    const name = `${mark}.png\\`;
    // The emulator plays Dify, which refuses this extension (415, passed on): what matters is the
    // name it read from the part's headers.
    const res = await call(rawRequest("dify", { filename: name, type: "image/png" }));
    await res.body?.cancel();
    expect((await receivedWith(mark))[0]).toMatchObject({ filename: name, complete: true });
  });
});
