// Every error code in the catalogue, as a caller meets it: problem+json with a stable code. Refusals are
// checked to never reach the provider.
import { describe, expect, it } from "vitest";
import { ERRORS } from "../worker/core/errors";
import {
  call,
  KEY,
  marker,
  multipartRequest,
  problemOf,
  randomBytes,
  rawMultipart,
  rawRequest,
  receivedWith,
  SAMPLES,
} from "./helpers";

/** Refused before forwarding: the emulator has no request marked `mark`. */
async function neverReached(mark: string) {
  expect(await receivedWith(mark)).toEqual([]);
}

describe("unauthorized (401)", () => {
  it("without an Authorization header", async () => {
    const mark = marker();
    await problemOf(
      await call(await multipartRequest("jimmy", { filename: `${mark}.png`, key: null })),
      401,
      "unauthorized",
    );
    await neverReached(mark);
  });

  it("with a wrong key, one a byte short, or a non-Bearer scheme", async () => {
    for (const authorization of [
      "Bearer nope",
      `Bearer ${KEY.slice(0, -1)}`,
      `Basic ${KEY}`,
      `Bearer ${KEY}x`,
    ]) {
      const res = await call(new Request("http://gw/v1/providers", { headers: { authorization } }));
      await problemOf(res, 401, "unauthorized");
    }
  });

  it("accepts any of several configured keys", async () => {
    const res = await call(
      new Request("http://gw/v1/providers", { headers: { authorization: "Bearer second" } }),
      {
        GATEWAY_API_KEYS: `first, second ,third`,
      },
    );
    expect(res.status).toBe(200);
  });

  it("refuses every /v1 call when no keys are configured (no bootstrap key, no SIGNING_SECRET for runtime keys)", async () => {
    for (const keys of [undefined, "", " , "]) {
      const res = await call(
        new Request("http://gw/v1/providers", { headers: { authorization: "Bearer " } }),
        {
          GATEWAY_API_KEYS: keys,
          SIGNING_SECRET: undefined,
        },
      );
      const problem = await problemOf(res, 401, "unauthorized");
      expect(problem.detail).toMatch(/no API keys configured/);
    }
  });
});

describe("routing", () => {
  it("unknown_provider (404)", async () => {
    await problemOf(await call(await multipartRequest("acme")), 404, "unknown_provider");
  });

  it("not_found (404) for unknown routes, authenticated or not", async () => {
    await problemOf(await call(new Request("http://gw/nope")), 404, "not_found");
    const res = await call(new Request("http://gw/v1/nope", { headers: { authorization: `Bearer ${KEY}` } }));
    await problemOf(res, 404, "not_found");
  });

  it("method_not_allowed (405) with Allow", async () => {
    const res = await call(
      new Request("http://gw/v1/providers/jimmy/files", { headers: { authorization: `Bearer ${KEY}` } }),
    );
    await problemOf(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("provider_not_configured (503) names the variable to set", async () => {
    const mark = marker();
    const res = await call(await multipartRequest("jimmy", { filename: `${mark}.png` }), {
      JIMMY_API_KEY: undefined,
    });
    const problem = await problemOf(res, 503, "provider_not_configured");
    expect(problem.detail).toContain("JIMMY_API_KEY");
    expect(problem.provider).toBe("jimmy");
    await neverReached(mark);
  });

  it("internal_error (500) hides the cause", async () => {
    const res = await call(rawRequest("jimmy", { filename: "a.png", type: "image/png" }), {
      MAX_REQUEST_BYTES: "lots",
    });
    const problem = await problemOf(res, 500, "internal_error");
    expect(problem.detail).not.toContain("lots");
  });
});

describe("the body", () => {
  it("no_file_uploaded: a form without a file part, an empty raw body, an empty file", async () => {
    const form = '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nalice\r\n--b--\r\n';
    await problemOf(await call(rawMultipart("dify", "b", form)), 400, "no_file_uploaded");
    await problemOf(
      await call(rawRequest("jimmy", { filename: "a.png", type: "image/png", bytes: new Uint8Array(0) })),
      400,
      "no_file_uploaded",
    );
    const mark = marker();
    await problemOf(
      await call(await multipartRequest("jimmy", { filename: `${mark}.png`, bytes: new Uint8Array(0) })),
      400,
      "no_file_uploaded",
    );
    await neverReached(mark);
  });

  it("too_many_files: a second file part; nothing complete reaches the provider", async () => {
    const mark = marker();
    const file = (name: string) =>
      `--b\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n${"x".repeat(5000)}\r\n`;
    const body = `${file(`${mark}.png`)}${file(`${mark}-2.png`)}--b--\r\n`;
    await problemOf(await call(rawMultipart("jimmy", "b", body)), 400, "too_many_files");
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });

  it("filename_missing: a raw body without ?filename=, a file part without filename", async () => {
    await problemOf(await call(rawRequest("jimmy", { type: "image/png" })), 400, "filename_missing");
    const body =
      '--b\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: image/png\r\n\r\nxyz\r\n--b--\r\n';
    await problemOf(await call(rawMultipart("jimmy", "b", body)), 400, "filename_missing");
  });

  it("malformed_body: bad boundary, truncated form, garbage, Content-Length mismatch", async () => {
    const noBoundary = new Request("http://gw/v1/providers/jimmy/files", {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "multipart/form-data",
        "content-length": "3",
      },
      body: "abc",
    });
    await problemOf(await call(noBoundary), 400, "malformed_body");
    await problemOf(await call(rawMultipart("jimmy", "b", "just some text")), 400, "malformed_body");
    const truncated = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nxyz';
    await problemOf(await call(rawMultipart("jimmy", "b", truncated)), 400, "malformed_body");
    const headerless = "--b\r\nthis is not a header\r\n\r\nxyz\r\n--b--\r\n";
    await problemOf(await call(rawMultipart("jimmy", "b", headerless)), 400, "malformed_body");
    const lying = rawRequest("jimmy", {
      filename: "a.png",
      type: "image/png",
      bytes: randomBytes(100),
      headers: { "content-length": "abc" },
    });
    await problemOf(await call(lying), 400, "malformed_body");
  });

  it("malformed_body: a raw body shorter than its Content-Length never arrives complete", async () => {
    const mark = marker();
    const bytes = randomBytes(50_000);
    const request = rawRequest("useapi", {
      filename: "a.png",
      type: "image/png",
      bytes,
      fields: { account: mark },
      headers: { "content-length": String(bytes.length + 10) },
    });
    await problemOf(await call(request), 400, "malformed_body");
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });

  it("length_required (411): a chunked upload", async () => {
    const mark = marker();
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(randomBytes(100));
        c.close();
      },
    });
    const request = new Request(`http://gw/v1/providers/jimmy/files?filename=${mark}.png`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "image/png" },
      body: stream,
    });
    await problemOf(await call(request), 411, "length_required");
    await neverReached(mark);
  });
});

describe("fields", () => {
  const cases: [string, Parameters<typeof multipartRequest>[0], Record<string, string>, RegExp][] = [
    ["an unknown field", "jimmy", { colour: "red" }, /Jimmy AI takes no "colour" field \(it takes: none\)/],
    ["a field the provider does not take", "jimmy", { purpose: "voice_clone" }, /takes no "purpose"/],
    ["MiniMax without purpose", "minimax", {}, /MiniMax needs "purpose" \(one of [a-z0-9_, ]+\): send it as/],
    ["a purpose MiniMax doesn't have", "minimax", { purpose: "music" }, /must be one of voice_clone/],
    ["a value with CR/LF", "dify", { user: "alice\r\n--x" }, /without control characters/],
    ["an over-long value", "dify", { user: "a".repeat(300) }, /1–256 characters/],
  ];
  it.each(cases)("invalid_field: %s", async (_name, provider, fields, detail) => {
    const mark = marker();
    const sample = SAMPLES[provider as keyof typeof SAMPLES];
    const request = await multipartRequest(provider, {
      filename: `${mark}.${sample.ext}`,
      type: sample.type,
      fields,
    });
    const problem = await problemOf(await call(request), 400, "invalid_field");
    expect(problem.detail).toMatch(detail);
    await neverReached(mark);
  });

  it("invalid_field: an option given both as a field and in the query", async () => {
    const request = await multipartRequest("dify", { fields: { user: "a" }, query: { user: "b" } });
    await problemOf(await call(request), 400, "invalid_field");
  });

  it("invalid_field: the file part under another name", async () => {
    const body =
      '--b\r\nContent-Disposition: form-data; name="upload"; filename="a.png"\r\n\r\nxyz\r\n--b--\r\n';
    await problemOf(await call(rawMultipart("jimmy", "b", body)), 400, "invalid_field");
  });

  it("invalid_field: a required field after the file part is missing when it counts", async () => {
    const body =
      '--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp3"\r\n\r\nxyz\r\n' +
      '--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nvoice_clone\r\n--b--\r\n';
    const problem = await problemOf(await call(rawMultipart("minimax", "b", body)), 400, "invalid_field");
    expect(problem.detail).toMatch(/before the file part/);
  });

  it("invalid_field: an optional field after the file part aborts the upload; nothing complete arrives", async () => {
    const mark = marker();
    const body =
      `--b\r\nContent-Disposition: form-data; name="file"; filename="${mark}.png"\r\n\r\n${"x".repeat(9000)}\r\n` +
      '--b\r\nContent-Disposition: form-data; name="user"\r\n\r\nalice\r\n--b--\r\n';
    const problem = await problemOf(await call(rawMultipart("dify", "b", body)), 400, "invalid_field");
    expect(problem.detail).toMatch(/comes after the file part/);
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });
});

describe("limits and types", () => {
  it("file_too_large (413): Content-Length over MAX_REQUEST_BYTES, refused before reading, pointing to resumable", async () => {
    const mark = marker();
    const request = rawRequest("useapi", {
      filename: "a.png",
      type: "image/png",
      fields: { account: mark },
      headers: { "content-length": String(104_857_601) },
    });
    const problem = await problemOf(await call(request), 413, "file_too_large");
    expect(problem.max_bytes).toBe(104_857_600);
    expect(problem.detail).toMatch(/resumable/);
    await neverReached(mark);
  });

  it("file_too_large (413): over the provider's own limit (Jimmy 100 MiB) with MAX_REQUEST_BYTES raised", async () => {
    const mark = marker();
    const request = rawRequest("jimmy", {
      filename: `${mark}.png`,
      type: "image/png",
      headers: { "content-length": String(100 * 1024 * 1024 + 1) },
    });
    const problem = await problemOf(
      await call(request, { MAX_REQUEST_BYTES: String(2 ** 30) }),
      413,
      "file_too_large",
    );
    expect(problem.max_bytes).toBe(100 * 1024 * 1024);
    await neverReached(mark);
  });

  it("unsupported_file_type (415): extension outside the table, with the accepted list", async () => {
    const mark = marker();
    const request = await multipartRequest("wavespeed", { filename: `${mark}.pdf`, type: "application/pdf" });
    const problem = await problemOf(await call(request), 415, "unsupported_file_type");
    expect(problem.accepted).toContain("png");
    expect(problem.accepted).not.toContain("pdf");
    await neverReached(mark);
  });

  it("unsupported_file_type (415): a format outside MiniMax's purpose", async () => {
    const mark = marker();
    const request = await multipartRequest("minimax", {
      filename: `${mark}.mp4`,
      type: "video/mp4",
      fields: { purpose: "voice_clone" },
    });
    const problem = await problemOf(await call(request), 415, "unsupported_file_type");
    expect(problem.accepted).toEqual(["mp3", "m4a", "wav"]);
    await neverReached(mark);
  });

  it("unsupported_file_type (415): a declared type that contradicts the extension", async () => {
    const mark = marker();
    const request = rawRequest("jimmy", { filename: `${mark}.png`, type: "video/mp4" });
    await problemOf(await call(request), 415, "unsupported_file_type");
    await neverReached(mark);
  });
});

describe("the catalogue", () => {
  it("every code's type URI, title and status come from one table", async () => {
    for (const [code, { status, title }] of Object.entries(ERRORS)) {
      expect(title.length, code).toBeGreaterThan(5);
      expect([
        400, 401, 403, 404, 405, 408, 409, 410, 411, 412, 413, 415, 416, 423, 429, 460, 500, 502, 503, 504,
      ]).toContain(status);
    }
  });
});
