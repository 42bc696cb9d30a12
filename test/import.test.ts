// Imports from a URL (POST /v1/providers/{p}/files with a JSON body), against a real origin server in Node
// (test/origin/server.ts) and the provider emulator. The guard's tests run with ALLOW_PRIVATE_NETWORK off.
import { describe, expect, inject, it } from "vitest";
import { checkUrl, importPolicy } from "../worker/core/url-guard";
import { capability, PROVIDER_IDS } from "../worker/providers/table";
import { FIXTURES } from "./fixtures/media";
import { call, KEY, marker, problemOf, receivedWith, resultOf, SAMPLES, sha256 } from "./helpers";

const origin = () => inject("originUrl");
const MiB = 1024 * 1024;
const PRODUCTION = { ALLOW_PRIVATE_NETWORK: undefined };

function importRequest(provider: string, body: Record<string, unknown>) {
  return new Request(`http://gw.test/v1/providers/${provider}/files`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
const media = (name: string, query: Record<string, string | number> = {}) => {
  const url = new URL(`${origin()}/media/${name}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  return url.href;
};

/** The origin's bytes for a fixture padded to `size` (as test/origin/server.ts builds them). */
async function expectedSha(url: string): Promise<string> {
  const res = await fetch(url);
  return sha256(new Uint8Array(await res.arrayBuffer()));
}

const MEDIA_FOR: Record<string, string> = { png: "png", mp3: "mp3", mp4: "mp4" };

describe("imports into every provider", () => {
  for (const provider of PROVIDER_IDS) {
    const sample = SAMPLES[provider];
    const ext = MEDIA_FOR[sample.ext] ?? "png";
    for (const withLength of [true, false]) {
      it(`${provider}: ${ext} ${withLength ? "with" : "without"} Content-Length`, async () => {
        const mark = marker("imp");
        const url = media(`${mark}.${ext}`, { size: 200_000, ...(withLength ? {} : { nolength: 1 }) });
        // useapi's requests are found by account (its upload names no file).
        const fields = provider === "useapi" ? { ...sample.fields, account: mark } : sample.fields;
        const res = await call(importRequest(provider, { url, ...fields }));
        const result = await resultOf(res);
        expect(result).toMatchObject({ provider, status: "uploaded", source_url: url });
        expect(result.file).toMatchObject({
          name: `${mark}.${ext}`,
          size: 200_000,
          detected_type: expect.any(String),
        });
        expect(result.file.sha256).toBe(await expectedSha(url));
        const got = await receivedWith(mark);
        expect(got).toHaveLength(1);
        expect(got[0]).toMatchObject({ complete: true, bytes: 200_000, sha256: result.file.sha256 });
      });
    }
  }

  it("the name: filename, else Content-Disposition, else the URL's last segment; the type from the source", async () => {
    const a = marker("nm");
    const given = await resultOf(
      await call(importRequest("jimmy", { url: media(`${a}.png`), filename: `${a}-given.png` })),
    );
    expect(given.file.name).toBe(`${a}-given.png`);
    const b = marker("nm");
    const disp = await resultOf(
      await call(
        importRequest("jimmy", {
          url: media("x.png", { disposition: `attachment; filename="${b}-disp.png"` }),
        }),
      ),
    );
    expect(disp.file.name).toBe(`${b}-disp.png`);
    const c = marker("nm");
    const untyped = await resultOf(
      await call(importRequest("jimmy", { url: media(`${c}.png`, { type: "none" }) })),
    );
    expect(untyped.file).toMatchObject({ name: `${c}.png`, mime_type: "image/png" });
    // The source's type contradicting the name is refused, as a declared type is.
    await problemOf(
      await call(importRequest("jimmy", { url: media(`${marker()}.png`, { type: "video/mp4" }) })),
      415,
      "unsupported_file_type",
    );
  });

  it("every direct-upload check applies before a byte is sent: extension, options, sniffing", async () => {
    const mark = marker("chk");
    await problemOf(
      await call(importRequest("minimax", { url: media(`${mark}.png`), purpose: "voice_clone" })),
      415,
      "unsupported_file_type",
    );
    await problemOf(
      await call(importRequest("minimax", { url: media(`${mark}.mp3`) })),
      400,
      "invalid_field",
    );
    // An HTML page named photo.png (and served as image/png), with and without Content-Length.
    for (const q of [{ type: "image/png" }, { type: "image/png", nolength: 1 }]) {
      const p = await problemOf(
        await call(importRequest("jimmy", { url: media("page.html", q), filename: `${mark}-photo.png` })),
        415,
        "content_mismatch",
      );
      expect(p).toMatchObject({ detected_type: "text/html" });
    }
    await problemOf(await call(importRequest("jimmy", { url: "not a url" })), 400, "source_refused");
    await problemOf(
      await call(importRequest("jimmy", { url: media(`${mark}.png`), extra: 1 })),
      400,
      "invalid_field",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("size", () => {
  const JIMMY_MAX = capability("jimmy").maxBytes ?? 0;
  it("a declared length over the provider's limit is 413 before a byte is read", async () => {
    const mark = marker("big");
    const p = await problemOf(
      await call(importRequest("jimmy", { url: media(`${mark}.png`, { size: JIMMY_MAX + 1 }) })),
      413,
      "file_too_large",
    );
    expect(p.max_bytes).toBe(JIMMY_MAX);
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a chunked source over the limit is cut at the limit: 413, the provider sees nothing", {
    timeout: 60_000,
  }, async () => {
    const mark = marker("bigc");
    await problemOf(
      await call(importRequest("jimmy", { url: media(`${mark}.png`, { size: JIMMY_MAX + 1, nolength: 1 }) })),
      413,
      "file_too_large",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a source sending more than its Content-Length: the provider never gets more than declared", async () => {
    const mark = marker("lie");
    const res = await call(
      importRequest("jimmy", { url: media(`${mark}.png`, { size: 100_000, extra: 5000 }) }),
    );
    if (res.status === 201) {
      const result = await resultOf(res);
      expect(result.file.size).toBe(100_000);
    } else {
      await problemOf(res, 502, "source_failed");
    }
    for (const r of await receivedWith(mark)) expect(r.bytes).toBeLessThanOrEqual(100_000);
  });

  it("WaveSpeed over 300 MiB, without Content-Length: staged in R2 and handed over as a signed URL", {
    timeout: 180_000,
  }, async () => {
    const mark = marker("ws");
    const size = 300 * MiB + 1;
    const url = media(`${mark}.mp4`, { size, nolength: 1 });
    const result = await resultOf(await call(importRequest("wavespeed", { url })));
    expect(result).toMatchObject({
      status: "staged",
      provider: "wavespeed",
      provider_file_id: null,
      source_url: url,
    });
    expect(result.file).toMatchObject({ size, detected_type: "video/mp4" });
    expect(await receivedWith(mark)).toEqual([]);
    const head = await call(new Request(result.url ?? "", { method: "HEAD" }));
    expect(head.headers.get("content-length")).toBe(String(size));
  });

  it("WaveSpeed over 300 MiB with Content-Length: staged too", { timeout: 180_000 }, async () => {
    const mark = marker("wsl");
    const size = 300 * MiB + 1;
    const result = await resultOf(
      await call(importRequest("wavespeed", { url: media(`${mark}.mp4`, { size }) })),
    );
    expect(result).toMatchObject({ status: "staged", file: { size } });
    expect(await receivedWith(mark)).toEqual([]);
  });
});

describe("redirects", () => {
  it("up to 5 are followed; a 6th is refused", async () => {
    const mark = marker("rd");
    const ok = await resultOf(
      await call(importRequest("jimmy", { url: media(`${mark}.png`, { redirects: 5 }) })),
    );
    expect(ok.file.name).toBe(`${mark}.png`);
    const p = await problemOf(
      await call(importRequest("jimmy", { url: media(`${marker()}.png`, { redirects: 6 }) })),
      400,
      "source_refused",
    );
    expect(p.rule).toBe("redirects");
  });

  it("each redirect is checked as the first URL was: credentials and another scheme are refused even in development", async () => {
    const target = new URL(media(`${marker()}.png`));
    target.username = "user";
    target.password = "pw";
    const creds = await problemOf(
      await call(importRequest("jimmy", { url: media("a.png", { location: target.href }) })),
      400,
      "source_refused",
    );
    expect(creds.rule).toBe("credentials");
    const file = await problemOf(
      await call(importRequest("jimmy", { url: media("a.png", { location: "file:///etc/passwd" }) })),
      400,
      "source_refused",
    );
    expect(file.rule).toBe("scheme");
  });
});

describe("the guard (ALLOW_PRIVATE_NETWORK off)", () => {
  const cases: [string, string, string][] = [
    ["plain http", "http://example.com/a.png", "scheme"],
    ["ftp", "ftp://example.com/a.png", "scheme"],
    ["credentials", "https://user:pw@example.com/a.png", "credentials"],
    ["port 8080", "https://example.com:8080/a.png", "port"],
    ["loopback", "https://127.0.0.1/a.png", "private_address"],
    ["loopback, decimal", "https://2130706433/a.png", "private_address"],
    ["loopback, hex and short", "https://0x7f.1/a.png", "private_address"],
    ["private", "https://10.1.2.3/a.png", "private_address"],
    ["private 192.168", "https://192.168.0.1/a.png", "private_address"],
    ["link-local metadata", "https://169.254.169.254/latest/meta-data", "private_address"],
    ["CGNAT", "https://100.64.0.1/a.png", "private_address"],
    ["IPv6 loopback", "https://[::1]/a.png", "private_address"],
    ["IPv6 ULA", "https://[fd00::1]/a.png", "private_address"],
    ["IPv4-mapped IPv6", "https://[::ffff:127.0.0.1]/a.png", "private_address"],
    ["localhost", "https://localhost/a.png", "local_name"],
    ["a .internal name", "https://metadata.google.internal/a.png", "local_name"],
  ];
  it.each(cases)("%s is refused (%s)", async (_, url, rule) => {
    const p = await problemOf(await call(importRequest("jimmy", { url }), PRODUCTION), 400, "source_refused");
    expect(p.rule).toBe(rule);
  });

  it("the policy itself: https on 443 or 8443 to a public host passes; other ports do not", () => {
    const production = importPolicy(false);
    for (const url of [
      "https://cdn.example.com/a.png",
      "https://cdn.example.com:443/a.png",
      "https://cdn.example.com:8443/a.png",
    ])
      expect(checkUrl(url, production).ok, url).toBe(true);
    for (const url of ["https://cdn.example.com:8080/a.png", "https://cdn.example.com:444/a.png"])
      expect(checkUrl(url, production)).toMatchObject({ ok: false, rule: "port" });
    // Development: http to local hosts and any port outside the bad ports; credentials still refused.
    const dev = importPolicy(true);
    expect(checkUrl("http://127.0.0.1:8788/a.png", dev).ok).toBe(true);
    expect(checkUrl("http://u:p@127.0.0.1:8788/a.png", dev)).toMatchObject({
      ok: false,
      rule: "credentials",
    });
    expect(checkUrl("http://cdn.example.com/a.png", dev)).toMatchObject({ ok: false, rule: "scheme" });
  });

  it("the test origin itself (http on 127.0.0.1 and a high port) is refused in production", async () => {
    const p = await problemOf(
      await call(importRequest("jimmy", { url: media("a.png") }), PRODUCTION),
      400,
      "source_refused",
    );
    expect(p.rule).toBe("scheme");
  });
});

describe("source failures: the provider never gets a complete-looking file, the source's body never reaches the caller", () => {
  it.each([404, 500])("HTTP %i is 502 source_failed with the status only", async (status) => {
    const res = await call(importRequest("jimmy", { url: media("a.png", { status }) }));
    const text = await res.clone().text();
    expect(text).not.toContain("do-not-leak");
    const p = await problemOf(res, 502, "source_failed");
    expect(p.source_status).toBe(status);
  });

  it("a missing path (the origin's 404) is source_failed; a bad port is refused before any fetch", async () => {
    await problemOf(
      await call(importRequest("jimmy", { url: `${origin()}/nothing/a.png` })),
      502,
      "source_failed",
    );
    await problemOf(
      await call(importRequest("jimmy", { url: "http://127.0.0.1:1/a.png" })),
      400,
      "source_refused",
    );
  });

  it("no headers within IMPORT_TIMEOUT_MS is 504 source_timeout", async () => {
    const res = await call(importRequest("jimmy", { url: media("a.png", { headersAfter: 1500 }) }), {
      IMPORT_TIMEOUT_MS: "300",
    });
    await problemOf(res, 504, "source_timeout");
  });

  for (const nolength of [0, 1]) {
    it(`a body that stalls mid-way is 504 source_timeout (${nolength ? "chunked" : "with Content-Length"})`, async () => {
      const mark = marker("stall");
      const res = await call(
        importRequest("jimmy", {
          url: media(`${mark}.png`, { size: 2 * MiB, stallAt: MiB, stallMs: 1500, nolength }),
        }),
        { IMPORT_TIMEOUT_MS: "300" },
      );
      await problemOf(res, 504, "source_timeout");
      for (const r of await receivedWith(mark)) expect(r.complete).toBe(false);
    });

    it(`a reset mid-body is 502 source_failed (${nolength ? "chunked" : "with Content-Length"})`, async () => {
      const mark = marker("reset");
      const res = await call(
        importRequest("jimmy", { url: media(`${mark}.png`, { size: 2 * MiB, resetAt: MiB, nolength }) }),
      );
      await problemOf(res, 502, "source_failed");
      for (const r of await receivedWith(mark)) expect(r.complete).toBe(false);
    });
  }
});

describe("the sandbox's sample media (npm start's origin)", () => {
  it.each(["sample.png", "sample.mp3", "sample.mp4"])(
    "%s imports into a provider that takes it",
    async (name) => {
      const emulator = inject("emulatorUrl");
      const provider = name.endsWith(".mp3") ? "minimax" : "useapi";
      const fields = provider === "minimax" ? { purpose: "voice_clone" } : {};
      const result = await resultOf(
        await call(importRequest(provider, { url: `${emulator}/__sandbox/media/${name}`, ...fields })),
      );
      expect(result.file.detected_type).toBe(
        { png: "image/png", mp3: "audio/mpeg", mp4: "video/mp4" }[name.split(".")[1] ?? ""],
      );
    },
  );
});

void FIXTURES;
