// Replicate through the gateway against the emulator: its `metadata` option (a JSON object, checked and
// bounded before anything reaches Replicate, sent compacted), the expiry its answer carries recorded in the
// file registry, and DELETE /v1/files/{id} reaching DELETE /files/{id}.
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import { LIMITS } from "../worker/core/limits";
import {
  call,
  emulatorUrl,
  KEY,
  marker,
  mintTicket,
  multipartRequest,
  problemOf,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";

type FileRecord = components["schemas"]["FileRecord"];

const get = (path: string, init: RequestInit = {}) =>
  call(new Request(`http://gw${path}`, { ...init, headers: { authorization: `Bearer ${KEY}` } }));

describe("replicate: metadata", () => {
  it("a JSON object goes to Replicate compacted, and is kept with the record", async () => {
    const mark = marker("rmeta");
    const pretty = '{\n  "customer_id": 123,\n  "tags": ["a", "b"]\n}';
    const result = await resultOf(
      await call(
        await multipartRequest("replicate", { filename: `${mark}.png`, fields: { metadata: pretty } }),
      ),
    );
    const [seen] = await receivedWith(mark);
    expect(seen?.fields).toEqual({
      filename: `${mark}.png`,
      type: "image/png",
      metadata: '{"customer_id":123,"tags":["a","b"]}',
    });
    expect(result.provider_response).toMatchObject({ metadata: { customer_id: 123, tags: ["a", "b"] } });
    const record = (await (await get(`/v1/files/${result.id}`)).json()) as FileRecord;
    expect(record.options).toEqual({ metadata: '{"customer_id":123,"tags":["a","b"]}' });
  });

  it.each([
    ["not JSON", "{customer_id: 1}", /it is not JSON/],
    ["an array", "[1, 2]", /it is an array/],
    ["a string", '"x"', /it is a string/],
    ["null", "null", /it is null/],
    ["too large", JSON.stringify({ pad: "x".repeat(LIMITS.optionJsonBytes) }), /it is longer/],
  ])(
    "%s: 400 invalid_field naming metadata, before anything reaches Replicate",
    async (_what, value, why) => {
      for (const form of ["multipart", "raw"] as const) {
        const mark = marker("rbad");
        const spec = { filename: `${mark}.png`, type: "image/png", fields: { metadata: value } };
        const request =
          form === "multipart" ? await multipartRequest("replicate", spec) : rawRequest("replicate", spec);
        const problem = await problemOf(await call(request), 400, "invalid_field");
        expect(problem).toMatchObject({ field: "metadata" });
        expect(problem.detail).toMatch(/^"metadata" must be a JSON object of at most 4096 bytes: /);
        expect(problem.detail).toMatch(why);
        expect(await receivedWith(mark)).toEqual([]);
      }
    },
  );

  it("an import takes it as JSON text too", async () => {
    const importing = (metadata: unknown) =>
      call(
        new Request("http://gw/v1/providers/replicate/files", {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ url: `${emulatorUrl()}/__sandbox/media/sample.png`, metadata }),
        }),
      );
    const result = await resultOf(await importing('{"source": "import"}'));
    expect(result.provider_response).toMatchObject({ metadata: { source: "import" } });
    await problemOf(await importing("[]"), 400, "invalid_field");
  });

  it("a provider without the field refuses it", async () => {
    const problem = await problemOf(
      await call(await multipartRequest("jimmy", { fields: { metadata: "{}" } })),
      400,
      "invalid_field",
    );
    expect(problem.detail).toBe('Jimmy AI takes no "metadata" field (it takes: none).');
  });

  it("dedupe tells uploads apart by their metadata", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(3000));
    // A declared digest is what lets the gateway answer from the registry (docs/registry.md).
    const query = { sha256: await sha256(bytes) };
    const send = async (metadata: string) => {
      const fields = { metadata };
      const res = await call(
        await multipartRequest("replicate", { filename: "same.png", bytes, query, fields }),
      );
      return { http: res.status, ...((await res.json()) as { id: string; deduplicated?: boolean }) };
    };
    const first = await send('{"a":1}');
    expect(first.http).toBe(201);
    // The same object, spelled otherwise: the record answers (200, deduplicated).
    expect(await send('{ "a": 1 }')).toMatchObject({ http: 200, id: first.id, deduplicated: true });
    const other = await send('{"a":2}');
    expect(other.http).toBe(201);
    expect(other.id).not.toBe(first.id);
  });
});

describe("replicate: signed upload URLs", () => {
  it("a ticket's own metadata is the caller's, not the option; the app sends the option with the file", async () => {
    const mark = marker("rticket");
    const ticket = await mintTicket({ provider: "replicate", metadata: { order: 42 } });
    expect(ticket.id).toBeTypeOf("string");
    // Another provider's ticket with metadata is not refused for lacking the option either.
    expect((await mintTicket({ provider: "jimmy", metadata: { order: 43 } })).id).toBeTypeOf("string");
    const url = new URL(ticket.upload_url);
    url.searchParams.set("filename", `${mark}.png`);
    url.searchParams.set("metadata", '{"from": "app"}');
    const sent = await call(
      new Request(url, {
        method: "PUT",
        headers: { "content-type": "image/png", "content-length": "2000" },
        body: crypto.getRandomValues(new Uint8Array(2000)),
      }),
    );
    expect(sent.status, await sent.clone().text()).toBe(201);
    expect((await receivedWith(mark))[0]?.fields.metadata).toBe('{"from":"app"}');
  });
});

describe("replicate: the file's life at Replicate", () => {
  it("expires_at comes from Replicate's answer, into the result and the registry", async () => {
    const result = await resultOf(await call(await multipartRequest("replicate", { filename: "e.png" })));
    const answered = (result.provider_response as { expires_at: string }).expires_at;
    expect(result.expires_at).toBe(new Date(answered).toISOString());
    // The emulator's Replicate keeps files an hour, as its document's example does.
    expect(Date.parse(result.expires_at ?? "") - Date.now()).toBeGreaterThan(3500_000);
    const record = (await (await get(`/v1/files/${result.id}`)).json()) as FileRecord;
    expect(record).toMatchObject({ expires_at: result.expires_at, status: "uploaded" });
    expect(result.provider_file_id).toMatch(/^[a-z2-7]{26}$/);
    expect(result.reference).toBe(`${emulatorUrl()}/replicate/v1/files/${result.provider_file_id}`);
  });

  it("DELETE /v1/files/{id} deletes the file at Replicate (204), then the record", async () => {
    const result = await resultOf(await call(await multipartRequest("replicate", { filename: "d.png" })));
    const deleted = (await (await get(`/v1/files/${result.id}`, { method: "DELETE" })).json()) as FileRecord;
    expect(deleted).toMatchObject({ status: "deleted", provider_deleted: true });
    const calls = (await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as {
      method: string;
      path: string;
      status: number;
    }[];
    const mine = calls.filter((c) => c.path === `/replicate/v1/files/${result.provider_file_id}`);
    expect(mine).toEqual([expect.objectContaining({ method: "DELETE", status: 204 })]);
  });
});

describe("the sandbox's Replicate, as its document describes it", () => {
  const post = (form: FormData, key = "sandbox-replicate-key") =>
    fetch(`${emulatorUrl()}/replicate/v1/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
  const form = (part: string, fields: Record<string, string> = {}) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    f.append(part, new File([new Uint8Array(10)], "a.png", { type: "image/png" }));
    return f;
  };

  it("takes the file as `content` only, metadata as a JSON object, Bearer auth; answers problem+json", async () => {
    expect((await post(form("content"))).status).toBe(201);
    const wrongPart = await post(form("file"));
    expect(wrongPart.status).toBe(400);
    expect(wrongPart.headers.get("content-type")).toBe("application/problem+json");
    expect(await wrongPart.json()).toMatchObject({ detail: "content is required", status: 400 });
    expect((await post(form("content", { metadata: "[1]" }))).status).toBe(400);
    expect((await post(form("content", { filename: "é".repeat(128) }))).status).toBe(400);
    expect((await post(form("content"), "wrong")).status).toBe(401);
  });
});
