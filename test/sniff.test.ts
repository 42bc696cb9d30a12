// Content sniffing (core/sniff.ts) for every upload path: direct (multipart and raw), signed upload URLs,
// and tus at delivery. A recognized format that contradicts the validated type is 415 content_mismatch and
// the emulator receives nothing; an unrecognized beginning passes with detected_type null.
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import { detect, SNIFF_BYTES } from "../worker/core/sniff";
import { FIXTURES, type Fixture, filler } from "./fixtures/media";
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
} from "./helpers";
import { auth, created, patch, status, TUS } from "./tus/helpers";

const EXPECTED: Record<Fixture, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  tiff: "image/tiff",
  mp4: "video/mp4",
  mov: "video/quicktime",
  m4a: "audio/mp4",
  webm: "video/webm",
  mkv: "video/x-matroska",
  avi: "video/x-msvideo",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  mp3NoTag: "audio/mpeg",
  flac: "audio/flac",
  ogg: "audio/ogg",
  zip: "application/zip",
  pdf: "application/pdf",
  html: "text/html",
  exe: "application/vnd.microsoft.portable-executable",
};

describe("the formats table", () => {
  it.each(Object.keys(EXPECTED) as Fixture[])("detects %s", (name) => {
    expect(detect(FIXTURES[name])?.mime).toBe(EXPECTED[name]);
  });

  it("recognizes nothing in random bytes, text, or SVG (10,000 random samples)", () => {
    for (let i = 0; i < 10_000; i++) expect(detect(randomBytes(64 + (i % 512)))).toBeUndefined();
    const text = new TextEncoder();
    for (const s of [
      "hello world",
      "MZ is a text",
      "BM 12",
      "<svg xmlns='http://www.w3.org/2000/svg'/>",
      "<?xml version='1.0'?><svg/>",
      "<!-- c --><svg/>",
    ])
      expect(detect(text.encode(s)), s).toBeUndefined();
  });

  it("a lone MPEG frame sync is not enough: a second frame must follow where the first ends", () => {
    const broken = FIXTURES.mp3NoTag.slice();
    broken[417] = 0; // the second frame's sync
    expect(detect(broken)).toBeUndefined();
  });

  it("looks at SNIFF_BYTES at most: a PE header beyond the sample is not seen, its DOS header is", () => {
    const far = new Uint8Array(SNIFF_BYTES + 512);
    far.set(FIXTURES.exe.subarray(0, 64));
    far.set([(SNIFF_BYTES + 16) & 255, (SNIFF_BYTES + 16) >> 8, 0, 0], 0x3c);
    far.set([0x50, 0x45, 0, 0], SNIFF_BYTES + 16);
    expect(detect(far)?.mime).toBe("application/x-dosexec");
  });
});

/** Each mismatch family: what the file is, what it is named and declared, and a provider that takes the name. */
const MISMATCHES: {
  name: string;
  bytes: Fixture;
  file: string;
  type: string;
  provider: string;
  fields?: Record<string, string>;
}[] = [
  { name: "HTML named .png", bytes: "html", file: "photo.png", type: "image/png", provider: "jimmy" },
  { name: "ZIP named .png", bytes: "zip", file: "photo.png", type: "image/png", provider: "useapi" },
  {
    name: "Windows EXE named .png",
    bytes: "exe",
    file: "photo.png",
    type: "image/png",
    provider: "wavespeed",
  },
  { name: "PDF named .jpg", bytes: "pdf", file: "photo.jpg", type: "image/jpeg", provider: "jimmy" },
  {
    name: "MP4 sent as audio/mpeg",
    bytes: "mp4",
    file: "song.mp3",
    type: "audio/mpeg",
    provider: "minimax",
    fields: { purpose: "voice_clone" },
  },
  { name: "PNG named .mp4", bytes: "png", file: "clip.mp4", type: "video/mp4", provider: "useapi" },
  { name: "WAV named .mp3", bytes: "wav", file: "song.mp3", type: "audio/mpeg", provider: "useapi" },
  { name: "JPEG named .webp", bytes: "jpeg", file: "x.webp", type: "image/webp", provider: "dify" },
];

describe("direct uploads: a contradiction is refused before any byte reaches the provider", () => {
  it.each(MISMATCHES)("$name (multipart and raw)", async (m) => {
    const mark = marker("sniff");
    const filename = `${mark}-${m.file}`;
    const fields = { ...(m.provider === "dify" ? { user: "alice" } : {}), ...m.fields };
    const bytes = FIXTURES[m.bytes];
    for (const req of [
      await multipartRequest(m.provider, { filename, bytes, type: m.type, fields }),
      rawRequest(m.provider, { filename, bytes, type: m.type, fields }),
    ]) {
      const problem = await problemOf(await call(req), 415, "content_mismatch");
      expect(problem).toMatchObject({ declared_type: m.type, detected_type: EXPECTED[m.bytes] });
    }
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a recognized, agreeing file is uploaded with detected_type; the bytes arrive whole", async () => {
    const mark = marker("sniffok");
    const bytes = new Uint8Array([...FIXTURES.png, ...filler(300_000)]);
    const result = await resultOf(
      await call(rawRequest("jimmy", { filename: `${mark}.png`, bytes, type: "image/png" })),
    );
    expect(result.file).toMatchObject({ detected_type: "image/png", size: bytes.length });
    expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: bytes.length });
  });

  it("an M4A named .mp4 agrees (one ISO family); an MP3 without a tag is recognized", async () => {
    const a = await resultOf(
      await call(
        rawRequest("useapi", { filename: `${marker()}.mp4`, bytes: FIXTURES.m4a, type: "video/mp4" }),
      ),
    );
    expect(a.file.detected_type).toBe("audio/mp4");
    const b = await resultOf(
      await call(
        rawRequest("useapi", { filename: `${marker()}.mp3`, bytes: FIXTURES.mp3NoTag, type: "audio/mpeg" }),
      ),
    );
    expect(b.file.detected_type).toBe("audio/mpeg");
  });

  it("unrecognized beginnings pass with detected_type null (random bytes, a file shorter than the sample)", async () => {
    for (const bytes of [randomBytes(100_000), randomBytes(5)]) {
      const mark = marker("unk");
      const result = await resultOf(
        await call(await multipartRequest("jimmy", { filename: `${mark}.png`, bytes })),
      );
      expect(result.file.detected_type).toBeNull();
      expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: bytes.length });
    }
  });
});

type Ticket = components["schemas"]["UploadTicket"];
const ticket = async (body: Record<string, unknown>): Promise<Ticket> => {
  const res = await call(
    new Request("http://gw/v1/uploads", {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  expect(res.status).toBe(201);
  return (await res.json()) as Ticket;
};

describe("signed upload URLs: the same check", () => {
  it.each(MISMATCHES.slice(0, 3))("$name", async (m) => {
    const mark = marker("sniffsig");
    const t = await ticket({ provider: m.provider, filename: `${mark}-${m.file}` });
    const bytes = FIXTURES[m.bytes];
    const res = await call(
      new Request(t.upload_url, {
        method: "PUT",
        headers: { "content-type": m.type, "content-length": String(bytes.length) },
        body: bytes,
      }),
    );
    const problem = await problemOf(res, 415, "content_mismatch");
    expect(problem.detected_type).toBe(EXPECTED[m.bytes]);
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("tus: sniffed at delivery, from the staged copy", () => {
  it.each(MISMATCHES.slice(0, 3))("$name: the delivery fails, the provider receives nothing", async (m) => {
    const mark = marker("sniffus");
    const bytes = FIXTURES[m.bytes];
    const { location, id } = await created(
      { provider: m.provider, filename: `${mark}-${m.file}`, filetype: m.type },
      bytes.length,
    );
    // The last PATCH completes the upload and delivers it: the delivery's problem is its answer.
    const problem = await problemOf(await patch(location, 0, bytes, bytes.length), 415, "content_mismatch");
    expect(problem.detected_type).toBe(EXPECTED[m.bytes]);
    const s = await status(id);
    expect(JSON.stringify(s)).toContain("content_mismatch");
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("an agreeing tus upload reports detected_type", async () => {
    const mark = marker("sniftusok");
    const bytes = FIXTURES.png;
    const { location, id } = await created(
      { provider: "jimmy", filename: `${mark}.png`, filetype: "image/png" },
      bytes.length,
    );
    expect((await patch(location, 0, bytes, bytes.length, TUS)).status).toBe(204);
    const s = await status(id);
    expect(s.result?.file.detected_type).toBe("image/png");
    void auth;
  });
});
