// fal.ai's two steps through the gateway against the emulator: initiate (JSON, `Authorization: Key …`),
// then the file's bytes in one PUT to the signed upload_url it answers, held to the URL guard. A failure at
// either step answers a problem, and nothing reaches fal's storage looking complete.
import { describe, expect, it } from "vitest";
import {
  call,
  emulatorUrl,
  KEY,
  marker,
  multipartRequest,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";

interface Call {
  provider: string;
  method: string;
  path: string;
  body: string;
  status: number;
}

const initiates = async (mark: string) =>
  ((await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[]).filter(
    (c) => c.provider === "fal" && c.body.includes(mark),
  );

describe("fal: initiate, then PUT", () => {
  it("the bytes at the signed URL are the source's (SHA-256), with an exact Content-Length; 201", async () => {
    const mark = marker("fal");
    const bytes = randomBytes(700_000);
    const res = await call(await multipartRequest("fal", { filename: `${mark}.png`, bytes }));
    const result = await resultOf(res);
    expect(res.status).toBe(201);
    const digest = await sha256(bytes);
    expect(result).toMatchObject({ provider: "fal", status: "uploaded", provider_file_id: null });
    expect(result.file.sha256).toBe(digest);
    expect(result.reference).toBe(result.url);
    // fal's answer without its signed upload_url, which could still write the file.
    expect(result.provider_response).toEqual({ file_url: result.url });
    expect(result.url).toMatch(new RegExp(`/fal/files/[0-9a-f]{16}/${mark}\\.png$`));

    const [initiate, ...moreInitiates] = await initiates(mark);
    expect(moreInitiates).toEqual([]);
    expect(initiate).toMatchObject({
      method: "POST",
      path: "/fal/storage/upload/initiate?storage_type=fal-cdn-v3",
    });
    expect(JSON.parse(initiate?.body ?? "")).toEqual({ content_type: "image/png", file_name: `${mark}.png` });

    const [put, ...more] = await receivedWith(mark);
    expect(more).toEqual([]);
    expect(put).toMatchObject({
      provider: "fal",
      complete: true,
      status: 200,
      bytes: bytes.length,
      sha256: digest,
      contentType: "image/png",
      contentLength: bytes.length,
    });
  });

  it("a raw upload goes the same way", async () => {
    const mark = marker("falraw");
    const bytes = randomBytes(5000);
    const result = await resultOf(
      await call(rawRequest("fal", { filename: `${mark}.png`, type: "image/png", bytes })),
    );
    expect((await receivedWith(mark))[0]).toMatchObject({ complete: true, sha256: await sha256(bytes) });
    expect(result.file.sha256).toBe(await sha256(bytes));
  });

  it("initiate failing: the provider's problem, and no PUT is made", async () => {
    const mark = marker("falinit");
    const failing = await call(
      await multipartRequest("fal", { filename: `${mark}-sandbox-initiate-error.png` }),
    );
    const problem = await problemOf(failing, 502, "provider_error");
    expect(problem).toMatchObject({ provider: "fal", provider_status: 500 });
    expect(problem.detail).toBe("fal.ai failed the upload (HTTP 500: server error).");
    const limited = await call(
      await multipartRequest("fal", { filename: `${mark}-sandbox-initiate-rate-limit.png` }),
    );
    await problemOf(limited, 429, "provider_rate_limited");
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await initiates(mark)).toHaveLength(2);
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("the PUT failing: the provider's problem, naming the step; nothing stored looks complete", async () => {
    const mark = marker("falput");
    const problem = await problemOf(
      await call(await multipartRequest("fal", { filename: `${mark}-sandbox-server-error.png` })),
      502,
      "provider_error",
    );
    expect(problem.detail).toBe("fal.ai failed the upload (PUT to the signed URL: HTTP 500: server error).");
    expect(problem.provider_message).toBe("internal error");
    const dropped = marker("falreset");
    await problemOf(
      await call(
        await multipartRequest("fal", {
          filename: `${dropped}-sandbox-reset.png`,
          bytes: randomBytes(400_000),
        }),
      ),
      502,
      "provider_error",
    );
    const seen = [...(await receivedWith(mark)), ...(await receivedWith(dropped))];
    expect(seen.map((r) => r.status)).toEqual([500, 599]);
    expect(seen.filter((r) => r.status === 200)).toEqual([]);
    expect(seen.find((r) => r.status === 599)?.complete).toBe(false);
  });

  it("a client that disconnects mid-upload: the PUT is cut short, never completed", async () => {
    const mark = marker("falcut");
    let left = 300_000;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (left <= 0) return controller.error(new Error("client disconnected"));
        const chunk = randomBytes(Math.min(16_384, left));
        left -= chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(`http://gw/v1/providers/fal/files?filename=${mark}.mp4`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "video/mp4", "content-length": "1000000" },
      body,
    });
    await problemOf(await call(request), 400, "malformed_body");
    const seen = await receivedWith(mark);
    expect(seen.filter((r) => r.complete || r.status === 200)).toEqual([]);
  });

  it("an upload_url the URL guard refuses is never sent to (plain http to a public host)", async () => {
    const mark = marker("falurl");
    const problem = await problemOf(
      await call(await multipartRequest("fal", { filename: `${mark}-sandbox-initiate-bad-url.png` })),
      502,
      "provider_error",
    );
    expect(problem.detail).toBe(
      "fal.ai failed the upload (initiate answered an upload_url that must use https).",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("in production (ALLOW_PRIVATE_NETWORK off) a local upload_url is refused too", async () => {
    const mark = marker("falprod");
    const problem = await problemOf(
      await call(await multipartRequest("fal", { filename: `${mark}.png` }), {
        ALLOW_PRIVATE_NETWORK: undefined,
      }),
      502,
      "provider_error",
    );
    expect(problem.detail).toMatch(/^fal\.ai failed the upload \(initiate answered an upload_url that /);
    expect(await initiates(mark)).toHaveLength(1);
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a wrong key is refused at initiate: provider_auth_failed, nothing sent", async () => {
    const mark = marker("falkey");
    await problemOf(
      await call(await multipartRequest("fal", { filename: `${mark}.png` }), { FAL_API_KEY: "wrong" }),
      502,
      "provider_auth_failed",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("the sandbox's fal, as fal's client uses it", () => {
  const initiate = (body: unknown, auth = "Key sandbox-fal-key") =>
    fetch(`${emulatorUrl()}/fal/storage/upload/initiate?storage_type=fal-cdn-v3`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("initiate takes `Key`, not Bearer, and both fields; the signed URL takes its own type and no key", async () => {
    expect(
      (await initiate({ content_type: "image/png", file_name: "a.png" }, "Bearer sandbox-fal-key")).status,
    ).toBe(401);
    const missing = await initiate({ content_type: "image/png" });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({
      detail: [{ loc: ["body", "file_name"], msg: "Field required", type: "missing" }],
    });
    const { upload_url } = (await (
      await initiate({ content_type: "image/png", file_name: "a.png" })
    ).json()) as {
      upload_url: string;
    };
    const put = (headers: Record<string, string>) =>
      fetch(upload_url, { method: "PUT", headers, body: new Uint8Array(10) });
    expect((await put({ "content-type": "image/jpeg" })).status).toBe(401);
    expect((await put({ "content-type": "image/png", authorization: "Key sandbox-fal-key" })).status).toBe(
      401,
    );
    expect((await put({ "content-type": "image/png" })).status).toBe(200);
  });
});
