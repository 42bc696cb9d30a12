// Failures mid-stream: a client that disconnects, a provider that drops the connection or never answers.
// Whatever happens, the provider never holds a complete-looking truncated file, the client gets a problem,
// and the gateway keeps serving.
import { describe, expect, it } from "vitest";
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

/** A body that sends `sent` bytes, then fails as a dropped client connection does. */
function brokenBody(sent: number): ReadableStream<Uint8Array> {
  let left = sent;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) {
        controller.error(new Error("client disconnected"));
        return;
      }
      const chunk = randomBytes(Math.min(16_384, left));
      left -= chunk.length;
      controller.enqueue(chunk);
    },
  });
}

async function stillHealthy() {
  expect((await call(new Request("http://gw/healthz"))).status).toBe(200);
  const result = await resultOf(
    await call(rawRequest("useapi", { filename: "after.png", type: "image/png" })),
  );
  expect(result.status).toBe("uploaded");
}

describe("client disconnects mid-upload", () => {
  it("raw: the upstream request is aborted, never completed", async () => {
    const mark = marker("abort");
    const request = new Request(`http://gw/v1/providers/useapi/files?filename=a.mp4&account=${mark}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "video/mp4",
        "content-length": String(1_000_000),
      },
      body: brokenBody(300_000),
    });
    const response = await call(request);
    await problemOf(response, 400, "malformed_body");
    const seen = await receivedWith(mark);
    expect(seen.filter((r) => r.complete)).toEqual([]);
    // It did start streaming (this is not a refusal), and stopped short.
    for (const r of seen) expect(r.bytes).toBeLessThan(1_000_000);
    await stillHealthy();
  });

  it("multipart: the upstream request is aborted, never completed", async () => {
    const mark = marker("abort");
    const head = new TextEncoder().encode(
      `--b\r\nContent-Disposition: form-data; name="file"; filename="${mark}.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    );
    const broken = brokenBody(200_000);
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(head);
      },
      async pull(c) {
        const reader = broken.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          c.enqueue(value);
        }
      },
    });
    const request = new Request("http://gw/v1/providers/wavespeed/files", {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "multipart/form-data; boundary=b",
        "content-length": String(head.length + 1_000_000 + 10),
      },
      body,
    });
    await problemOf(await call(request), 400, "malformed_body");
    expect((await receivedWith(mark)).filter((r) => r.complete)).toEqual([]);
    await stillHealthy();
  });
});

describe("provider failures mid-upload", () => {
  it("a provider dropping the connection mid-body gives the client a 502 problem naming it", async () => {
    const mark = `${marker()}-sandbox-reset`;
    const request = rawRequest("useapi", {
      filename: "a.mp4",
      type: "video/mp4",
      bytes: randomBytes(2_000_000),
      fields: { account: mark },
    });
    const problem = await problemOf(await call(request), 502, "provider_error");
    expect(problem.provider).toBe("useapi");
    const [seen] = await receivedWith(mark);
    expect(seen?.complete).toBe(false);
    await stillHealthy();
  });

  it("a provider that never answers gives 504 provider_timeout after PROVIDER_TIMEOUT_MS", async () => {
    const started = Date.now();
    const request = await multipartRequest("jimmy", { filename: `${marker()}-sandbox-slow.png` });
    const problem = await problemOf(
      await call(request, { PROVIDER_TIMEOUT_MS: "300" }),
      504,
      "provider_timeout",
    );
    expect(problem.provider).toBe("jimmy");
    expect(Date.now() - started).toBeLessThan(2500);
    await stillHealthy();
  });
});

describe("provider answers, mapped to problems", () => {
  it("429 with Retry-After passed through", async () => {
    const response = await call(
      await multipartRequest("dify", { filename: `${marker()}-sandbox-rate-limit.png` }),
    );
    const problem = await problemOf(response, 429, "provider_rate_limited");
    expect(response.headers.get("retry-after")).toBe("7");
    expect(problem).toMatchObject({ provider: "dify", provider_status: 429 });
  });

  it("MiniMax base_resp 1002 inside HTTP 200 is a rate limit", async () => {
    const request = await multipartRequest("minimax", {
      filename: `${marker()}-sandbox-rate-limit.mp3`,
      type: "audio/mpeg",
      fields: { purpose: "voice_clone" },
    });
    const problem = await problemOf(await call(request), 429, "provider_rate_limited");
    expect(problem).toMatchObject({ provider: "minimax", provider_status: 200, provider_code: 1002 });
  });

  it("MiniMax 1008 (balance) is a provider_error that says so", async () => {
    const request = await multipartRequest("minimax", {
      filename: `${marker()}-sandbox-balance.mp3`,
      type: "audio/mpeg",
      fields: { purpose: "voice_clone" },
    });
    const problem = await problemOf(await call(request), 502, "provider_error");
    expect(problem).toMatchObject({ provider_code: 1008 });
    expect(problem.detail).toMatch(/balance/);
  });

  it("a provider's 401 is our 502 provider_auth_failed, never the caller's 401", async () => {
    const response = await call(await multipartRequest("wavespeed", { filename: "a.png" }), {
      WAVESPEED_API_KEY: "revoked",
    });
    const problem = await problemOf(response, 502, "provider_auth_failed");
    expect(problem).toMatchObject({ provider: "wavespeed", provider_status: 401 });
  });

  it("MiniMax 2049 (invalid key) inside HTTP 200 is provider_auth_failed", async () => {
    const request = await multipartRequest("minimax", {
      filename: "a.mp3",
      type: "audio/mpeg",
      fields: { purpose: "voice_clone" },
    });
    const problem = await problemOf(
      await call(request, { MINIMAX_API_KEY: "revoked" }),
      502,
      "provider_auth_failed",
    );
    expect(problem).toMatchObject({ provider_code: 2049 });
  });

  it("Jimmy code ≠ 20000 and WaveSpeed code ≠ 200 inside HTTP 200 are failures", async () => {
    const jimmy = await problemOf(
      await call(await multipartRequest("jimmy", { filename: `${marker()}-sandbox-in-band-error.png` })),
      502,
      "provider_error",
    );
    expect(jimmy).toMatchObject({ provider: "jimmy", provider_status: 200, provider_code: 50001 });
    const wavespeed = await problemOf(
      await call(await multipartRequest("wavespeed", { filename: `${marker()}-sandbox-in-band-error.png` })),
      502,
      "provider_error",
    );
    expect(wavespeed).toMatchObject({ provider: "wavespeed", provider_status: 200, provider_code: 400 });
  });

  it("Dify's own 413 and 415 keep their meaning", async () => {
    const tooBig = await call(
      await multipartRequest("dify", {
        filename: "big.png",
        type: "image/png",
        bytes: randomBytes(10 * 1024 * 1024 + 1),
      }),
    );
    expect(await problemOf(tooBig, 413, "file_too_large")).toMatchObject({
      provider: "dify",
      provider_code: "file_too_large",
    });
    const wrongType = await call(
      await multipartRequest("dify", { filename: "tool.exe", type: "application/octet-stream" }),
    );
    expect(await problemOf(wrongType, 415, "unsupported_file_type")).toMatchObject({
      provider_code: "unsupported_file_type",
    });
  });
});
