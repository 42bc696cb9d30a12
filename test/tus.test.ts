// tus 1.0.0 at /v1/tus, through the gateway's fetch handler, into miniflare's R2 and the upload's Durable
// Object, delivered to the emulator.
import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import type { Env } from "../worker/core/config";
import worker from "../worker/index";
import { SWEEP_AGE_MS } from "../worker/services/delivery/cleanup";
import { stagedKey } from "../worker/services/delivery/deliver";
import { signContentUrl } from "../worker/services/delivery/signed-url";
import { call, KEY, marker, problemOf, randomBytes, receivedWith, SIGNING_SECRET, sha256 } from "./helpers";

type Status = components["schemas"]["UploadStatus"];
const bucket = (env as unknown as Env).STAGING;
const MiB = 1024 * 1024;
const TUS = { "tus-resumable": "1.0.0" };
const auth = { authorization: `Bearer ${KEY}` };

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const metadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(",");

async function create(
  meta: Record<string, string>,
  length: number,
  headers: Record<string, string> = {},
  body?: Uint8Array,
) {
  return call(
    new Request("http://gw/v1/tus", {
      method: "POST",
      headers: {
        ...TUS,
        ...auth,
        "upload-length": String(length),
        "upload-metadata": metadata(meta),
        ...headers,
      },
      ...(body ? { body } : {}),
    }),
  );
}

async function created(meta: Record<string, string>, length: number) {
  const res = await create(meta, length);
  expect(res.status, await res.clone().text()).toBe(201);
  const location = res.headers.get("location") ?? "";
  return { location, id: location.split("/").pop()?.split("?")[0] ?? "" };
}

const patch = (
  location: string,
  offset: number,
  body: Uint8Array | ReadableStream<Uint8Array>,
  length: number,
  headers: Record<string, string> = {},
) =>
  call(
    new Request(location, {
      method: "PATCH",
      headers: {
        ...TUS,
        ...auth,
        "content-type": "application/offset+octet-stream",
        "upload-offset": String(offset),
        "content-length": String(length),
        ...headers,
      },
      body,
    }),
  );

const head = (location: string) =>
  call(new Request(location, { method: "HEAD", headers: { ...TUS, ...auth } }));

async function status(id: string): Promise<Status> {
  return (await (await call(new Request(`http://gw/v1/uploads/${id}`, { headers: auth }))).json()) as Status;
}

/** Reproducible bytes at any offset: 64 KiB blocks, each from a PRNG seeded by its index. */
function pattern(seed: number, offset: number, length: number): ReadableStream<Uint8Array> {
  const BLOCK = 64 * 1024;
  const block = (i: number) => {
    const words = new Uint32Array(BLOCK / 4);
    let x = (seed * 2654435761 + i * 40503 + 1) >>> 0 || 1;
    for (let j = 0; j < words.length; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[j] = x >>> 0;
    }
    return new Uint8Array(words.buffer);
  };
  let at = offset;
  const end = offset + length;
  return new ReadableStream({
    pull(c) {
      if (at >= end) return c.close();
      const i = Math.floor(at / BLOCK);
      const from = at - i * BLOCK;
      const chunk = block(i).subarray(from, Math.min(BLOCK, from + end - at));
      at += chunk.length;
      c.enqueue(chunk);
    },
  });
}

async function patternSha(seed: number, length: number) {
  const digest = new crypto.DigestStream("SHA-256");
  await pattern(seed, 0, length).pipeTo(digest);
  return Array.from(new Uint8Array(await digest.digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Uploads `length` pattern bytes in PATCHes of `size`, returning the last PATCH's answer. */
async function uploadPattern(location: string, seed: number, length: number, size: number) {
  let last: Response | undefined;
  for (let offset = 0; offset < length; offset += size) {
    const n = Math.min(size, length - offset);
    last = await patch(location, offset, pattern(seed, offset, n), n);
    if (last.status !== 204) return last;
  }
  return last as Response;
}

describe("discovery and creation", () => {
  it("OPTIONS lists version, extensions, max size and checksum algorithms", async () => {
    const res = await call(new Request("http://gw/v1/tus", { method: "OPTIONS" }));
    expect(res.status).toBe(204);
    expect(res.headers.get("tus-version")).toBe("1.0.0");
    expect(res.headers.get("tus-extension")?.split(",")).toEqual(
      expect.arrayContaining(["creation", "creation-with-upload", "termination", "expiration", "checksum"]),
    );
    expect(res.headers.get("tus-max-size")).toBe("5000000000");
    expect(res.headers.get("tus-checksum-algorithm")).toBe("sha1,sha256");
  });

  it("412 without Tus-Resumable, with Tus-Version", async () => {
    const res = await call(
      new Request("http://gw/v1/tus", { method: "POST", headers: { ...auth, "upload-length": "10" } }),
    );
    await problemOf(res, 412, "unsupported_tus_version");
    expect(res.headers.get("tus-version")).toBe("1.0.0");
  });

  it("201 with Location and Upload-Expires; HEAD reports offset 0 and the length", async () => {
    const res = await create({ provider: "useapi", filename: "a.png", filetype: "image/png" }, 1000);
    expect(res.status).toBe(201);
    expect(res.headers.get("tus-resumable")).toBe("1.0.0");
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^http:\/\/gw\/v1\/tus\/[0-9a-f-]{36}$/);
    expect(Date.parse(res.headers.get("upload-expires") ?? "") - Date.now()).toBeGreaterThan(6 * 86400_000);
    const h = await head(location);
    expect(h.status).toBe(200);
    expect(h.headers.get("upload-offset")).toBe("0");
    expect(h.headers.get("upload-length")).toBe("1000");
    expect(h.headers.get("cache-control")).toBe("no-store");
  });

  const refusals: [string, Record<string, string>, number, number, string][] = [
    ["no provider", { filename: "a.png" }, 10, 400, "invalid_field"],
    ["an unknown provider", { provider: "openai", filename: "a.png" }, 10, 404, "unknown_provider"],
    ["no filename", { provider: "useapi" }, 10, 400, "filename_missing"],
    [
      "a type the provider does not take",
      { provider: "useapi", filename: "a.gif" },
      10,
      415,
      "unsupported_file_type",
    ],
    ["MiniMax without purpose", { provider: "minimax", filename: "a.mp3" }, 10, 400, "invalid_field"],
    ["Jimmy over 100 MiB", { provider: "jimmy", filename: "a.png" }, 100 * MiB + 1, 413, "file_too_large"],
    ["useapi over 5 GB", { provider: "useapi", filename: "a.png" }, 5_000_000_001, 413, "file_too_large"],
  ];
  it.each(refusals)("refuses %s before a byte is stored", async (_, meta, length, code, name) => {
    const res = await create(meta, length);
    await problemOf(res, code, name as never);
    expect(res.headers.get("location")).toBeNull();
  });

  it("refuses Upload-Defer-Length and a missing Upload-Length", async () => {
    await problemOf(
      await create({ provider: "useapi", filename: "a.png" }, 1, { "upload-defer-length": "1" }),
      400,
      "invalid_field",
    );
    const res = await call(new Request("http://gw/v1/tus", { method: "POST", headers: { ...TUS, ...auth } }));
    await problemOf(res, 400, "invalid_field");
  });

  it("needs a gateway key (or a token)", async () => {
    const res = await call(
      new Request("http://gw/v1/tus", { method: "POST", headers: { ...TUS, "upload-length": "1" } }),
    );
    await problemOf(res, 401, "unauthorized");
  });
});

describe("PUBLIC_URL", () => {
  it("Location and the origin kept for staged URLs come from PUBLIC_URL, not a forged Host", async () => {
    const PUBLIC_URL = "https://uploads.example.com";
    // The runtime builds request.url from the Host header: a forged Host arrives as this URL.
    const res = await call(
      new Request("http://evil.example/v1/tus", {
        method: "POST",
        headers: {
          ...TUS,
          ...auth,
          "upload-length": "10",
          "upload-metadata": metadata({ provider: "wavespeed", filename: "a.png" }),
        },
      }),
      { PUBLIC_URL },
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^${PUBLIC_URL}/v1/tus/[0-9a-f-]{36}$`));
    const id = location.split("/").pop() ?? "";
    const upload = (env as unknown as Env).UPLOADS.get((env as unknown as Env).UPLOADS.idFromName(id));
    await runInDurableObject(upload, async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { origin: string } };
      expect(stored.tus.origin).toBe(PUBLIC_URL);
    });
  });
});

describe("CORS for browser tus clients", () => {
  it("preflight allows the tus methods and headers; answers expose Location, Upload-Offset and Tus-*", async () => {
    const origin = "https://app.example";
    const preflight = await call(
      new Request("http://gw/v1/tus/some-id", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "PATCH",
          "access-control-request-headers": "upload-offset, tus-resumable",
        },
      }),
      { ALLOWED_ORIGINS: origin },
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("upload-offset");
    const res = await call(
      new Request("http://gw/v1/tus", {
        method: "POST",
        headers: {
          ...TUS,
          ...auth,
          origin,
          "upload-length": "10",
          "upload-metadata": metadata({ provider: "useapi", filename: "a.png" }),
        },
      }),
      { ALLOWED_ORIGINS: origin },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    const exposed = res.headers.get("access-control-expose-headers") ?? "";
    for (const h of ["location", "upload-offset", "upload-length", "tus-resumable", "tus-version"])
      expect(exposed).toContain(h);
  });
});

describe("X-HTTP-Method-Override (tus-js-client's overridePatchMethod)", () => {
  const post = (location: string, override: string | null, body?: Uint8Array) =>
    call(
      new Request(location, {
        method: "POST",
        headers: {
          ...TUS,
          ...auth,
          ...(override === null ? {} : { "x-http-method-override": override }),
          ...(body
            ? {
                "content-type": "application/offset+octet-stream",
                "upload-offset": "0",
                "content-length": String(body.length),
              }
            : {}),
        },
        ...(body ? { body } : {}),
      }),
    );

  it("POST + PATCH writes like a PATCH; POST + DELETE terminates", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    const res = await post(location, "PATCH", randomBytes(1000));
    expect(res.status, await res.clone().text()).toBe(204);
    expect(res.headers.get("upload-offset")).toBe("1000");
    expect((await head(location)).headers.get("upload-offset")).toBe("1000");
    expect((await post(location, "delete")).status).toBe(204);
    expect((await head(location)).status).toBe(410);
  });

  it("405 method_not_allowed without the header, or for another method", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    for (const override of [null, "GET", "HEAD", "PUT"]) {
      const res = await post(location, override);
      await problemOf(res, 405, "method_not_allowed");
      expect(res.headers.get("allow")).toContain("PATCH");
      expect(res.headers.get("tus-resumable")).toBe("1.0.0");
    }
    expect((await head(location)).headers.get("upload-offset")).toBe("0");
  });
});

describe("PATCH", () => {
  it("a PATCH the upload refuses is cancelled, not read on (its body was piped no further)", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.mp4" }, 8 * MiB);
    const CHUNK = 64 * 1024;
    let pulled = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += CHUNK;
          controller.enqueue(new Uint8Array(CHUNK));
          if (pulled >= 8 * MiB) controller.close();
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    // The upload is at 0: the Durable Object refuses offset 5 without reading.
    await problemOf(await patch(location, 5, body, 8 * MiB), 409, "upload_offset_mismatch");
    await scheduler.wait(100);
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(4 * CHUNK);
  });

  it("a multi-part upload to useapi arrives whole: offsets advance, the provider's sha256 matches", async () => {
    const mark = marker("tus");
    const length = 12 * MiB + 4321;
    const { location, id } = await created(
      { provider: "useapi", filename: "big.mp4", filetype: "video/mp4", account: mark },
      length,
    );
    const sizes = [3 * MiB + 1, 4 * MiB, 5 * MiB + 7, length - (12 * MiB + 8)];
    let offset = 0;
    for (const n of sizes) {
      const res = await patch(location, offset, pattern(1, offset, n), n);
      expect(res.status, await res.clone().text()).toBe(204);
      offset += n;
      expect(res.headers.get("upload-offset")).toBe(String(offset));
      expect((await head(location)).headers.get("upload-offset")).toBe(String(offset));
    }
    const digest = await patternSha(1, length);
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({ complete: true, bytes: length, sha256: digest, contentLength: length });
    const done = await status(id);
    expect(done).toMatchObject({
      status: "completed",
      offset: length,
      length,
      result: { provider: "useapi", status: "uploaded", file: { sha256: digest, size: length } },
    });
  });

  it("creation-with-upload: the POST body is the first PATCH", async () => {
    const bytes = randomBytes(5000);
    const res = await create(
      { provider: "wavespeed", filename: "a.png" },
      bytes.length,
      { "content-type": "application/offset+octet-stream", "content-length": "5000" },
      bytes,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("upload-offset")).toBe("5000");
    const id = res.headers.get("location")?.split("/").pop() ?? "";
    expect((await status(id)).result?.file.sha256).toBe(await sha256(bytes));
  });

  it("409 on a wrong Upload-Offset; 415 without offset+octet-stream; 411 without Content-Length", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 100);
    await problemOf(await patch(location, 5, randomBytes(10), 10), 409, "upload_offset_mismatch");
    await problemOf(
      await patch(location, 0, randomBytes(10), 10, { "content-type": "image/png" }),
      415,
      "wrong_content_type",
    );
    const noLength = new Request(location, {
      method: "PATCH",
      headers: { ...TUS, ...auth, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: new ReadableStream({
        start(c) {
          c.enqueue(randomBytes(5));
          c.close();
        },
      }),
    });
    await problemOf(await call(noLength), 411, "length_required");
  });

  it("a second concurrent PATCH gets 423, never corruption", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new Uint8Array(500).fill(1));
        await gate;
        c.enqueue(new Uint8Array(500).fill(1));
        c.close();
      },
    });
    const first = patch(location, 0, slow, 1000);
    await scheduler.wait(50);
    await problemOf(await patch(location, 0, new Uint8Array(1000).fill(2), 1000), 423, "upload_locked");
    release();
    expect((await first).status).toBe(204);
    const rest = new Uint8Array(1000).fill(3);
    expect((await patch(location, 1000, rest, 1000)).status).toBe(204);
    const expected = await sha256(new Uint8Array([...new Uint8Array(1000).fill(1), ...rest]));
    expect((await status(id)).result?.file.sha256).toBe(expected);
  });

  it("Upload-Checksum: a mismatch is 460 and the offset stays; a match is accepted", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 2000);
    const part = randomBytes(1000);
    const wrong = btoa(
      String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-1", randomBytes(3)))),
    );
    await problemOf(
      await patch(location, 0, part, 1000, { "upload-checksum": `sha1 ${wrong}` }),
      460,
      "checksum_mismatch",
    );
    expect((await head(location)).headers.get("upload-offset")).toBe("0");
    const right = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", part))));
    const ok = await patch(location, 0, part, 1000, { "upload-checksum": `sha256 ${right}` });
    expect(ok.headers.get("upload-offset")).toBe("1000");
    await problemOf(
      await patch(location, 1000, part, 1000, { "upload-checksum": `md5 ${right}` }),
      400,
      "malformed_body",
    );
  });

  it("a PATCH past Upload-Length is refused", async () => {
    const { location } = await created({ provider: "useapi", filename: "a.png" }, 100);
    await problemOf(await patch(location, 0, randomBytes(101), 101), 413, "file_too_large");
  });
});

describe("termination and cleanup", () => {
  it("DELETE discards every staged byte; the upload is then gone (410)", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.mp4" }, 20 * MiB);
    expect((await patch(location, 0, pattern(2, 0, 7 * MiB), 7 * MiB)).status).toBe(204);
    expect((await bucket.list({ prefix: stagedKey(id) })).objects.length).toBeGreaterThan(0);
    const del = await call(new Request(location, { method: "DELETE", headers: { ...TUS, ...auth } }));
    expect(del.status).toBe(204);
    expect((await bucket.list({ prefix: stagedKey(id) })).objects).toEqual([]);
    expect((await head(location)).status).toBe(410);
    await problemOf(await patch(location, 7 * MiB, randomBytes(10), 10), 410, "upload_gone");
    expect(await status(id)).toMatchObject({ status: "failed", error: { code: "upload_gone" } });
  });
});

describe("signed upload URLs (tus_url)", () => {
  const ticket = async (body: Record<string, unknown>) => {
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    return (await res.json()) as components["schemas"]["UploadTicket"];
  };
  const noKey = (url: string, init: RequestInit) => call(new Request(url, init));

  it("creation applies the token's constraints; the app uploads without a key; single use", async () => {
    const t = await ticket({ provider: "wavespeed", max_bytes: 3000, content_type: "image/*" });
    const post = (length: number, meta: Record<string, string>) =>
      noKey(t.tus_url ?? "", {
        method: "POST",
        headers: { ...TUS, "upload-length": String(length), "upload-metadata": metadata(meta) },
      });
    await problemOf(await post(3001, { filename: "a.png" }), 413, "file_too_large");
    await problemOf(await post(100, { filename: "a.mp4" }), 415, "unsupported_file_type");
    await problemOf(await post(100, { filename: "a.png", provider: "jimmy" }), 400, "invalid_field");
    const res = await post(2000, { filename: "a.png", filetype: "image/png" });
    expect(res.status).toBe(201);
    const location = res.headers.get("location") ?? "";
    expect(location).toBe(
      `http://gw/v1/tus/${t.id}?token=${new URL(t.tus_url ?? "").searchParams.get("token")}`,
    );
    const bytes = randomBytes(2000);
    const done = await noKey(location, {
      method: "PATCH",
      headers: {
        ...TUS,
        "content-type": "application/offset+octet-stream",
        "upload-offset": "0",
        "content-length": "2000",
      },
      body: bytes,
    });
    expect(done.status).toBe(204);
    expect(await status(t.id)).toMatchObject({
      status: "completed",
      result: { file: { sha256: await sha256(bytes) } },
    });
    await problemOf(await post(2000, { filename: "a.png" }), 409, "token_used");
    // The token does not open anyone else's upload.
    const other = await created({ provider: "useapi", filename: "a.png" }, 10);
    const forged = `${other.location}?token=${new URL(location).searchParams.get("token")}`;
    await problemOf(await noKey(forged, { method: "HEAD", headers: TUS }), 401, "invalid_token");
  });
});

describe("fan-out and retry", () => {
  it("one staged file goes to several providers, each with its own outcome; retry redelivers the failures", async () => {
    const name = `${marker("fan")}-sandbox-flaky.png`;
    const bytes = randomBytes(3000);
    const { location, id } = await created(
      { providers: "useapi,jimmy,wavespeed", filename: name, filetype: "image/png" },
      bytes.length,
    );
    // Jimmy and WaveSpeed see the flaky filename and fail once; useapi gets no filename and succeeds.
    const res = await patch(location, 0, bytes, bytes.length);
    expect(res.status).toBe(204);
    const first = await status(id);
    expect(first.status).toBe("failed");
    expect(first.deliveries?.map((d) => [d.provider, d.result ? "ok" : d.error?.code])).toEqual([
      ["useapi", "ok"],
      ["jimmy", "provider_error"],
      ["wavespeed", "provider_error"],
    ]);
    const retried = await call(
      new Request(`http://gw/v1/uploads/${id}/retry`, { method: "POST", headers: auth }),
    );
    const after = (await retried.json()) as Status;
    expect(after.status).toBe("completed");
    expect(
      after.deliveries?.every((d) => d.result?.file.sha256 === first.deliveries?.[0]?.result?.file.sha256),
    ).toBe(true);
    // useapi was not sent the file twice.
    expect((await receivedWith(name)).filter((r) => r.provider === "useapi")).toHaveLength(0);
  });

  it("retry is refused for an upload that is still receiving", async () => {
    const { id } = await created({ provider: "useapi", filename: "a.png" }, 100);
    const res = await call(
      new Request(`http://gw/v1/uploads/${id}/retry`, { method: "POST", headers: auth }),
    );
    await problemOf(res, 400, "invalid_field");
  });
});

describe("signed content URLs for staged files", () => {
  async function stagedFile(bytes: Uint8Array, name = "clip.mp4") {
    const id = crypto.randomUUID();
    await bucket.put(stagedKey(id), bytes, {
      httpMetadata: { contentType: "video/mp4" },
      customMetadata: { filename: name },
    });
    return id;
  }

  it("serves the file with exact type and length, ETag, attachment and nosniff; HEAD too", async () => {
    const bytes = randomBytes(10_000);
    const id = await stagedFile(bytes);
    const url = await signContentUrl("http://gw", id, new Date(Date.now() + 60_000), SIGNING_SECRET);
    const res = await call(new Request(url));
    expect(res.status).toBe(200);
    expect(await sha256(new Uint8Array(await res.arrayBuffer()))).toBe(await sha256(bytes));
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''clip.mp4");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = res.headers.get("etag") ?? "";
    expect(etag).toMatch(/^".+"$/);
    const h = await call(new Request(url, { method: "HEAD" }));
    expect(h.headers.get("content-length")).toBe("10000");
    expect(h.headers.get("etag")).toBe(etag);
    expect((await call(new Request(url, { headers: { "if-none-match": etag } }))).status).toBe(304);
  });

  it("serves byte ranges", async () => {
    const bytes = randomBytes(10_000);
    const url = await signContentUrl(
      "http://gw",
      await stagedFile(bytes),
      new Date(Date.now() + 60_000),
      SIGNING_SECRET,
    );
    const res = await call(new Request(url, { headers: { range: "bytes=100-199" } }));
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.slice(100, 200));
    const tail = await call(new Request(url, { headers: { range: "bytes=-10" } }));
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(-10));
  });

  it("refuses a tampered or expired URL", async () => {
    const id = await stagedFile(randomBytes(10));
    const url = new URL(await signContentUrl("http://gw", id, new Date(Date.now() + 60_000), SIGNING_SECRET));
    const tampered = new URL(url);
    tampered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    await problemOf(await call(new Request(tampered)), 401, "invalid_token");
    const otherFile = new URL(url.href.replace(id, await stagedFile(randomBytes(10))));
    await problemOf(await call(new Request(otherFile)), 401, "invalid_token");
    const expired = await signContentUrl("http://gw", id, new Date(Date.now() - 1000), SIGNING_SECRET);
    await problemOf(await call(new Request(expired)), 401, "token_expired");
  });
});

describe("WaveSpeed over 300 MiB: a signed URL instead of an upload", () => {
  const LIMIT = 300 * MiB;

  it("exactly 300 MiB is uploaded; 300 MiB + 1 byte is staged and its URL serves the file", {
    timeout: 120_000,
  }, async () => {
    const exact = marker("ws300");
    const a = await created(
      { provider: "wavespeed", filename: `${exact}.mp4`, filetype: "video/mp4" },
      LIMIT,
    );
    expect((await uploadPattern(a.location, 3, LIMIT, 100 * MiB)).status).toBe(204);
    const uploaded = await status(a.id);
    expect(uploaded.result).toMatchObject({ status: "uploaded", provider: "wavespeed" });
    expect((await receivedWith(exact))[0]).toMatchObject({ complete: true, bytes: LIMIT });

    const over = marker("ws301");
    const b = await created(
      { provider: "wavespeed", filename: `${over}.mp4`, filetype: "video/mp4" },
      LIMIT + 1,
    );
    expect((await uploadPattern(b.location, 4, LIMIT + 1, 100 * MiB)).status).toBe(204);
    const staged = await status(b.id);
    expect(staged.result).toMatchObject({ status: "staged", provider: "wavespeed", provider_file_id: null });
    expect(staged.result?.reference).toBe(staged.result?.url);
    expect(staged.result?.file.sha256).toBe(await patternSha(4, LIMIT + 1));
    expect(Date.parse(staged.result?.expires_at ?? "") - Date.now()).toBeGreaterThan(6.9 * 86400_000);
    expect(await receivedWith(over)).toEqual([]);
    // The URL serves the staged bytes: the last ones, and their length.
    const url = staged.result?.url ?? "";
    const h = await call(new Request(url, { method: "HEAD" }));
    expect(h.headers.get("content-length")).toBe(String(LIMIT + 1));
    const tail = await call(new Request(url, { headers: { range: `bytes=${LIMIT - 9}-` } }));
    const expectedTail = new Uint8Array(await new Response(pattern(4, LIMIT - 9, 10)).arrayBuffer());
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(expectedTail);
  });
});

describe("WaveSpeed over 300 MiB in a single request (MAX_REQUEST_BYTES raised)", () => {
  it("is staged in R2 and handed over as a signed URL, never uploaded", { timeout: 120_000 }, async () => {
    const length = 300 * MiB + 1;
    const name = `${marker("direct")}.mp4`;
    const request = new Request(`http://gw/v1/providers/wavespeed/files?filename=${name}`, {
      method: "POST",
      headers: { ...auth, "content-type": "video/mp4", "content-length": String(length) },
      body: pattern(6, 0, length),
    });
    const res = await call(request, {
      MAX_REQUEST_BYTES: String(400 * MiB),
      PUBLIC_URL: "https://uploads.example.com",
    });
    const result = (await res.json()) as components["schemas"]["UploadResult"];
    expect(res.status, JSON.stringify(result)).toBe(201);
    // The signed URL starts with PUBLIC_URL, not the request's host (gw).
    expect(result.url).toMatch(/^https:\/\/uploads\.example\.com\/v1\/files\/[^/]+\/content\?/);
    expect(result).toMatchObject({
      status: "staged",
      provider: "wavespeed",
      file: { size: length, sha256: await patternSha(6, length) },
    });
    expect(await receivedWith(name)).toEqual([]);
    const h = await call(new Request(result.url ?? "", { method: "HEAD" }));
    expect(h.status).toBe(200);
    expect(h.headers.get("content-length")).toBe(String(length));
  });
});

describe("cleanup", () => {
  const stub = (id: string) =>
    (env as unknown as Env).UPLOADS.get((env as unknown as Env).UPLOADS.idFromName(id));

  it("an unfinished upload past Upload-Expires is discarded by its alarm and reads as expired", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.mp4" }, 20 * MiB);
    expect((await patch(location, 0, pattern(5, 0, 6 * MiB), 6 * MiB)).status).toBe(204);
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { expiresAt: number } };
      stored.tus.expiresAt = Date.now() - 1;
      await state.storage.put("upload", stored);
    });
    expect(await runDurableObjectAlarm(stub(id))).toBe(true);
    expect((await bucket.list({ prefix: stagedKey(id) })).objects).toEqual([]);
    expect((await status(id)).status).toBe("expired");
    expect((await head(location)).status).toBe(410);
  });

  it("a delivered file's staged copy is deleted when its retention ends", async () => {
    const { location, id } = await created({ provider: "useapi", filename: "a.png" }, 1000);
    expect((await patch(location, 0, randomBytes(1000), 1000)).status).toBe(204);
    expect(await bucket.head(stagedKey(id))).not.toBeNull();
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { stagedAt: number } };
      stored.tus.stagedAt = Date.now() - 8 * 86400_000;
      await state.storage.put("upload", stored);
    });
    await runDurableObjectAlarm(stub(id));
    expect(await bucket.head(stagedKey(id))).toBeNull();
    // The result stays readable.
    expect((await status(id)).status).toBe("completed");
  });

  it("the daily sweep deletes staged objects older than any upload may live, and only those", async () => {
    const young = `uploads/${crypto.randomUUID()}`;
    await bucket.put(young, "x");
    const ctrl = createScheduledController({
      scheduledTime: Date.now() + SWEEP_AGE_MS + 60_000,
      cron: "17 3 * * *",
    });
    await worker.scheduled(ctrl, env as unknown as Env);
    expect(await bucket.head(young)).toBeNull();
    const fresh = `uploads/${crypto.randomUUID()}`;
    await bucket.put(fresh, "x");
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" }),
      env as unknown as Env,
    );
    expect(await bucket.head(fresh)).not.toBeNull();
  });
});
