// Hostile input at the door: filenames, declared types under a signed URL's policy, sizes at the edge of a
// limit, lying Content-Lengths. Each case goes through the gateway's fetch handler to the provider emulator.
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import { quoteParam } from "../worker/providers/kit/encode";
import { parseDisposition } from "../worker/services/upload/multipart-parser";
import {
  call,
  KEY,
  marker,
  problemOf,
  randomBytes,
  rawMultipart,
  rawRequest,
  receivedWith,
  resultOf,
} from "./helpers";

type Ticket = components["schemas"]["UploadTicket"];
const auth = { authorization: `Bearer ${KEY}` };
const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** A signed upload URL for `body` (POST /v1/uploads with the gateway key). */
async function ticket(body: Record<string, unknown>): Promise<Ticket> {
  const res = await call(
    new Request("http://gw/v1/uploads", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json as Ticket;
}

/** The app's PUT of a raw file to a signed URL. */
function put(url: string, bytes: Uint8Array, type: string, query: Record<string, string> = {}) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return new Request(u, {
    method: "PUT",
    headers: { "content-type": type, "content-length": String(bytes.length) },
    body: bytes,
  });
}

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

  it("names without control characters still pass: spaces, quotes, non-ASCII", async () => {
    const mark = marker("ok");
    const name = `${mark} "ü" 文件.png`;
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

  it("a name ending in a backslash is all path (only a last segment is a name): nothing is forwarded", async () => {
    // Names never keep a "\\" (core/media.ts baseName), so none reaches a provider's quoted part headers;
    // quoteParam above still escapes one, should a name ever carry it.
    const mark = marker("bs");
    const res = await call(rawRequest("dify", { filename: `${mark}.png\\`, type: "image/png" }));
    await problemOf(res, 400, "filename_missing");
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("signed URLs listing content types: the extension decides the type, never the declaration", () => {
  it("a file whose extension has no known type is refused (415), whatever it declares", async () => {
    // Dify takes any extension, so only the policy stands between the app and the provider.
    const images = await ticket({ provider: "dify", content_type: "image/*" });
    const mark = marker("html");
    const html = await call(
      put(images.upload_url, randomBytes(100), "image/png", { filename: `${mark}.html` }),
    );
    const problem = await problemOf(html, 415, "unsupported_file_type");
    expect(problem.accepted).toEqual(["image/*"]);
    const png = await ticket({ provider: "dify", content_type: ["image/png"] });
    const pdf = await call(put(png.upload_url, randomBytes(100), "image/png", { filename: `${mark}.pdf` }));
    await problemOf(pdf, 415, "unsupported_file_type");
    const octets = await ticket({ provider: "dify", content_type: "application/octet-stream" });
    const bin = await call(
      put(octets.upload_url, randomBytes(100), "application/octet-stream", { filename: `${mark}.bin` }),
    );
    await problemOf(bin, 415, "unsupported_file_type");
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("the same through tus: Upload-Metadata filetype does not stand in for the extension", async () => {
    const t = await ticket({ provider: "dify", content_type: "image/*" });
    const res = await tusCreate({ filename: "evil.html", filetype: "image/png" }, 100, t.tus_url);
    await problemOf(res, 415, "unsupported_file_type");
    const known = await tusCreate({ filename: "cat.png", filetype: "image/png" }, 100, t.tus_url);
    expect(known.status, await known.clone().text()).toBe(201);
  });

  it("known extensions pass on their table type: declared, aliased or left to the extension", async () => {
    const images = await ticket({ provider: "dify", content_type: "image/*" });
    const a = await resultOf(
      await call(put(images.upload_url, randomBytes(100), "application/octet-stream", { filename: "a.PNG" })),
    );
    expect(a.file).toMatchObject({ mime_type: "image/png", kind: "image" });
    const jpeg = await ticket({ provider: "dify", content_type: ["image/jpeg"] });
    const b = await resultOf(
      await call(put(jpeg.upload_url, randomBytes(100), "image/jpg", { filename: "b.jpg" })),
    );
    expect(b.file.kind).toBe("image");
  });

  it("a ticket fixing a filename whose extension has no known type, with content types listed, is refused", async () => {
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ provider: "dify", filename: "evil.html", content_type: "image/*" }),
      }),
    );
    await problemOf(res, 400, "invalid_field");
  });

  it("without a policy an unknown extension is taken, but its kind never comes from the declared type", async () => {
    const mark = marker("kind");
    const result = await resultOf(
      await call(rawRequest("dify", { filename: `${mark}.pdf`, type: "image/png" })),
    );
    expect(result.file.kind).toBe("document");
  });
});

/** A multipart body around `file`, ending with the closing boundary and, when `crlf`, the usual CRLF. */
function form(name: string, file: Uint8Array, crlf: boolean): Uint8Array {
  const enc = new TextEncoder();
  const head = enc.encode(
    `--b\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--b--${crlf ? "\r\n" : ""}`);
  const out = new Uint8Array(head.length + file.length + tail.length);
  out.set(head, 0);
  out.set(file, head.length);
  out.set(tail, head.length + file.length);
  return out;
}

describe("limits hold on the bytes counted, not on a size known to within the epilogue", () => {
  const post = (url: string, body: Uint8Array) =>
    new Request(url, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=b", "content-length": String(body.length) },
      body,
    });

  it("max_bytes 1000: a 1001- or 1002-byte file in a form without the closing CRLF → 413, never complete upstream", async () => {
    for (const extra of [1, 2]) {
      const mark = marker("over");
      const t = await ticket({ provider: "dify", max_bytes: 1000 });
      const res = await call(post(t.upload_url, form(`${mark}.png`, randomBytes(1000 + extra), false)));
      const problem = await problemOf(res, 413, "file_too_large");
      expect(problem.max_bytes).toBe(1000);
      expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
    }
  });

  it("max_bytes 1000: exactly 1000 bytes passes with or without the closing CRLF", async () => {
    for (const crlf of [true, false]) {
      const mark = marker("exact");
      const t = await ticket({ provider: "dify", max_bytes: 1000 });
      const result = await resultOf(
        await call(post(t.upload_url, form(`${mark}.png`, randomBytes(1000), crlf))),
      );
      expect(result.file.size).toBe(1000);
      expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: 1000 });
    }
  });

  it("a provider's own limit (Jimmy, 100 MiB) + 2 bytes without the closing CRLF → 413, never complete upstream", {
    timeout: 60_000,
  }, async () => {
    const MiB = 1024 * 1024;
    const limit = 100 * MiB;
    const mark = marker("jimmy");
    const enc = new TextEncoder();
    const head = enc.encode(
      `--b\r\nContent-Disposition: form-data; name="file"; filename="${mark}.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    const tail = enc.encode("\r\n--b--");
    const block = randomBytes(MiB);
    const size = limit + 2;
    let sent = -1;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === -1) {
          c.enqueue(head);
          sent = 0;
        } else if (sent < size) {
          const n = Math.min(MiB, size - sent);
          c.enqueue(block.slice(0, n));
          sent += n;
        } else {
          c.enqueue(tail);
          c.close();
        }
      },
    });
    const res = await call(
      new Request("http://gw/v1/providers/jimmy/files", {
        method: "POST",
        headers: {
          ...auth,
          "content-type": "multipart/form-data; boundary=b",
          "content-length": String(head.length + size + tail.length),
        },
        body,
      }),
      // Above the default MAX_REQUEST_BYTES (100 MiB), so Jimmy's own limit is the one in play.
      { MAX_REQUEST_BYTES: String(200 * MiB) },
    );
    const problem = await problemOf(res, 413, "file_too_large");
    expect(problem.max_bytes).toBe(limit);
    expect(problem.detail).toMatch(/Jimmy/);
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });
});

describe("whatever a client declares or sends, the answer is a 4xx problem, never a 5xx", () => {
  const HUGE = "999999999999";
  /** MAX_REQUEST_BYTES high enough that the declared length passes the first check. */
  const roomy = { MAX_REQUEST_BYTES: String(2 * 1024 ** 4) };
  const head = (name: string) =>
    new TextEncoder().encode(
      `--b\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: video/mp4\r\n\r\n`,
    );

  /**
   * A client that declares `Content-Length: 999999999999` and then, after `chunks`, ends its body
   * ("ends"), drops the connection ("drops": workerd's read error), or keeps it open sending nothing.
   */
  function lying(chunks: Uint8Array[], then: "ends" | "drops" | "stalls") {
    let cancelled = false;
    const queue = [...chunks];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = queue.shift();
        if (next) return c.enqueue(next);
        if (then === "ends") return c.close();
        if (then === "drops")
          return c.error(new TypeError("Can't read from request stream because client disconnected."));
        return new Promise<void>(() => {}); // stalls
      },
      cancel() {
        cancelled = true;
      },
    });
    return { stream, cancelled: () => cancelled };
  }

  const request = (provider: string, form: "raw" | "multipart", body: ReadableStream<Uint8Array>) => {
    const query = provider === "minimax" ? "&purpose=video_understanding" : "";
    return new Request(
      form === "raw"
        ? `http://gw/v1/providers/${provider}/files?filename=a.mp4${query}`
        : `http://gw/v1/providers/${provider}/files?${query.slice(1)}`,
      {
        method: "POST",
        headers: {
          ...auth,
          "content-type": form === "raw" ? "video/mp4" : "multipart/form-data; boundary=b",
          "content-length": HUGE,
        },
        body,
      },
    );
  };

  /** The answer, or a failure when none comes within 5 s (a stalled client must not stall the answer). */
  async function answer(pending: Promise<Response>): Promise<Response> {
    const timeout = scheduler.wait(5000).then(() => {
      throw new Error("no answer within 5 s");
    });
    return Promise.race([pending, timeout]);
  }

  async function expect4xx(res: Response, label: string) {
    const text = await res.text();
    expect(res.status, `${label}: ${text}`).toBeGreaterThanOrEqual(400);
    expect(res.status, `${label}: ${text}`).toBeLessThan(500);
    expect(res.headers.get("content-type"), label).toBe("application/problem+json");
  }

  it("a body that ends or drops, before or after the multipart head, for every provider and form", async () => {
    for (const provider of ["jimmy", "dify", "minimax", "useapi", "wavespeed"]) {
      for (const form of ["raw", "multipart"] as const) {
        for (const then of ["ends", "drops"] as const) {
          for (const sent of form === "raw"
            ? [[], [randomBytes(1000)]]
            : [[], [head("a.mp4"), randomBytes(1000)]]) {
            const label = `${provider} ${form} ${then} after ${sent.length} chunks`;
            const res = await answer(call(request(provider, form, lying(sent, then).stream), roomy));
            await expect4xx(res, label);
          }
        }
      }
    }
  });

  it("a declared length past what a staged upload can hold is refused before the body is read", async () => {
    // WaveSpeed over 300 MiB is staged in R2 and handed over as a URL: R2 holds up to 5 GB in one put.
    for (const form of ["raw", "multipart"] as const) {
      const client = lying(
        form === "raw" ? [randomBytes(1000)] : [head("a.mp4"), randomBytes(1000)],
        "stalls",
      );
      const res = await answer(call(request("wavespeed", form, client.stream), roomy));
      const problem = await problemOf(res, 413, "file_too_large");
      expect(problem.max_bytes, form).toBe(5_000_000_000);
    }
  });

  it("over MAX_REQUEST_BYTES (2 GiB): 413 at once, and the unread body is cancelled, not left to drain", async () => {
    const client = lying([randomBytes(1000)], "stalls");
    const res = await answer(
      call(request("dify", "raw", client.stream), { MAX_REQUEST_BYTES: String(2 * 1024 ** 3) }),
    );
    await problemOf(res, 413, "file_too_large");
    expect(client.cancelled()).toBe(true);
  });

  it("any refusal before the body is read cancels it (401, 404, 400)", async () => {
    for (const [url, headers, status] of [
      ["http://gw/v1/providers/dify/files?filename=a.png", {}, 401],
      ["http://gw/v1/providers/nope/files?filename=a.png", auth, 404],
      ["http://gw/v1/providers/dify/files", { ...auth, "content-type": "multipart/form-data" }, 400],
    ] as const) {
      const client = lying([randomBytes(1000)], "stalls");
      const res = await answer(
        call(
          new Request(url, {
            method: "POST",
            headers: { "content-type": "image/png", "content-length": HUGE, ...headers },
            body: client.stream,
          }),
          roomy,
        ),
      );
      expect(res.status).toBe(status);
      expect(client.cancelled(), url).toBe(true);
    }
  });
});
