// Delivering a finished tus upload: signed tus_url uploads, fan-out to several providers and retry, and
// WaveSpeed's files over 300 MiB handed over as signed URLs to the staged copy.

import { runInDurableObject } from "cloudflare:test";
import { env as testEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { components } from "../../generated/gateway";
import type { Env } from "../../worker/core/config";
import { deliver } from "../../worker/services/delivery/deliver";
import type { Stored } from "../../worker/services/records/record";
import { type StagedFile, stagedKey } from "../../worker/services/staging/staged";
import { call, marker, problemOf, randomBytes, receivedWith, sha256 } from "../helpers";
import {
  auth,
  created,
  head,
  MiB,
  metadata,
  patch,
  pattern,
  patternSha,
  type Status,
  status,
  TUS,
  uploadPattern,
} from "./helpers";

const env = testEnv as unknown as Env;

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
    // The hand-off is in the file registry, as staged, under the key that created the upload.
    const record = await call(new Request(`http://gw/v1/files/${b.id}`, { headers: auth }));
    expect(await record.json()).toMatchObject({ id: b.id, provider: "wavespeed", status: "staged" });
    expect(Date.parse(staged.result?.expires_at ?? "") - Date.now()).toBeGreaterThan(6.9 * 86400_000);
    expect(await receivedWith(over)).toEqual([]);
    // The URL serves the staged bytes: the last ones, and their length.
    const url = staged.result?.url ?? "";
    const h = await call(new Request(url, { method: "HEAD" }));
    expect(h.headers.get("content-length")).toBe(String(LIMIT + 1));
    const tail = await call(new Request(url, { headers: { range: `bytes=${LIMIT - 9}-` } }));
    const expectedTail = new Uint8Array(await new Response(pattern(4, LIMIT - 9, 10)).arrayBuffer());
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(expectedTail);
    // DELETE ends the tus resource (204) but keeps what WaveSpeed's reference still points to.
    const del = await call(new Request(b.location, { method: "DELETE", headers: { ...TUS, ...auth } }));
    expect(del.status).toBe(204);
    expect((await head(b.location)).status).toBe(410);
    expect((await call(new Request(url, { method: "HEAD" }))).headers.get("content-length")).toBe(
      String(LIMIT + 1),
    );
    expect((await status(b.id)).result).toMatchObject({ status: "staged" });
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
    // Recorded in the file registry as staged.
    const record = await call(new Request(`http://gw/v1/files/${result.id}`, { headers: auth }));
    expect(await record.json()).toMatchObject({ id: result.id, status: "staged", url: result.url });
    const h = await call(new Request(result.url ?? "", { method: "HEAD" }));
    expect(h.status).toBe(200);
    expect(h.headers.get("content-length")).toBe(String(length));
  });
});

describe("native delivery from R2", () => {
  it("the bytes a raw (useapi) and a multipart (jimmy) provider receive hash to the staged file's SHA-256", async () => {
    const mark = marker("native");
    const length = 6 * MiB + 123;
    const { location, id } = await created(
      { providers: "useapi,jimmy", filename: `${mark}.png`, filetype: "image/png", account: mark },
      length,
    );
    const first = 5 * MiB;
    expect((await patch(location, 0, pattern(7, 0, first), first)).status).toBe(204);
    expect((await patch(location, first, pattern(7, first, length - first), length - first)).status).toBe(
      204,
    );
    const digest = await patternSha(7, length);
    const seen = await receivedWith(mark);
    expect(seen.map((r) => [r.provider, r.complete, r.bytes, r.sha256]).sort()).toEqual([
      ["jimmy", true, length, digest],
      ["useapi", true, length, digest],
    ]);
    const done = await status(id);
    expect(done.status).toBe("completed");
    expect(done.deliveries?.map((d) => d.result?.file.sha256)).toEqual([digest, digest]);
  });

  /** The test's env with its R2 binding counted: whole-object reads (a delivery's body, or a hash). */
  function counting() {
    const reads = { whole: 0, ranged: 0 };
    const bucket = env.STAGING;
    const STAGING = new Proxy(bucket, {
      get(target, prop) {
        if (prop === "get")
          return (key: string, options?: R2GetOptions) => {
            if (options?.range) reads.ranged++;
            else reads.whole++;
            return target.get(key, options);
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { env: { ...env, STAGING } as Env, reads };
  }

  it("a fan-out hashes the staged file once, from its first delivery's own read; a known digest is used as it is", async () => {
    const mark = marker("hashonce");
    const bytes = randomBytes(2 * MiB + 77);
    const id = `hashonce-${crypto.randomUUID()}`;
    await env.STAGING.put(stagedKey(id), bytes);
    const staged: StagedFile = {
      id,
      file: {
        name: `${mark}.png`,
        extension: "png",
        mimeType: "image/png",
        kind: "image",
        size: bytes.length,
      },
      origin: "http://gw",
      stagedAt: Date.now(),
    };
    const providers = ["useapi", "jimmy", "dify"] as const;
    const first = counting();
    const out = await deliver(first.env, staged, providers, { account: mark }, "/t", true);
    const digest = await sha256(bytes);
    expect(out.sha256).toBe(digest);
    expect(out.deliveries.map((d) => d.result?.file.sha256)).toEqual([digest, digest, digest]);
    // Each provider's record has an id of its own, and all point to the one upload.
    const ids = out.deliveries.map((d) => d.result?.id);
    expect(new Set(ids).size).toBe(providers.length);
    expect(ids).not.toContain(staged.id);
    expect(out.deliveries.map((d) => d.result?.upload_id)).toEqual(providers.map(() => staged.id));
    // One whole read per provider (its body; the hash takes a branch of the first), one ranged read each to
    // sniff: no read of its own for the hash.
    expect(first.reads).toEqual({ whole: providers.length, ranged: providers.length });
    // Every provider received the whole file.
    const seen = await receivedWith(mark);
    expect(seen.map((r) => [r.complete, r.bytes, r.sha256])).toEqual(
      providers.map(() => [true, bytes.length, digest]),
    );
    // A digest kept with the record is taken as it is: not computed again (this one is deliberately not the
    // file's, to tell).
    const kept = "f".repeat(64);
    const again = counting();
    const second = await deliver(
      again.env,
      { ...staged, sha256: kept },
      providers,
      { account: mark },
      "/t",
      true,
    );
    // A second delivery of the same upload lands on the same records.
    expect(second.deliveries.map((d) => d.result?.id)).toEqual(ids);
    expect(second.sha256).toBe(kept);
    expect(second.deliveries.map((d) => d.result?.file.sha256)).toEqual([kept, kept, kept]);
    expect(again.reads).toEqual({ whole: providers.length, ranged: providers.length });
  });

  it("the upload's record keeps the staged file's digest for retries", async () => {
    const mark = marker("keep");
    const length = 1 * MiB + 5;
    const { location, id } = await created(
      { providers: "useapi", filename: `${mark}.png`, filetype: "image/png", account: mark },
      length,
    );
    expect((await patch(location, 0, pattern(3, 0, length), length)).status).toBe(204);
    const digest = await patternSha(3, length);
    const stub = env.UPLOADS.get(env.UPLOADS.idFromName(id)) as DurableObjectStub;
    await runInDurableObject(stub, async (_o, state) => {
      const stored = await state.storage.get<Stored>("upload");
      expect(stored?.tus?.stagedSha256).toBe(digest);
    });
  });
});
