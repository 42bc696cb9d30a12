// OpenAI's adapter against the emulator's rendition of its Files and Uploads APIs (sandbox/dialects/openai*):
// parts cut from one stream to exact sizes and reassembled to the same bytes, an Upload cancelled when a
// step after its creation fails, OpenAI's error dialect, expiry and delete; and its options through the
// gateway. The Uploads path is exercised at small sizes by the same adapter built with smaller limits.
import { describe, expect, it } from "vitest";
import type { Call } from "../sandbox/providers";
import { SANDBOX_KEYS } from "../sandbox/providers";
import { openAiAdapter, openai } from "../worker/providers/openai/adapter";
import {
  call,
  emulatorUrl,
  KEY,
  marker,
  multipartRequest,
  problemOf,
  randomBytes,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";
import { pattern, patternSha } from "./tus/helpers";

const config = (apiKey = SANDBOX_KEYS.openai) => ({
  apiKey,
  baseUrl: `${emulatorUrl()}/openai/v1`,
  defaults: {},
});

/** Parts of 64,000 bytes above 100,000: small enough to run many, the same code as 64 MB above 512 MB. */
const small = openAiAdapter({ singleMaxBytes: 100_000, partBytes: 64_000 });

/** `bytes` as a stream of uneven chunks (7,777 bytes), so parts end inside chunks. */
function unevenly(bytes: Uint8Array, failAfter?: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && offset >= failAfter)
        return controller.error(new Error("client went away"));
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 7_777));
      offset += 7_777;
    },
  });
}

async function upload(
  bytes: Uint8Array,
  opts: { scenario?: string; options?: Record<string, string>; apiKey?: string; failAfter?: number } = {},
) {
  const mark = opts.scenario ? `${marker("openai")}-sandbox-${opts.scenario}` : marker("openai");
  const result = await small.upload({
    file: {
      name: `${mark}.mp4`,
      type: "video/mp4",
      size: bytes.length,
      stream: unevenly(bytes, opts.failAfter),
    },
    options: { purpose: "user_data", ...opts.options },
    config: config(opts.apiKey),
    fetch: (input, init) => fetch(input, init),
    signal: new AbortController().signal,
  });
  return { result, mark };
}

const callsFor = async (uploadId: string) =>
  ((await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[]).filter((c) =>
    c.path.includes(uploadId),
  );

/** The Upload id of the run named `mark`: from the create call's body in the emulator's log. */
async function uploadIdOf(mark: string): Promise<string> {
  const all = (await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[];
  const parts = all.filter((c) => /\/uploads\/[\w-]+\/parts$/.test(c.path));
  const creates = all.filter((c) => c.path === "/openai/v1/uploads" && c.body.includes(mark));
  expect(creates).toHaveLength(1);
  // Parts follow their create in the log; the first part after it names the Upload.
  const after = parts.find((p) => p.at >= (creates[0]?.at ?? ""));
  const id = /\/uploads\/([\w-]+)\/parts$/.exec(after?.path ?? "")?.[1];
  if (!id) throw new Error("no part reached the emulator");
  return id;
}

describe("openai: the Uploads API, parts cut from one stream", () => {
  it("cuts exact parts (the last one the rest) and the emulator reassembles the same bytes", async () => {
    const bytes = randomBytes(300_001);
    const { result, mark } = await upload(bytes, { options: { expires_after: "3600" } });
    expect(result.error).toBeUndefined();
    expect(result.data?.providerFileId).toMatch(/^file-/);
    expect(result.data?.reference).toBe(result.data?.providerFileId);
    // Its expiry from the answer: an hour after creation.
    const expires = Date.parse(result.data?.expiresAt ?? "");
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(60_000);
    const [seen] = await receivedWith(mark);
    expect(seen).toMatchObject({ complete: true, bytes: bytes.length, sha256: await sha256(bytes) });
    expect(seen?.fields).toMatchObject({ purpose: "user_data", parts: "5" });
    const steps = await callsFor(await uploadIdOf(mark));
    expect(steps.map((c) => [c.path.replace(/.*\//, ""), c.status])).toEqual([
      ...Array.from({ length: 5 }, () => ["parts", 200]),
      ["complete", 200],
    ]);
  });

  it("a part that fails: the Upload is cancelled at OpenAI, and the failure names the step", async () => {
    const { result, mark } = await upload(randomBytes(300_000), { scenario: "part-error" });
    expect(result.error).toMatchObject({ code: "provider_error", status: 500 });
    expect(result.error?.detail).toBe("adding part 2 of 5: HTTP 500: server error");
    const steps = await callsFor(await uploadIdOf(mark));
    expect(steps.map((c) => [c.path.replace(/.*\//, ""), c.status])).toEqual([
      ["parts", 200],
      ["parts", 500],
      ["cancel", 200],
    ]);
  });

  it("completing that fails: the Upload is cancelled", async () => {
    const { result, mark } = await upload(randomBytes(200_000), { scenario: "complete-error" });
    expect(result.error?.detail).toBe("completing the Upload: HTTP 500: server error");
    const steps = await callsFor(await uploadIdOf(mark));
    expect(steps.map((c) => c.path.replace(/.*\//, ""))).toEqual([
      "parts",
      "parts",
      "parts",
      "parts",
      "complete",
      "cancel",
    ]);
    expect(steps.at(-1)?.status).toBe(200);
  });

  it("the file's stream breaking mid-part: the part is never completed, the Upload cancelled", async () => {
    const { result, mark } = await upload(randomBytes(300_000), { failAfter: 150_000 });
    expect(result.error?.code).toBe("provider_error");
    expect(result.error?.detail).toMatch(/^adding part 3 of 5: /);
    const steps = await callsFor(await uploadIdOf(mark));
    expect(steps.map((c) => c.path.replace(/.*\//, "")).filter((p) => p !== "parts")).toEqual(["cancel"]);
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a refused key at creation: auth failure in OpenAI's dialect, nothing opened to cancel", async () => {
    const { result } = await upload(randomBytes(150_000), { apiKey: "wrong" });
    expect(result.error).toMatchObject({
      code: "provider_auth_failed",
      status: 401,
      providerCode: "invalid_api_key",
      message: "Incorrect API key provided.",
    });
    expect(result.error?.detail).toMatch(/^creating the Upload: HTTP 401/);
  });
});

describe("openai: one request, delete, options", () => {
  it("deletes a file at OpenAI (DELETE /files/{id})", async () => {
    const bytes = randomBytes(10_000);
    const mark = marker("openai");
    const uploaded = await openai.upload({
      file: {
        name: `${mark}.png`,
        type: "image/png",
        size: bytes.length,
        stream: new Blob([bytes]).stream(),
      },
      options: { purpose: "vision" },
      config: config(),
      fetch: (input, init) => fetch(input, init),
      signal: new AbortController().signal,
    });
    const id = uploaded.data?.providerFileId ?? "";
    expect(uploaded.data?.expiresAt).toBeUndefined();
    const removed = await openai.remove?.({
      providerFileId: id,
      options: {},
      config: config(),
      fetch: (input, init) => fetch(input, init),
      signal: new AbortController().signal,
    });
    expect(removed).toEqual({});
    const all = (await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[];
    expect(all.find((c) => c.method === "DELETE" && c.path === `/openai/v1/files/${id}`)?.status).toBe(200);
  });

  it("sends expires_after as OpenAI's form fields and records the answer's expiry", async () => {
    const mark = marker("openai");
    const request = await multipartRequest("openai", {
      filename: `${mark}.png`,
      fields: { purpose: "user_data", expires_after: "7200" },
    });
    const result = await resultOf(await call(request));
    expect(Math.abs(Date.parse(result.expires_at ?? "") - (Date.now() + 7200_000))).toBeLessThan(60_000);
    const [seen] = await receivedWith(mark);
    expect(seen?.fields).toEqual({
      purpose: "user_data",
      "expires_after[anchor]": "created_at",
      "expires_after[seconds]": "7200",
    });
  });

  it("refuses expires_after outside 3600–2592000 and a purpose OpenAI lacks, before forwarding", async () => {
    for (const fields of [
      { purpose: "user_data", expires_after: "60" },
      { purpose: "user_data", expires_after: "1e4" },
      { purpose: "voice_clone" },
    ]) {
      const mark = marker("openai");
      await problemOf(
        await call(await multipartRequest("openai", { filename: `${mark}.png`, fields })),
        400,
        "invalid_field",
      );
      expect(await receivedWith(mark)).toEqual([]);
    }
  });
});

describe("openai: a direct upload above one request", () => {
  it("goes through the Uploads API from the request's own stream, and the pipeline sees the file end", {
    timeout: 180_000,
  }, async () => {
    const length = 512_000_000 + 12_345;
    const name = `${marker("openai-direct")}.mp4`;
    const request = new Request(`http://gw/v1/providers/openai/files?filename=${name}&purpose=user_data`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "video/mp4",
        "content-length": String(length),
      },
      body: pattern(9, 0, length),
    });
    const result = await resultOf(await call(request, { MAX_REQUEST_BYTES: String(600 * 1024 * 1024) }));
    const digest = await patternSha(9, length);
    expect(result).toMatchObject({
      provider: "openai",
      status: "uploaded",
      file: { size: length, sha256: digest },
    });
    const [seen] = await receivedWith(name);
    // 512,000,000 bytes and the rest: 8 parts of 64,000,000 and one of 12,345.
    expect(seen).toMatchObject({ complete: true, bytes: length, sha256: digest, fields: { parts: "9" } });
  });
});
