// Errors say what this caller, on the surface it used, should do next: the limit that applies to its file,
// the place its option goes, the fields its provider takes, where its JSON broke.
import { describe, expect, it } from "vitest";
import { call, KEY, marker, multipartRequest, problemOf, rawRequest } from "./helpers";
import { create, TUS } from "./tus/helpers";

const MiB = 1024 * 1024;
/** A body that never sends a byte: only an answer given on the headers comes back. */
const silent = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });

const json = (path: string, body: unknown, raw?: string) =>
  call(
    new Request(`http://gw${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: raw ?? JSON.stringify(body),
    }),
  );

function declared(provider: string, bytes: number) {
  return call(
    new Request(`http://gw/v1/providers/${provider}/files?filename=big.mp4`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "video/mp4",
        "content-length": String(bytes),
      },
      body: silent(),
    }),
  );
}

describe("a file over one request", () => {
  it("past the provider's own limit: the provider's limit, not advice to use tus (which would refuse it too)", async () => {
    const problem = await problemOf(await declared("jimmy", 151 * MiB), 413, "file_too_large");
    expect(problem.detail).toContain("Jimmy AI takes files up to 104857600 bytes");
    expect(problem.detail).not.toMatch(/resumable|tus/);
    expect(problem.max_bytes).toBe(104857600);
  });

  it("within the provider's limit: send it through tus", async () => {
    const problem = await problemOf(await declared("useapi", 151 * MiB), 413, "file_too_large");
    expect(problem.detail).toContain("resumable upload API (tus");
  });
});

describe("a required option, where this caller puts it", () => {
  const needs =
    'MiniMax needs "purpose" (one of voice_clone, prompt_audio, t2a_async_input, video_understanding)';

  it("multipart: a form field; raw: the query; JSON: the body; tus: Upload-Metadata — each with `field`", async () => {
    const multipart = await problemOf(
      await call(await multipartRequest("minimax", { filename: "a.mp3", type: "audio/mpeg" })),
      400,
      "invalid_field",
    );
    expect(multipart.detail).toBe(`${needs}: send it as a "purpose" form field before the file part.`);
    const raw = await problemOf(
      await call(rawRequest("minimax", { filename: "a.mp3", type: "audio/mpeg" })),
      400,
      "invalid_field",
    );
    expect(raw.detail).toBe(`${needs}: send it as ?purpose= in the query.`);
    const imported = await problemOf(
      await json("/v1/providers/minimax/files", { url: "https://example.com/a.mp3" }),
      400,
      "invalid_field",
    );
    expect(imported.detail).toBe(`${needs}: send it as "purpose" in the JSON body.`);
    const tus = await problemOf(
      await create({ provider: "minimax", filename: "a.mp3" }, 100),
      400,
      "invalid_field",
    );
    expect(tus.detail).toBe(`${needs}: send it as "purpose" in Upload-Metadata.`);
    for (const p of [multipart, raw, imported, tus]) expect(p.field).toBe("purpose");
  });
});

describe("fields the provider does not take", () => {
  it("a form field Jimmy does not take names Jimmy's fields (none), not every provider's", async () => {
    const res = await call(await multipartRequest("jimmy", { filename: "a.png", fields: { foo: "bar" } }));
    const problem = await problemOf(res, 400, "invalid_field");
    expect(problem.detail).toBe('Jimmy AI takes no "foo" field (it takes: none).');
    expect(problem.field).toBe("foo");
  });

  it("an import or a ticket for Jimmy with a purpose: Jimmy takes none, not MiniMax's list", async () => {
    for (const [path, body] of [
      ["/v1/providers/jimmy/files", { url: "https://example.com/a.png", purpose: "voice_clone" }],
      ["/v1/uploads", { provider: "jimmy", purpose: "voice_clone" }],
    ] as const) {
      const problem = await problemOf(await json(path, body), 400, "invalid_field");
      expect(problem.detail).toBe('Jimmy AI takes no "purpose" field (it takes: none).');
      expect(problem.detail).not.toContain("prompt_audio");
    }
  });
});

describe("plain words", () => {
  it("a name without an extension says so and lists what the provider takes", async () => {
    const res = await call(rawRequest("jimmy", { filename: `${marker("noext")}`, type: "image/png" }));
    const problem = await problemOf(res, 415, "unsupported_file_type");
    expect(problem.detail).toMatch(
      /has no extension; Jimmy AI takes \.jpg, .*\.png, .*: name the file with one\./,
    );
    expect(problem.detail).not.toContain('"."');
  });

  it("an unknown file is a 404 titled for what it is, not a missing route", async () => {
    const res = await call(
      new Request(`http://gw/v1/files/${crypto.randomUUID()}`, {
        headers: { authorization: `Bearer ${KEY}` },
      }),
    );
    const problem = await problemOf(res, 404, "not_found");
    expect(problem.title).toBe("Not found");
  });

  it("malformed JSON says where it broke, counted in lines and columns, never quoting the body", async () => {
    const body = '{\n  "provider": "jimmy",\n  "purpose" voice\n}';
    const problem = await problemOf(await json("/v1/uploads", null, body), 400, "malformed_body");
    expect(problem.detail).toBe("The body is not valid JSON at line 3, column 13.");
    const empty = await problemOf(await json("/v1/uploads", null, " "), 400, "malformed_body");
    expect(empty.detail).toContain("it is empty");
  });

  it("tus creation with an option the provider does not take names that provider's fields", async () => {
    const res = await call(
      new Request("http://gw/v1/tus", {
        method: "POST",
        headers: {
          ...TUS,
          authorization: `Bearer ${KEY}`,
          "upload-length": "100",
          "upload-metadata": `provider ${btoa("jimmy")},filename ${btoa("a.png")},purpose ${btoa("voice_clone")}`,
        },
      }),
    );
    const problem = await problemOf(res, 400, "invalid_field");
    expect(problem.detail).toBe('Jimmy AI takes no "purpose" field (it takes: none).');
  });
});
