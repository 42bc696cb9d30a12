// Every provider, in both body forms, through the gateway to the emulator: the normalized result, and what
// the provider actually received (exact Content-Length, every byte, the right fields).
import { describe, expect, it } from "vitest";
import type { ProviderId } from "../worker/providers/kit/capability";
import { capability, PROVIDER_IDS } from "../worker/providers/table";
import {
  call,
  marker,
  multipartRequest,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  SAMPLES,
  sha256,
} from "./helpers";

const REFERENCE = {
  jimmy: (r: Record<string, unknown>) => (r.data as { url: string }).url,
  dify: (r: Record<string, unknown>) => r.id as string,
  minimax: (r: Record<string, unknown>) => String((r.file as { file_id: number }).file_id),
  useapi: (r: Record<string, unknown>) => r.fileID as string,
  wavespeed: (r: Record<string, unknown>) => (r.data as { download_url: string }).download_url,
  openai: (r: Record<string, unknown>) => r.id as string,
  gemini: (r: Record<string, unknown>) => (r.file as { uri: string }).uri,
  fal: (r: Record<string, unknown>) => r.file_url as string,
  replicate: (r: Record<string, unknown>) => (r.urls as { get: string }).get,
};

/** The text fields a provider receives beside the file, where they are more than the options sent. */
const UPSTREAM_FIELDS: Partial<Record<ProviderId, (filename: string) => Record<string, string>>> = {
  replicate: (filename) => ({ filename, type: "image/png", metadata: '{"customer_id":123}' }),
};

describe.each(PROVIDER_IDS)("%s", (provider) => {
  const sample = SAMPLES[provider];
  for (const form of ["multipart", "raw"] as const) {
    it(`streams a ${form} upload and answers 201 with the normalized result`, async () => {
      const bytes = randomBytes(300_000);
      const mark = marker(provider);
      const filename = `${mark}.${sample.ext}`;
      // useapi gets no filename upstream; the account option marks its request instead.
      const fields = provider === "useapi" ? { account: mark } : sample.fields;
      const spec = { filename, bytes, type: sample.type, fields };
      const request =
        form === "multipart" ? await multipartRequest(provider, spec) : rawRequest(provider, spec);
      const result = await resultOf(await call(request));

      const digest = await sha256(bytes);
      expect(result).toMatchObject({
        provider,
        status: "uploaded",
        file: { name: filename, size: bytes.length, mime_type: sample.type, sha256: digest },
      });
      expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.reference).toBe(REFERENCE[provider](result.provider_response));
      // Kept for a documented time (WaveSpeed), or until the expiry the answer names (Gemini's, Replicate's).
      expect(result.expires_at === null).toBe(!["wavespeed", "gemini", "replicate"].includes(provider));
      expect(result.file.kind).toBe(provider === "minimax" ? "audio" : "image");

      const [seen, ...more] = await receivedWith(mark);
      expect(more).toHaveLength(0);
      expect(seen).toMatchObject({
        complete: true,
        bytes: bytes.length,
        sha256: digest,
        status: provider === "dify" || provider === "replicate" ? 201 : 200,
      });
      if (capability(provider).body === "raw") {
        expect(seen?.contentType).toBe("image/png");
        expect(seen?.contentLength).toBe(bytes.length);
      } else {
        expect(seen?.contentType).toMatch(/^multipart\/form-data; boundary=mediagate-[0-9a-z]{36}$/);
        expect(seen?.filename).toBe(filename);
        expect(seen?.fields).toEqual(UPSTREAM_FIELDS[provider]?.(filename) ?? sample.fields);
        // preamble + file + epilogue, exactly: never chunked.
        expect(seen?.contentLength).toBeGreaterThan(bytes.length);
      }
    });
  }
});

describe("multipart bodies without a trailing CRLF (workerd's FormData)", () => {
  it.each(PROVIDER_IDS.filter((p) => capability(p).body !== "raw"))(
    "%s: pads the epilogue so the length stays exact",
    async (provider) => {
      const sample = SAMPLES[provider];
      const bytes = randomBytes(70_000);
      const mark = marker(provider);
      const filename = `${mark}.${sample.ext}`;
      const request = await multipartRequest(provider, {
        filename,
        bytes,
        type: sample.type,
        fields: sample.fields,
        epilogue: "none",
      });
      const result = await resultOf(await call(request));
      expect(result.file).toMatchObject({ size: bytes.length, sha256: await sha256(bytes) });
      expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, bytes: bytes.length });
    },
  );

  it("useapi (raw upstream, nothing to pad): refused with a clear problem, nothing complete arrives", async () => {
    const mark = marker("useapi");
    const request = await multipartRequest("useapi", {
      filename: "a.png",
      bytes: randomBytes(70_000),
      fields: { account: mark },
      epilogue: "none",
    });
    const problem = await problemOf(await call(request), 400, "malformed_body");
    expect(problem.detail).toMatch(
      /must end with CRLF after its closing boundary; or send the file as a raw body/,
    );
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
  });
});

describe("results", () => {
  it("sets WaveSpeed's expiry to its 7-day retention", async () => {
    const before = Date.now();
    const result = await resultOf(await call(await multipartRequest("wavespeed", { filename: "a.png" })));
    const expires = Date.parse(result.expires_at ?? "");
    expect(expires - before).toBeGreaterThanOrEqual(7 * 86400_000 - 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(7 * 86400_000);
  });

  it("sends .webp to useapi as image/jpeg, per its table", async () => {
    const mark = marker("webp");
    const result = await resultOf(
      await call(rawRequest("useapi", { filename: "a.webp", type: "image/webp", fields: { account: mark } })),
    );
    expect(result.file.mime_type).toBe("image/webp");
    const [seen] = await receivedWith(mark);
    expect(seen?.contentType).toBe("image/jpeg");
  });

  it("defaults useapi's account to USEAPI_ACCOUNT and Dify's user to mediagate", async () => {
    const mark = marker("acct");
    await resultOf(
      await call(rawRequest("useapi", { filename: "a.png", type: "image/png" }), { USEAPI_ACCOUNT: mark }),
    );
    expect((await receivedWith(mark))[0]?.query.account).toBe(mark);

    const difyMark = marker("dify");
    await resultOf(await call(await multipartRequest("dify", { filename: `${difyMark}.png` })));
    expect((await receivedWith(difyMark))[0]?.fields).toEqual({ user: "mediagate" });
  });

  it("derives the type from the extension when the client sends application/octet-stream", async () => {
    const result = await resultOf(
      await call(rawRequest("jimmy", { filename: "take.MOV", type: "application/octet-stream" })),
    );
    expect(result.file).toMatchObject({ mime_type: "video/quicktime", kind: "video" });
  });

  it("hashes and forwards a file larger than one chunk intact (4 MiB)", async () => {
    const bytes = randomBytes(4 * 1024 * 1024);
    const mark = marker("big");
    const result = await resultOf(
      await call(await multipartRequest("wavespeed", { filename: `${mark}.mp4`, type: "video/mp4", bytes })),
    );
    const digest = await sha256(bytes);
    expect(result.file.sha256).toBe(digest);
    expect((await receivedWith(mark))[0]).toMatchObject({
      sha256: digest,
      bytes: bytes.length,
      complete: true,
    });
  });
});
