// tus creation (and discovery): OPTIONS, POST /v1/tus with Upload-Length and Upload-Metadata, what is
// refused before a byte is stored, and creation-with-upload.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, problemOf, randomBytes, sha256 } from "../helpers";
import { auth, create, head, MiB, metadata, status, stub, TUS } from "./helpers";

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
    ["an unknown provider", { provider: "acme", filename: "a.png" }, 10, 404, "unknown_provider"],
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

describe("creation-with-upload", () => {
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
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { origin: string } };
      expect(stored.tus.origin).toBe(PUBLIC_URL);
    });
  });
});

describe("a body that breaks off (found by npm run fuzz)", () => {
  it("creation-with-upload whose client goes away mid-body is a 400 malformed_body, never a 500", async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 3) {
          controller.error(new Error("the client went away"));
          return;
        }
        sent++;
        controller.enqueue(randomBytes(1000));
      },
    });
    const res = await create(
      { provider: "useapi", filename: "a.png" },
      10_000,
      {
        "content-type": "application/offset+octet-stream",
        "content-length": "10000",
      },
      body,
    );
    await problemOf(res, 400, "malformed_body");
  });
});

describe("a body longer than its Content-Length (found by npm run fuzz)", () => {
  it("creation-with-upload carrying more than it declares is a 400 malformed_body, never a 500", async () => {
    const res = await create(
      { provider: "useapi", filename: "a.png" },
      3955,
      { "content-type": "application/offset+octet-stream", "content-length": "113" },
      randomBytes(318),
    );
    await problemOf(res, 400, "malformed_body");
  });
});
