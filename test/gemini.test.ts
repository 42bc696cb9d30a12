// Gemini's adapter against the emulator's rendition of its resumable Files API (sandbox/dialects/gemini.ts):
// the session started and the bytes sent in one `upload, finalize` request, the session URL held to the
// configured origin, a failure after the start (the session is left to lapse: no call cancels one), Google's
// error dialect, expiry, delete; and display_name through the gateway.
import { describe, expect, it } from "vitest";
import type { Call } from "../sandbox/providers";
import { SANDBOX_KEYS } from "../sandbox/providers";
import { gemini, sessionUrl } from "../worker/providers/gemini/adapter";
import {
  call,
  emulatorUrl,
  marker,
  multipartRequest,
  randomBytes,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";

const config = (apiKey = SANDBOX_KEYS.gemini) => ({
  apiKey,
  baseUrl: `${emulatorUrl()}/gemini`,
  defaults: {},
});
const allCalls = async () => (await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[];

async function upload(bytes: Uint8Array, opts: { scenario?: string; apiKey?: string } = {}) {
  const mark = opts.scenario ? `${marker("gemini")}-sandbox-${opts.scenario}` : marker("gemini");
  const result = await gemini.upload({
    file: { name: `${mark}.mp4`, type: "video/mp4", size: bytes.length, stream: new Blob([bytes]).stream() },
    options: {},
    config: config(opts.apiKey),
    fetch: (input, init) => fetch(input, init),
    signal: new AbortController().signal,
  });
  return { result, mark };
}

describe("gemini: the resumable session", () => {
  it("starts a session, then sends every byte with upload, finalize; the File's uri is the reference", async () => {
    const bytes = randomBytes(250_000);
    const { result, mark } = await upload(bytes);
    expect(result.error).toBeUndefined();
    expect(result.data?.providerFileId).toMatch(/^files\/[a-z0-9-]+$/);
    expect(result.data?.reference).toBe(result.data?.url);
    // Google keeps a file 48 hours: its expirationTime, recorded.
    const expires = Date.parse(result.data?.expiresAt ?? "");
    expect(Math.abs(expires - (Date.now() + 48 * 3600_000))).toBeLessThan(60_000);
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({
      complete: true,
      bytes: bytes.length,
      contentLength: bytes.length,
      contentType: "video/mp4",
      sha256: await sha256(bytes),
    });
    const start = (await allCalls()).find((c) => c.body.includes(mark));
    expect(start).toMatchObject({ method: "POST", path: "/gemini/upload/v1beta/files", status: 200 });
    expect(JSON.parse(start?.body ?? "")).toEqual({ file: { display_name: `${mark}.mp4` } });
  });

  it("holds the session URL to the configured origin, as Google's client does", () => {
    const base = "http://127.0.0.1:8788/gemini";
    const answered = "https://elsewhere.example/upload/v1beta/files?upload_id=abc&upload_protocol=resumable";
    expect(sessionUrl(base, answered)?.href).toBe(
      "http://127.0.0.1:8788/upload/v1beta/files?upload_id=abc&upload_protocol=resumable",
    );
    // A path that reads as another host (protocol-relative) stays a path.
    expect(sessionUrl(base, "https://a.example//evil.example/x?y=1")?.origin).toBe("http://127.0.0.1:8788");
    expect(sessionUrl(base, "javascript:alert(1)")).toBeUndefined();
    expect(sessionUrl(base, null)).toBeUndefined();
  });

  it("a finalize that fails after the start: a problem naming the step; the session is left to lapse", async () => {
    const { result, mark } = await upload(randomBytes(100_000), { scenario: "server-error" });
    expect(result.error).toMatchObject({ code: "provider_error", status: 500, providerCode: "INTERNAL" });
    expect(result.error?.detail).toBe("uploading and finalizing: HTTP 500, status INTERNAL: server error");
    // The start reached Google; nothing after the failed finalize (no call cancels a session).
    const mine = (await allCalls()).filter((c) => c.body.includes(mark));
    expect(mine.map((c) => c.status)).toEqual([200]);
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({ bytes: 100_000, status: 500 });
  });

  it("a refused key: Google's 400 with reason API_KEY_INVALID is an auth failure, before any byte", async () => {
    const { result, mark } = await upload(randomBytes(1000), { apiKey: "wrong" });
    expect(result.error).toMatchObject({
      code: "provider_auth_failed",
      status: 400,
      providerCode: "INVALID_ARGUMENT",
    });
    expect(result.error?.detail).toMatch(/^starting the upload session: HTTP 400/);
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("rate limited: RESOURCE_EXHAUSTED with Retry-After", async () => {
    const { result } = await upload(randomBytes(1000), { scenario: "rate-limit" });
    expect(result.error).toMatchObject({ code: "provider_rate_limited", status: 429, retryAfter: "7" });
  });

  it("deletes a file at Google (DELETE /v1beta/files/{id})", async () => {
    const { result } = await upload(randomBytes(1000));
    const name = result.data?.providerFileId ?? "";
    const removed = await gemini.remove?.({
      providerFileId: name,
      options: {},
      config: config(),
      fetch: (input, init) => fetch(input, init),
      signal: new AbortController().signal,
    });
    expect(removed).toEqual({});
    const deleted = (await allCalls()).find(
      (c) => c.method === "DELETE" && c.path === `/gemini/v1beta/${name}`,
    );
    expect(deleted?.status).toBe(200);
  });

  it("takes display_name through the gateway (the filename when absent)", async () => {
    const mark = marker("gemini");
    const request = await multipartRequest("gemini", {
      filename: `${mark}.png`,
      fields: { display_name: `${mark} shown` },
    });
    const result = await resultOf(await call(request));
    expect(result.expires_at).not.toBeNull();
    const start = (await allCalls()).find((c) => c.body.includes(`${mark} shown`));
    expect(JSON.parse(start?.body ?? "")).toEqual({ file: { display_name: `${mark} shown` } });
  });
});
