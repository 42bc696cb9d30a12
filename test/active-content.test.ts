// Executables are never media (worker/core/active-content.ts): executables of every magic, scripts and
// markup carrying script are recognized within the sniff sample and refused as 415 content_mismatch under
// any name, on every path — direct (multipart and raw), signed upload URL, import, tus — before a byte
// reaches a provider.
import { describe, expect, inject, it } from "vitest";
import type { components } from "../generated/gateway";
import { checkSample, detect, SNIFF_BYTES } from "../worker/core/sniff";
import { ACTIVE_FIXTURES, ACTIVE_TYPES, type ActiveFixture } from "./fixtures/active";
import { FIXTURES } from "./fixtures/media";
import {
  call,
  KEY,
  marker,
  multipartRequest,
  problemOf,
  rawRequest,
  receivedWith,
  resultOf,
} from "./helpers";
import { created, patch, status } from "./tus/helpers";

const enc = (s: string) => new TextEncoder().encode(s);
const NAMES = Object.keys(ACTIVE_FIXTURES) as ActiveFixture[];

describe("recognized in the sample, and agreeing with no name", () => {
  it.each(NAMES)("%s", (name) => {
    const format = detect(ACTIVE_FIXTURES[name]);
    expect(format).toMatchObject({ mime: ACTIVE_TYPES[name], active: true });
  });

  it("is refused whatever it is called: its own extension, none, or a generic type", () => {
    for (const sample of [...Object.values(ACTIVE_FIXTURES), FIXTURES.exe]) {
      for (const claimed of [
        { extension: "exe", mimeType: "application/octet-stream" },
        { extension: "", mimeType: "application/octet-stream" },
        { extension: "svg", mimeType: "image/svg+xml" },
        { extension: "html", mimeType: "text/html" },
        { extension: "sh", mimeType: "text/x-shellscript" },
      ])
        expect(() => checkSample(sample, claimed), JSON.stringify(claimed)).toThrow(
          /executables are never media/,
        );
    }
  });

  it("what does not run is not taken for it", () => {
    for (const s of [
      "MZ is a text",
      "MZ is a text longer than a DOS header's twenty-eight bytes",
      "#!important: not an interpreter line",
      "<svg xmlns='http://www.w3.org/2000/svg'><rect class='icon' data-on='1'/></svg>",
      "<?xml version='1.0'?><svg><text>one = two; scripting is fun</text></svg>",
    ])
      expect(detect(enc(s)), s).toBeUndefined();
    expect(detect(FIXTURES.html)).toMatchObject({ mime: "text/html" });
    expect(detect(FIXTURES.html)?.active).toBeUndefined();
  });

  it("script is looked for within the sample only: past SNIFF_BYTES the page is plain HTML", () => {
    const page = (pad: number) =>
      enc(`<html><body><p>${" ".repeat(pad)}</p><script>alert(1)</script></body></html>`);
    expect(detect(page(100))?.active).toBe(true);
    const far = detect(page(SNIFF_BYTES));
    expect(far?.mime).toBe("text/html");
    expect(far?.active).toBeUndefined();
  });
});

/** Executables the table did not know before, each under a name and type its provider takes. */
const CASES: {
  fixture: ActiveFixture;
  provider: string;
  file: string;
  type: string;
  fields?: Record<string, string>;
}[] = [
  { fixture: "peFar", provider: "wavespeed", file: "photo.png", type: "image/png" },
  { fixture: "fat", provider: "wavespeed", file: "photo.png", type: "image/png" },
  { fixture: "machO64Swapped", provider: "jimmy", file: "photo.jpg", type: "image/jpeg" },
  { fixture: "svgScript", provider: "jimmy", file: "photo.svg", type: "image/svg+xml" },
  { fixture: "shebang", provider: "dify", file: "notes.txt", type: "text/plain", fields: { user: "alice" } },
  {
    fixture: "dos",
    provider: "dify",
    file: "tool.exe",
    type: "application/octet-stream",
    fields: { user: "alice" },
  },
];

describe("direct uploads: refused before any byte reaches the provider", () => {
  it.each(CASES)("$fixture as $file to $provider (multipart and raw)", async (c) => {
    const mark = marker("act");
    const filename = `${mark}-${c.file}`;
    const bytes = ACTIVE_FIXTURES[c.fixture];
    for (const req of [
      await multipartRequest(c.provider, { filename, bytes, type: c.type, fields: c.fields ?? {} }),
      rawRequest(c.provider, { filename, bytes, type: c.type, fields: c.fields ?? {} }),
    ]) {
      const problem = await problemOf(await call(req), 415, "content_mismatch");
      expect(problem).toMatchObject({ declared_type: c.type, detected_type: ACTIVE_TYPES[c.fixture] });
    }
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("useapi (a raw upstream) too", async () => {
    const mark = marker("actu");
    const bytes = ACTIVE_FIXTURES.machO64;
    await problemOf(
      await call(
        rawRequest("useapi", { filename: "clip.mp4", bytes, type: "video/mp4", fields: { account: mark } }),
      ),
      415,
      "content_mismatch",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });
});

type Ticket = components["schemas"]["UploadTicket"];

describe("signed upload URLs", () => {
  it.each(CASES.slice(0, 4))("$fixture as $file", async (c) => {
    const mark = marker("actsig");
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: c.provider, filename: `${mark}-${c.file}` }),
      }),
    );
    const t = (await res.json()) as Ticket;
    const bytes = ACTIVE_FIXTURES[c.fixture];
    const put = await call(
      new Request(t.upload_url, {
        method: "PUT",
        headers: { "content-type": c.type, "content-length": String(bytes.length) },
        body: bytes,
      }),
    );
    expect((await problemOf(put, 415, "content_mismatch")).detected_type).toBe(ACTIVE_TYPES[c.fixture]);
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("imports (with and without Content-Length)", () => {
  const media = (name: string, query: Record<string, string | number>) => {
    const url = new URL(`${inject("originUrl")}/media/${name}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return url.href;
  };
  it.each(["fat", "svgScript", "peFar"] as const)("%s", async (fixture) => {
    const mark = marker("actimp");
    const name = fixture === "svgScript" ? `${mark}-photo.svg` : `${mark}-photo.png`;
    const type = fixture === "svgScript" ? "image/svg+xml" : "image/png";
    for (const q of [{}, { nolength: 1 }]) {
      const url = media(name.replace(/\.svg$/, ".png"), { fixture, type, ...q });
      const res = await call(
        new Request("http://gw.test/v1/providers/jimmy/files", {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ url, filename: name }),
        }),
      );
      expect((await problemOf(res, 415, "content_mismatch")).detected_type).toBe(ACTIVE_TYPES[fixture]);
    }
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("tus: refused at delivery, from the staged copy", () => {
  it.each(CASES.slice(0, 4))("$fixture as $file", async (c) => {
    const mark = marker("acttus");
    const bytes = ACTIVE_FIXTURES[c.fixture];
    const { location, id } = await created(
      { provider: c.provider, filename: `${mark}-${c.file}`, filetype: c.type },
      bytes.length,
    );
    const problem = await problemOf(await patch(location, 0, bytes, bytes.length), 415, "content_mismatch");
    expect(problem.detected_type).toBe(ACTIVE_TYPES[c.fixture]);
    expect(JSON.stringify(await status(id))).toContain("content_mismatch");
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a media file still goes through (the check is not a blanket refusal)", async () => {
    const mark = marker("acttusok");
    const bytes = FIXTURES.png;
    const { location, id } = await created(
      { provider: "wavespeed", filename: `${mark}.png`, filetype: "image/png" },
      bytes.length,
    );
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    expect((await status(id)).result?.file.detected_type).toBe("image/png");
    void resultOf;
  });
});
