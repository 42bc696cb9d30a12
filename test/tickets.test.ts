// Signed, single-use upload URLs: a backend creates one with the gateway key; an app uploads with none.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { components } from "../generated/gateway";
import type { Env } from "../worker/core/config";
import { LIMITS } from "../worker/core/limits";
import { backoffMs } from "../worker/services/records/schedule";
import { deliverCallback, signature } from "../worker/services/sessions/callback";
import { uploadSession } from "../worker/services/sessions/session";
import { CLOCK_SKEW_SECONDS, type Claims, sign, verify } from "../worker/services/sessions/token";
import {
  call,
  emulatorUrl,
  gatewayEnv,
  KEY,
  marker,
  problemOf,
  randomBytes,
  receivedWith,
  resultOf,
  SIGNING_SECRET,
  sha256,
} from "./helpers";

type Ticket = components["schemas"]["UploadTicket"];
type Status = components["schemas"]["UploadStatus"];

const create = (body: unknown, key: string | null = KEY) =>
  new Request("http://gw/v1/uploads", {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });

async function ticket(
  body: Record<string, unknown>,
  overrides: Parameters<typeof call>[1] = {},
): Promise<Ticket> {
  const res = await call(create(body), overrides);
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json as Ticket;
}

/** The app's side: PUT the raw file to the URL, no Authorization. */
function put(
  url: string,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
  query: Record<string, string> = {},
) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return new Request(u, {
    method: "PUT",
    headers: { "content-type": "image/png", "content-length": String(bytes.length), ...headers },
    body: bytes,
  });
}

async function status(id: string): Promise<Status> {
  const res = await call(
    new Request(`http://gw/v1/uploads/${id}`, { headers: { authorization: `Bearer ${KEY}` } }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

const stub = (id: string) => uploadSession(env as unknown as Env, id);
const tokenOf = (url: string) => new URL(url).searchParams.get("token") ?? "";
const claimsOf = (token: string) =>
  JSON.parse(atob((token.split(".")[0] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Claims;
/** The same URL with its claims re-encoded (as an attacker would) and the old signature kept. */
function tamper(url: string, change: (c: Claims) => Claims): string {
  const [, sig] = tokenOf(url).split(".");
  const payload = btoa(JSON.stringify(change(claimsOf(tokenOf(url)))))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const u = new URL(url);
  u.searchParams.set("token", `${payload}.${sig}`);
  return u.href;
}

describe("POST /v1/uploads", () => {
  it("issues a URL; the app uploads with no key; GET shows the result", async () => {
    const t = await ticket({
      provider: "wavespeed",
      filename: "cat.png",
      content_type: "image/png",
      metadata: { user: 42 },
    });
    expect(t).toMatchObject({ method: "PUT", headers: { "content-type": "image/png" } });
    expect(t.upload_url).toMatch(new RegExp(`^http://gw/v1/uploads/${t.id}/file\\?token=`));
    expect(Date.parse(t.expires_at) - Date.now()).toBeGreaterThan(890_000);
    expect((await status(t.id)).status).toBe("pending");

    const bytes = randomBytes(40_000);
    const result = await resultOf(await call(put(t.upload_url, bytes)));
    expect(result).toMatchObject({
      id: t.id,
      provider: "wavespeed",
      file: { name: "cat.png", sha256: await sha256(bytes) },
    });
    const done = await status(t.id);
    expect(done).toMatchObject({
      id: t.id,
      status: "completed",
      metadata: { user: 42 },
      result: { reference: result.reference },
    });
  });

  it("accepts a multipart POST to the same kind of URL", async () => {
    const t = await ticket({ provider: "jimmy" });
    const form = new FormData();
    form.append("file", new File([randomBytes(1000)], "a.png", { type: "image/png" }));
    const encoded = new Response(form);
    const body = new Uint8Array(await encoded.arrayBuffer());
    const res = await call(
      new Request(t.upload_url, {
        method: "POST",
        headers: {
          "content-type": encoded.headers.get("content-type") ?? "",
          "content-length": String(body.length),
        },
        body,
      }),
    );
    expect((await resultOf(res)).file.name).toBe("a.png");
  });

  it("defaults max_bytes to the provider's limit (5 GB where it has none), returns a tus_url", async () => {
    expect((await ticket({ provider: "jimmy" })).max_bytes).toBe(100 * 1024 * 1024);
    expect((await ticket({ provider: "useapi" })).max_bytes).toBe(5_000_000_000);
    const wavespeed = await ticket({ provider: "wavespeed" });
    expect(wavespeed.max_bytes).toBe(5_000_000_000);
    expect(wavespeed.tus_url).toBe(`http://gw/v1/tus?token=${tokenOf(wavespeed.upload_url)}`);
  });

  it("a single PUT is still bounded by MAX_REQUEST_BYTES, pointing to the resumable API", async () => {
    const t = await ticket({ provider: "useapi", filename: "a.png" });
    const res = await call(put(t.upload_url, randomBytes(10), { "content-length": String(104_857_601) }));
    expect((await problemOf(res, 413, "file_too_large")).detail).toMatch(/resumable/);
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["an unknown provider", { provider: "acme" }],
    ["a purpose MiniMax doesn't have", { provider: "minimax", purpose: "music" }],
    ["a field the provider does not take", { provider: "jimmy", purpose: "voice_clone" }],
    ["max_bytes over the provider's limit", { provider: "jimmy", max_bytes: 100 * 1024 * 1024 + 1 }],
    ["max_bytes over the resumable limit", { provider: "wavespeed", max_bytes: 5_000_000_001 }],
    ["max_bytes of 0", { provider: "jimmy", max_bytes: 0 }],
    ["expires_in of 0", { provider: "jimmy", expires_in: 0 }],
    ["expires_in over 7 days", { provider: "jimmy", expires_in: 7 * 86400 + 1 }],
    ["a filename the provider does not take", { provider: "jimmy", filename: "a.pdf" }],
    ["a filename outside the purpose", { provider: "minimax", purpose: "voice_clone", filename: "a.mp4" }],
    ["a malformed content_type", { provider: "jimmy", content_type: "png" }],
    ["an http callback to a public host", { provider: "jimmy", callback_url: "http://example.com/hook" }],
    ["metadata that is not an object", { provider: "jimmy", metadata: [1, 2] }],
    ["metadata over 4 KiB", { provider: "jimmy", metadata: { x: "y".repeat(5000) } }],
    ["an unknown field", { provider: "jimmy", colour: "red" }],
  ];
  it.each(invalid)("400 invalid_field: %s", async (_, body) => {
    await problemOf(await call(create(body)), 400, "invalid_field");
  });

  // What specs/gateway.yaml's CreateUpload states is what is enforced (http/schema.ts): types are not
  // coerced, and every bound is the schema's (its numbers are core/limits.ts's).
  const offSchema: [string, Record<string, unknown>][] = [
    ["provider", { provider: ["jimmy"] }],
    ["purpose", { provider: "minimax", purpose: ["voice_clone"] }],
    ["user", { provider: "dify", user: { id: 1 } }],
    ["filename", { provider: "jimmy", filename: ["a.png"] }],
    ["callback_url", { provider: "jimmy", callback_url: `https://api.example.com/${"a".repeat(2048)}` }],
    ["content_type", { provider: "jimmy", content_type: Array(LIMITS.contentTypes + 1).fill("image/png") }],
    ["max_bytes", { provider: "jimmy", max_bytes: "1000" }],
    ["expires_in", { provider: "jimmy", expires_in: 1.5 }],
    ["colour", { provider: "jimmy", colour: "red" }],
  ];
  it.each(offSchema)("400 invalid_field naming %s for a body off the schema", async (field, body) => {
    const problem = await problemOf(await call(create(body)), 400, "invalid_field");
    expect(problem.detail).toContain(`"${field}"`);
  });

  it("the messages of the original checks still name their field", async () => {
    for (const [field, body] of [
      ["provider", {}],
      ["provider", { provider: "acme" }],
      ["max_bytes", { provider: "jimmy", max_bytes: 0 }],
      ["max_bytes", { provider: "jimmy", max_bytes: 100 * 1024 * 1024 + 1 }],
      ["expires_in", { provider: "jimmy", expires_in: LIMITS.maxTicketSeconds + 1 }],
      ["content_type", { provider: "jimmy", content_type: "png" }],
      ["metadata", { provider: "jimmy", metadata: [1, 2] }],
    ] as const) {
      const problem = await problemOf(await call(create(body)), 400, "invalid_field");
      expect(problem.detail, JSON.stringify(body)).toContain(`"${field}"`);
    }
  });

  it("400 malformed_body for a body that is not a JSON object; 401 without the gateway key", async () => {
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}` },
        body: "[",
      }),
    );
    await problemOf(res, 400, "malformed_body");
    await problemOf(await call(create({ provider: "jimmy" }, null)), 401, "unauthorized");
  });

  it("a chunked body over the JSON limit is refused without reading past the limit and one chunk", async () => {
    const CHUNK = 4096;
    const TOTAL = 60 * 1024 * 1024;
    let pulled = 0;
    let cancelled = false;
    // No Content-Length: the size is known only by reading.
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (pulled >= TOTAL) return controller.close();
          const chunk = new Uint8Array(CHUNK).fill(0x20);
          if (pulled === 0) chunk.set(new TextEncoder().encode('{"provider":"jimmy"'));
          pulled += CHUNK;
          controller.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body,
      }),
    );
    expect(pulled).toBeLessThanOrEqual(LIMITS.jsonBodyBytes + CHUNK);
    expect(cancelled).toBe(true);
    const problem = await problemOf(res, 400, "malformed_body");
    expect(problem.max_bytes).toBe(LIMITS.jsonBodyBytes);
  });

  it("a declared Content-Length over the JSON limit is refused before reading", async () => {
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${KEY}`,
          "content-length": String(LIMITS.jsonBodyBytes + 1),
        },
        body: `{"provider":"jimmy"${" ".repeat(LIMITS.jsonBodyBytes - 19)}}`,
      }),
    );
    expect((await problemOf(res, 400, "malformed_body")).max_bytes).toBe(LIMITS.jsonBodyBytes);
  });

  it("a body that is not UTF-8 is malformed", async () => {
    const res = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      }),
    );
    await problemOf(res, 400, "malformed_body");
  });

  it("503 without SIGNING_SECRET or without the provider's key", async () => {
    await problemOf(
      await call(create({ provider: "jimmy" }), { SIGNING_SECRET: undefined }),
      503,
      "signing_not_configured",
    );
    await problemOf(
      await call(create({ provider: "jimmy" }), { JIMMY_API_KEY: undefined }),
      503,
      "provider_not_configured",
    );
  });
});

describe("the token", () => {
  const changes: [string, (c: Claims) => Claims][] = [
    ["provider", (c) => ({ ...c, provider: "useapi" })],
    ["expiry", (c) => ({ ...c, exp: c.exp + 3600 })],
    ["max_bytes", (c) => ({ ...c, max_bytes: c.max_bytes * 2 })],
    ["content_types", (c) => ({ ...c, content_types: ["video/*"] })],
    ["fixed fields", (c) => ({ ...c, fixed: { purpose: "prompt_audio" } })],
    ["filename", (c) => ({ ...c, filename: "other.mp3" })],
    ["id", (c) => ({ ...c, id: crypto.randomUUID() })],
  ];
  it.each(changes)("altered %s → 401 invalid_token, nothing forwarded", async (_, change) => {
    const mark = marker();
    const t = await ticket({
      provider: "minimax",
      purpose: "voice_clone",
      filename: `${mark}.mp3`,
      content_type: "audio/*",
    });
    const res = await call(
      put(tamper(t.upload_url, change), randomBytes(500), { "content-type": "audio/mpeg" }),
    );
    await problemOf(res, 401, "invalid_token");
    expect(await receivedWith(mark)).toEqual([]);
    expect((await status(t.id)).status).toBe("pending");
  });

  it("a wrong, truncated or missing signature → 401 invalid_token", async () => {
    const t = await ticket({ provider: "jimmy" });
    const token = tokenOf(t.upload_url);
    for (const bad of [
      `${token.slice(0, -2)}AA`,
      token.slice(0, -5),
      token.split(".")[0] ?? "",
      "",
      "a.b.c",
    ]) {
      const u = new URL(t.upload_url);
      u.searchParams.set("token", bad);
      await problemOf(
        await call(put(u.href, randomBytes(10), {}, { filename: "a.png" })),
        401,
        "invalid_token",
      );
    }
  });

  it("a correctly signed token for an upload that was never created → 401 invalid_token", async () => {
    const id = crypto.randomUUID();
    const claims: Claims = {
      v: 1,
      id,
      provider: "jimmy",
      exp: Math.floor(Date.now() / 1000) + 60,
      max_bytes: 10,
      content_types: [],
      fixed: {},
    };
    const url = `http://gw/v1/uploads/${id}/file?token=${await sign(claims, SIGNING_SECRET)}`;
    await problemOf(await call(put(url, randomBytes(5), {}, { filename: "a.png" })), 401, "invalid_token");
  });

  it(`expiry: accepted ${CLOCK_SKEW_SECONDS - 1}s after exp, 401 token_expired ${CLOCK_SKEW_SECONDS + 1}s after`, async () => {
    const claims: Claims = {
      v: 1,
      id: "x",
      provider: "jimmy",
      exp: 1_800_000_000,
      max_bytes: 10,
      content_types: [],
      fixed: {},
    };
    const token = await sign(claims, SIGNING_SECRET);
    await expect(
      verify(token, "x", SIGNING_SECRET, (claims.exp + CLOCK_SKEW_SECONDS - 1) * 1000),
    ).resolves.toEqual(claims);
    await expect(
      verify(token, "x", SIGNING_SECRET, (claims.exp + CLOCK_SKEW_SECONDS + 1) * 1000),
    ).rejects.toMatchObject({
      code: "token_expired",
    });
    await expect(verify(token, "x", "another secret", claims.exp * 1000)).rejects.toMatchObject({
      code: "invalid_token",
    });
  });

  it("an expired URL → 401 token_expired through the gateway, and the status reads expired", async () => {
    const t = await ticket({ provider: "jimmy", expires_in: 1 });
    // Re-sign the same claims with an expiry past the skew allowance (the test holds the secret).
    const claims = claimsOf(tokenOf(t.upload_url));
    const stale = new URL(t.upload_url);
    stale.searchParams.set(
      "token",
      await sign({ ...claims, exp: Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS - 1 }, SIGNING_SECRET),
    );
    await problemOf(
      await call(put(stale.href, randomBytes(10), {}, { filename: "a.png" })),
      401,
      "token_expired",
    );
  });
});

describe("single use", () => {
  it("a URL that completed an upload answers 409 token_used", async () => {
    const t = await ticket({ provider: "jimmy", filename: "a.png" });
    await resultOf(await call(put(t.upload_url, randomBytes(100))));
    await problemOf(await call(put(t.upload_url, randomBytes(100))), 409, "token_used");
  });

  it("of two concurrent uploads to one URL exactly one proceeds", async () => {
    const mark = marker("race");
    const t = await ticket({ provider: "useapi", filename: "a.png", account: mark });
    const bytes = [randomBytes(2000), randomBytes(2000)] as const;
    // Both sent at once: neither waits for the other to claim the URL.
    const answers = await Promise.all(bytes.map((b) => call(put(t.upload_url, b))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.toSorted()).toEqual([201, 409]);
    const winner = statuses.indexOf(201);
    const loser = answers[1 - winner] as Response;
    await problemOf(loser, 409, "token_used");
    const done = await status(t.id);
    expect(done.status).toBe("completed");
    // The provider got exactly one file: the winner's.
    const received = await receivedWith(mark);
    expect(received).toHaveLength(1);
    expect(received[0]?.sha256).toBe(await sha256(bytes[winner] as Uint8Array));
    expect(done.result?.file.sha256).toBe(await sha256(bytes[winner] as Uint8Array));
  });

  it("a failed upload can be retried on the same URL; the failure is recorded meanwhile", async () => {
    const t = await ticket({ provider: "jimmy", content_type: "image/*" });
    await problemOf(
      await call(put(t.upload_url, randomBytes(100), { "content-type": "video/mp4" }, { filename: "a.mp4" })),
      415,
      "unsupported_file_type",
    );
    expect(await status(t.id)).toMatchObject({ status: "failed", error: { code: "unsupported_file_type" } });
    await resultOf(await call(put(t.upload_url, randomBytes(100), {}, { filename: "a.png" })));
    const done = await status(t.id);
    expect(done.status).toBe("completed");
    expect(done.error).toBeUndefined();
  });
});

describe("constraints", () => {
  it("Content-Length over max_bytes → 413 before anything is forwarded", async () => {
    const mark = marker();
    const t = await ticket({ provider: "jimmy", max_bytes: 1000, filename: `${mark}.png` });
    const problem = await problemOf(await call(put(t.upload_url, randomBytes(1001))), 413, "file_too_large");
    expect(problem.max_bytes).toBe(1000);
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a lying Content-Length (body longer than declared) is cut off mid-stream; nothing complete arrives", async () => {
    const mark = marker();
    const t = await ticket({ provider: "useapi", max_bytes: 50_000, filename: "a.png", account: mark });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(randomBytes(20_000));
        c.close();
      },
    });
    const res = await call(
      new Request(t.upload_url, {
        method: "PUT",
        headers: { "content-type": "image/png", "content-length": "40000" },
        body,
      }),
    );
    await problemOf(res, 400, "malformed_body");
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });

  it("a missing Content-Length → 411 length_required", async () => {
    const t = await ticket({ provider: "jimmy", filename: "a.png" });
    const body = new ReadableStream({
      start(c) {
        c.enqueue(randomBytes(10));
        c.close();
      },
    });
    await problemOf(
      await call(
        new Request(t.upload_url, { method: "PUT", headers: { "content-type": "image/png" }, body }),
      ),
      411,
      "length_required",
    );
  });

  it("content types: a wildcard admits its family only; a list admits its members", async () => {
    const images = await ticket({ provider: "wavespeed", content_type: "image/*" });
    const refused = await call(
      put(images.upload_url, randomBytes(10), { "content-type": "video/mp4" }, { filename: "a.mp4" }),
    );
    expect((await problemOf(refused, 415, "unsupported_file_type")).accepted).toEqual(["image/*"]);
    await resultOf(
      await call(
        put(images.upload_url, randomBytes(10), { "content-type": "image/webp" }, { filename: "a.webp" }),
      ),
    );
    const list = await ticket({ provider: "wavespeed", content_type: ["audio/mpeg", "video/mp4"] });
    await resultOf(
      await call(
        put(list.upload_url, randomBytes(10), { "content-type": "video/mp4" }, { filename: "a.mp4" }),
      ),
    );
  });

  it("what the token fixes the app cannot override", async () => {
    const t = await ticket({ provider: "minimax", purpose: "voice_clone", filename: "v.mp3" });
    const other = await call(
      put(t.upload_url, randomBytes(10), { "content-type": "audio/mpeg" }, { purpose: "prompt_audio" }),
    );
    expect((await problemOf(other, 400, "invalid_field")).detail).toMatch(/fixed by this upload URL/);
    const rename = await call(
      put(t.upload_url, randomBytes(10), { "content-type": "audio/mpeg" }, { filename: "x.mp3" }),
    );
    await problemOf(rename, 400, "invalid_field");
    const mark = marker();
    const fine = await ticket({ provider: "minimax", purpose: "voice_clone", filename: `${mark}.mp3` });
    await resultOf(await call(put(fine.upload_url, randomBytes(10), { "content-type": "audio/mpeg" })));
    expect((await receivedWith(mark))[0]?.fields).toEqual({ purpose: "voice_clone" });
  });
});

describe("callbacks", () => {
  const sink = (name: string, fail = 0) =>
    `${emulatorUrl()}/__callbacks/${name}${fail ? `?fail=${fail}` : ""}`;
  /**
   * The callbacks the sink has received, once it has any (for up to 2 s): miniflare also fires a due alarm on
   * its own clock, so a callback may still be in flight when runDurableObjectAlarm returns.
   */
  const received = async (name: string) => {
    for (let waited = 0; ; waited += 50) {
      const got = (await (await fetch(`${emulatorUrl()}/__callbacks/${name}`)).json()) as {
        headers: Record<string, string>;
        body: string;
      }[];
      if (got.length > 0 || waited >= 2000) return got;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("POSTs the status document with a signature the backend can verify", async () => {
    const name = marker("cb");
    const t = await ticket({
      provider: "jimmy",
      filename: "a.png",
      callback_url: sink(name),
      metadata: { order: 7 },
    });
    const result = await resultOf(await call(put(t.upload_url, randomBytes(100))));
    await runDurableObjectAlarm(stub(t.id));
    const [hook] = await received(name);
    expect(hook?.headers["mediagate-event"]).toBe("upload.completed");
    const doc = JSON.parse(hook?.body ?? "{}") as Status;
    expect(doc).toMatchObject({
      id: t.id,
      status: "completed",
      metadata: { order: 7 },
      result: { reference: result.reference },
    });
    // Verify as a backend would: recompute over the raw body with the shared secret.
    const header = hook?.headers["mediagate-signature"] ?? "";
    const t0 = Number(/t=(\d+)/.exec(header)?.[1]);
    expect(Math.abs(Date.now() / 1000 - t0)).toBeLessThan(60);
    expect(header).toBe(await signature(SIGNING_SECRET, t0, hook?.body ?? ""));
    expect(header).not.toBe(await signature("wrong", t0, hook?.body ?? ""));
  });

  it("reports failures too", async () => {
    const name = marker("cb");
    const t = await ticket({ provider: "jimmy", max_bytes: 10, filename: "a.png", callback_url: sink(name) });
    await problemOf(await call(put(t.upload_url, randomBytes(100))), 413, "file_too_large");
    await runDurableObjectAlarm(stub(t.id));
    const [hook] = await received(name);
    expect(hook?.headers["mediagate-event"]).toBe("upload.failed");
    expect(JSON.parse(hook?.body ?? "{}")).toMatchObject({
      status: "failed",
      error: { code: "file_too_large" },
    });
  });

  it("retries with backoff until the backend answers 2xx", async () => {
    const name = marker("cb");
    const t = await ticket({ provider: "jimmy", filename: "a.png", callback_url: sink(name, 2) });
    await resultOf(await call(put(t.upload_url, randomBytes(100))));
    const upload = stub(t.id);
    await runDurableObjectAlarm(upload);
    // The first attempt is due at once, so miniflare may be making it on its own clock (see received()).
    await vi.waitFor(
      async () =>
        expect(await upload.callbackState()).toEqual({
          attempts: 1,
          delivered: false,
          last_error: "HTTP 500",
        }),
      { timeout: 2000, interval: 50 },
    );
    await runDurableObjectAlarm(upload);
    await runDurableObjectAlarm(upload);
    expect(await upload.callbackState()).toMatchObject({ attempts: 3, delivered: true, last_error: null });
    expect(await received(name)).toHaveLength(1);
    // What is left is the record's deletion after its retention (no further callback is sent).
    await runDurableObjectAlarm(upload);
    expect(await received(name)).toHaveLength(1);
    expect(await upload.callbackState()).toMatchObject({ attempts: 3, delivered: true });
    expect(backoffMs(1)).toBe(1000);
    expect(backoffMs(LIMITS.callbackAttempts)).toBeLessThanOrEqual(3_600_000);
  });
});

describe("callback_url: the outbound-URL guard (core/url-guard.ts)", () => {
  // Production: ALLOW_PRIVATE_NETWORK unset. Only tickets are created here: nothing is ever sent to these.
  const production = { ALLOW_PRIVATE_NETWORK: undefined };
  const refused: [string, string][] = [
    ["https://169.254.169.254/latest/meta-data/", "private_address"],
    ["https://10.0.0.5/hook", "private_address"],
    ["https://127.0.0.1/hook", "private_address"],
    ["https://2130706433/hook", "private_address"],
    ["https://[::ffff:127.0.0.1]/hook", "private_address"],
    ["https://[fd00:ec2::254]/hook", "private_address"],
    ["https://localhost/hook", "local_name"],
    ["https://user:pw@api.example.com/hook", "credentials"],
    ["http://127.0.0.1/hook", "scheme"],
    ["http://[::1]/hook", "scheme"],
    ["http://127.1/hook", "scheme"],
    ["http://0x7f000001/hook", "scheme"],
    ["https://api.example.com:25/hook", "port"],
  ];
  it.each(refused)("400 invalid_field for %s, naming the rule (%s)", async (url, rule) => {
    const res = await call(create({ provider: "jimmy", callback_url: url }), production);
    const problem = await problemOf(res, 400, "invalid_field");
    expect(problem.detail).toContain('"callback_url"');
    expect(problem.detail).toContain(`rule: ${rule}`);
  });

  it("accepts https to a public host, stored as parsed", async () => {
    await ticket({ provider: "jimmy", callback_url: "https://API.example.com/hooks/mediagate" }, production);
  });

  it("ALLOW_PRIVATE_NETWORK=true (development) admits the local sink, never credentials", async () => {
    await ticket({ provider: "jimmy", callback_url: "http://127.0.0.1:8787/hook" });
    const res = await call(create({ provider: "jimmy", callback_url: "http://u:p@127.0.0.1:8787/hook" }));
    expect((await problemOf(res, 400, "invalid_field")).detail).toContain("rule: credentials");
  });

  it("is checked again before each delivery: a stored URL the policy now refuses is not POSTed", async () => {
    const name = marker("cb");
    const url = `${emulatorUrl()}/__callbacks/${name}`;
    const record: Status = {
      id: crypto.randomUUID(),
      provider: "jimmy",
      status: "completed",
      created_at: new Date().toISOString(),
      expires_at: new Date().toISOString(),
      metadata: null,
    };
    const error = await deliverCallback(url, record, SIGNING_SECRET, gatewayEnv(production));
    expect(error).toBe("refused (scheme): callback_url must use https");
    const sent = (await (await fetch(`${emulatorUrl()}/__callbacks/${name}`)).json()) as unknown[];
    expect(sent).toEqual([]);
    // The same URL in development is delivered.
    expect(await deliverCallback(url, record, SIGNING_SECRET, gatewayEnv())).toBeNull();
  });

  it("redirects are not followed: a 302 is a failed attempt and its target hears nothing", async () => {
    const [first, target] = [marker("cb"), marker("cb")];
    const targetUrl = `${emulatorUrl()}/__callbacks/${target}`;
    const callback = `${emulatorUrl()}/__callbacks/${first}?redirect=${encodeURIComponent(targetUrl)}`;
    const t = await ticket({ provider: "jimmy", filename: "a.png", callback_url: callback });
    await resultOf(await call(put(t.upload_url, randomBytes(100))));
    const upload = stub(t.id);
    await runDurableObjectAlarm(upload);
    // miniflare also fires the due alarm on its own clock: the attempt may still be in flight here.
    await vi.waitFor(
      async () =>
        expect(await upload.callbackState()).toMatchObject({
          attempts: 1,
          delivered: false,
          last_error: "HTTP 302",
        }),
      { timeout: 2000, interval: 50 },
    );
    expect(await (await fetch(targetUrl)).json()).toEqual([]);
  });
});

describe("PUBLIC_URL: every URL the gateway mints", () => {
  // The runtime builds request.url from the Host header: a forged Host arrives as this URL.
  const forged = (body: unknown) =>
    new Request("http://evil.example/v1/uploads", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify(body),
    });
  const PUBLIC_URL = "https://uploads.example.com";

  it("a forged Host does not reach upload_url or tus_url", async () => {
    const res = await call(forged({ provider: "jimmy" }), { PUBLIC_URL });
    const t = (await res.json()) as Ticket;
    expect(res.status, JSON.stringify(t)).toBe(201);
    expect(t.upload_url).toMatch(new RegExp(`^${PUBLIC_URL}/v1/uploads/${t.id}/file\\?token=`));
    expect(t.tus_url).toBe(`${PUBLIC_URL}/v1/tus?token=${tokenOf(t.upload_url)}`);
    // A trailing slash is the same origin.
    const slash = (await (
      await call(forged({ provider: "jimmy" }), { PUBLIC_URL: `${PUBLIC_URL}/` })
    ).json()) as Ticket;
    expect(slash.upload_url.startsWith(`${PUBLIC_URL}/v1/uploads/`)).toBe(true);
  });

  it.each([
    "uploads.example.com",
    "https://uploads.example.com/base",
    "https://uploads.example.com/?x=1",
    "ftp://uploads.example.com",
    "https://user:pw@uploads.example.com",
  ])("an invalid PUBLIC_URL (%s) is a 500, and no URL is issued", async (value) => {
    const res = await call(forged({ provider: "jimmy" }), { PUBLIC_URL: value });
    await problemOf(res, 500, "internal_error");
  });
});

describe("CORS on upload URLs", () => {
  const origin = "https://app.example";
  it("answers a browser preflight for an allowed origin", async () => {
    const t = await ticket({ provider: "jimmy" });
    const preflight = new Request(t.upload_url, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type",
      },
    });
    const res = await call(preflight, { ALLOWED_ORIGINS: `https://other.example, ${origin}` });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
    // A browser app may declare its file's digest on a signed URL (dedupe, verification).
    expect(res.headers.get("access-control-allow-headers")).toContain("repr-digest");
    const refused = await call(preflight, { ALLOWED_ORIGINS: "https://other.example" });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets the browser read answers, problems included", async () => {
    const t = await ticket({ provider: "jimmy", filename: "a.png", max_bytes: 10 });
    const res = await call(put(t.upload_url, randomBytes(100), { origin }), { ALLOWED_ORIGINS: "*" });
    await problemOf(res, 413, "file_too_large");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("location");
  });
});

describe("GET /v1/uploads/:id", () => {
  it("404 for an unknown id, 401 without the key", async () => {
    const res = await call(
      new Request(`http://gw/v1/uploads/${crypto.randomUUID()}`, {
        headers: { authorization: `Bearer ${KEY}` },
      }),
    );
    await problemOf(res, 404, "not_found");
    await problemOf(await call(new Request("http://gw/v1/uploads/x")), 401, "unauthorized");
  });
});
