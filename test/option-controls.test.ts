// Option values (purpose, user, account) are text that goes to a provider, as filenames are: the same one
// check (services/upload/validate.ts) refuses C0 controls, DEL and C1 controls (U+0080–U+009F) in them on
// every surface that sets them — a multipart field, a query parameter, an import's JSON body, a ticket's
// fields, tus metadata — with 400 invalid_field, before anything reaches a provider.
import { describe, expect, inject, it } from "vitest";
import {
  call,
  KEY,
  marker,
  multipartRequest,
  problemOf,
  rawRequest,
  receivedWith,
  resultOf,
} from "./helpers";

const C1 = ["\u0080", "\u0085", "\u009b", "\u009f"];
const C0 = ["\u0000", "\r\n", "\u001b", "\u007f"];
const auth = { authorization: `Bearer ${KEY}` };
const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const json = (path: string, body: Record<string, unknown>) =>
  call(
    new Request(`http://gw${path}`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

describe.each([...C1, ...C0].map((c) => [JSON.stringify(c), c]))("an option carrying %s", (_, c) => {
  it("multipart field (Dify's user) → 400 invalid_field, nothing forwarded", async () => {
    const mark = marker("optmp");
    const req = await multipartRequest("dify", { filename: `${mark}.png`, fields: { user: `a${c}b` } });
    await problemOf(await call(req), 400, "invalid_field");
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("query parameter (Dify's user, useapi's account) → 400 invalid_field, nothing forwarded", async () => {
    const mark = marker("optq");
    const dify = rawRequest("dify", {
      filename: `${mark}.png`,
      type: "image/png",
      query: { user: `a${c}b` },
    });
    await problemOf(await call(dify), 400, "invalid_field");
    const useapi = rawRequest("useapi", {
      filename: "clip.png",
      type: "image/png",
      query: { account: `${mark}${c}` },
    });
    await problemOf(await call(useapi), 400, "invalid_field");
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("an import's JSON body → 400 invalid_field, the source is not fetched", async () => {
    const mark = marker("optimp");
    const url = `${inject("originUrl")}/media/${mark}.png`;
    await problemOf(await json("/v1/providers/dify/files", { url, user: `a${c}b` }), 400, "invalid_field");
    await problemOf(
      await json("/v1/providers/useapi/files", { url, account: `${mark}${c}` }),
      400,
      "invalid_field",
    );
    expect(await receivedWith(mark)).toEqual([]);
  });

  it("a ticket's fields → 400 invalid_field", async () => {
    await problemOf(await json("/v1/uploads", { provider: "dify", user: `a${c}b` }), 400, "invalid_field");
    await problemOf(
      await json("/v1/uploads", { provider: "useapi", account: `a${c}b` }),
      400,
      "invalid_field",
    );
  });

  it("tus Upload-Metadata → 400 invalid_field", async () => {
    for (const [provider, field] of [
      ["dify", "user"],
      ["useapi", "account"],
    ] as const) {
      const res = await call(
        new Request("http://gw/v1/tus", {
          method: "POST",
          headers: {
            ...auth,
            "tus-resumable": "1.0.0",
            "upload-length": "100",
            "upload-metadata": [
              `provider ${b64(provider)}`,
              `filename ${b64("a.png")}`,
              `${field} ${b64(`a${c}b`)}`,
            ].join(","),
          },
        }),
      );
      await problemOf(res, 400, "invalid_field");
    }
  });
});

it("values without control characters still pass: non-ASCII, spaces, quotes", async () => {
  const mark = marker("optok");
  const user = `Zoë "文" ${mark}`;
  const result = await resultOf(
    await call(await multipartRequest("dify", { filename: `${mark}.png`, fields: { user } })),
  );
  expect(result.provider).toBe("dify");
  expect((await receivedWith(mark))[0]?.fields.user).toBe(user);
});
