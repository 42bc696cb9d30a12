// The file registry on D1: every result recorded, per owner (gateway key), listed with filters
// and a cursor that inserts never shift, read and deleted — at MiniMax and useapi through their delete
// APIs (the emulator records the calls), elsewhere as a record only. Real D1 and R2 (miniflare).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { components } from "../generated/gateway";
import type { Call } from "../sandbox/providers";
import type { Env } from "../worker/core/config";
import { ownerOf, recordResult } from "../worker/services/registry/files";
import { stagedKey } from "../worker/services/staging/staged";
import {
  call,
  emulatorUrl,
  KEY,
  KEY_B,
  marker,
  multipartRequest,
  problemOf,
  randomBytes,
  rawRequest,
  resultOf,
  sha256,
} from "./helpers";
import { created, patch, status } from "./tus/helpers";

type FileRecord = components["schemas"]["FileRecord"];
type FileList = components["schemas"]["FileList"];
type UploadResult = components["schemas"]["UploadResult"];
const gw = env as unknown as Env;
/** The second key vitest.config.ts configures: another tenant. */

const get = (path: string, key = KEY) =>
  call(new Request(`http://gw${path}`, { headers: { authorization: `Bearer ${key}` } }));
const del = (path: string, key = KEY, overrides: Record<string, string> = {}) =>
  call(
    new Request(`http://gw${path}`, { method: "DELETE", headers: { authorization: `Bearer ${key}` } }),
    overrides,
  );
const recordOf = async (res: Response) => {
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as FileRecord;
};
const calls = async (match: (c: Call) => boolean) =>
  ((await (await fetch(`${emulatorUrl()}/__sandbox/calls`)).json()) as Call[]).filter(match);

/** A result as a provider upload would give it (for seeding a tenant of its own through the real store). */
function seeded(provider: UploadResult["provider"], over: Partial<UploadResult> = {}): UploadResult {
  const id = over.id ?? crypto.randomUUID();
  return {
    id,
    upload_id: id,
    provider,
    status: "uploaded",
    file: {
      name: "a.png",
      size: 10,
      mime_type: "image/png",
      kind: "image",
      sha256: "ab".repeat(32),
      detected_type: null,
    },
    provider_file_id: "f1",
    url: null,
    reference: "f1",
    expires_at: null,
    provider_response: {},
    ...over,
  };
}

describe("recording every result", () => {
  it("a direct upload is recorded under its own id with file, options and owner's view", async () => {
    const mark = marker("reg");
    const bytes = randomBytes(2000);
    const result = await resultOf(
      await call(
        await multipartRequest("dify", { filename: `${mark}.png`, bytes, fields: { user: "alice" } }),
      ),
    );
    const record = await recordOf(await get(`/v1/files/${result.id}`));
    expect(record).toMatchObject({
      id: result.id,
      provider: "dify",
      status: "uploaded",
      file: {
        name: `${mark}.png`,
        size: 2000,
        mime_type: "image/png",
        kind: "image",
        sha256: await sha256(bytes),
      },
      provider_file_id: result.provider_file_id,
      reference: result.reference,
      options: { user: "alice" },
      deleted_at: null,
      provider_deleted: null,
    });
    // Newest first: the list starts with it.
    const list = (await (await get("/v1/files?provider=dify&limit=1")).json()) as FileList;
    expect(list.data[0]?.id).toBe(result.id);
  });

  it("a signed-URL upload is recorded under the key that minted the ticket", async () => {
    const minted = await call(
      new Request("http://gw/v1/uploads", {
        method: "POST",
        headers: { authorization: `Bearer ${KEY_B}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "jimmy" }),
      }),
    );
    const ticket = (await minted.json()) as components["schemas"]["UploadTicket"];
    const url = new URL(ticket.upload_url);
    url.searchParams.set("filename", `${marker("signed")}.png`);
    const res = await call(
      new Request(url, {
        method: "PUT",
        headers: { "content-type": "image/png", "content-length": "300" },
        body: randomBytes(300),
      }),
    );
    const result = await resultOf(res);
    expect(await recordOf(await get(`/v1/files/${result.id}`, KEY_B))).toMatchObject({
      id: ticket.id,
      provider: "jimmy",
      status: "uploaded",
    });
    // The other key does not see it.
    await problemOf(await get(`/v1/files/${result.id}`, KEY), 404, "not_found");
  });

  it("a tus fan-out gives each provider's record an id of its own, read and deleted alone; upload_id lists them", async () => {
    const mark = marker("fan");
    const bytes = randomBytes(5000);
    const { id, location } = await created(
      { providers: "jimmy,useapi", filename: `${mark}.png`, filetype: "image/png", account: mark },
      bytes.length,
    );
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    const deliveries = (await status(id)).deliveries ?? [];
    expect(deliveries.map((d) => d.result?.status)).toEqual(["uploaded", "uploaded"]);
    const [jimmyId, useapiId] = deliveries.map((d) => d.result?.id ?? "");
    expect(new Set([id, jimmyId, useapiId]).size).toBe(3);
    // The upload's id names no single record.
    await problemOf(await get(`/v1/files/${id}`), 404, "not_found");
    const jimmy = await recordOf(await get(`/v1/files/${jimmyId}`));
    const useapi = await recordOf(await get(`/v1/files/${useapiId}`));
    expect(jimmy).toMatchObject({
      provider: "jimmy",
      upload_id: id,
      options: {},
      file: { sha256: await sha256(bytes) },
    });
    // Each provider's record has only the options that provider takes.
    expect(useapi).toMatchObject({ provider: "useapi", upload_id: id, options: { account: mark } });
    const list = (await (await get(`/v1/files?sha256=${await sha256(bytes)}`)).json()) as FileList;
    expect(list.data.map((r) => r.provider).sort()).toEqual(["jimmy", "useapi"]);
    const ofUpload = (await (await get(`/v1/files?upload_id=${id}`)).json()) as FileList;
    expect(ofUpload.data.map((r) => r.id).sort()).toEqual([jimmyId, useapiId].sort());
    // Deleting one provider's record leaves the other's.
    expect((await recordOf(await del(`/v1/files/${jimmyId}`))).status).toBe("deleted");
    expect((await recordOf(await get(`/v1/files/${useapiId}`))).status).toBe("uploaded");
  });

  it("a failed upload is not recorded", async () => {
    const mark = marker("failed");
    const res = await call(await multipartRequest("jimmy", { filename: `${mark}-sandbox-server-error.png` }));
    expect(res.status).toBe(502);
    const list = (await (await get("/v1/files?provider=jimmy&limit=100")).json()) as FileList;
    expect(list.data.some((r) => r.file.name.includes(mark))).toBe(false);
  });
});

describe("owner isolation", () => {
  it("key A never lists, reads or deletes key B's records", async () => {
    const mark = marker("iso");
    const a = await resultOf(await call(await multipartRequest("jimmy", { filename: `${mark}-a.png` })));
    const b = await resultOf(
      await call(await multipartRequest("jimmy", { filename: `${mark}-b.png`, key: KEY_B })),
    );
    const listA = (await (await get("/v1/files?limit=100")).json()) as FileList;
    const listB = (await (await get("/v1/files?limit=100", KEY_B)).json()) as FileList;
    expect(listA.data.map((r) => r.id)).toContain(a.id);
    expect(listA.data.map((r) => r.id)).not.toContain(b.id);
    expect(listB.data.map((r) => r.id)).toContain(b.id);
    expect(listB.data.map((r) => r.id)).not.toContain(a.id);
    await problemOf(await get(`/v1/files/${b.id}`), 404, "not_found");
    await problemOf(await del(`/v1/files/${b.id}`), 404, "not_found");
    expect((await recordOf(await get(`/v1/files/${b.id}`, KEY_B))).status).toBe("uploaded");
  });

  it("the owner stored is a fingerprint, never the key", async () => {
    const row = await gw.DB.prepare("SELECT owner FROM files WHERE owner = ? LIMIT 1")
      .bind(await ownerOf(KEY))
      .first<{ owner: string }>();
    expect(row?.owner).toMatch(/^[0-9a-f]{32}$/);
    const leaked = await gw.DB.prepare("SELECT COUNT(*) AS n FROM files WHERE owner LIKE ?")
      .bind("%test-gateway-key%")
      .first<{ n: number }>();
    expect(leaked?.n).toBe(0);
  });
});

describe("GET /v1/files", () => {
  it("cursor pagination is stable under inserts: every record once, none of the new ones", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const owner = await ownerOf(key);
    const first = [];
    for (let i = 0; i < 7; i++) {
      const r = seeded("jimmy");
      await recordResult(gw.DB, owner, r, {});
      first.push(r.id);
    }
    const page = (path: string) =>
      call(new Request(`http://gw${path}`, { headers: { authorization: `Bearer ${key}` } }), {
        GATEWAY_API_KEYS: key,
      }).then((r) => r.json() as Promise<FileList>);
    const seen: string[] = [];
    let next: string | null = null;
    let inserted = 0;
    do {
      const p: FileList = await page(`/v1/files?limit=3${next ? `&cursor=${next}` : ""}`);
      seen.push(...p.data.map((r) => r.id));
      next = p.next_cursor;
      // Insert between pages: newer than any cursor, so never in a later page.
      for (let i = 0; i < 2; i++, inserted++) await recordResult(gw.DB, owner, seeded("dify"), {});
    } while (next);
    expect(seen).toEqual([...first].reverse());
    expect(inserted).toBe(6);
    // A fresh listing sees the new ones first.
    const fresh: FileList = await page("/v1/files?limit=100");
    expect(fresh.data).toHaveLength(13);
    expect(fresh.data.slice(0, 6).every((r) => r.provider === "dify")).toBe(true);
  });

  it("filters by provider, sha256, kind and status; expired by retention", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const owner = await ownerOf(key);
    const video = seeded("wavespeed", {
      file: {
        name: "v.mp4",
        size: 9,
        mime_type: "video/mp4",
        kind: "video",
        sha256: "cd".repeat(32),
        detected_type: null,
      },
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    const mm = seeded("minimax", {
      file: {
        name: "v.mp4",
        size: 9,
        mime_type: "video/mp4",
        kind: "video",
        sha256: "ef".repeat(32),
        detected_type: null,
      },
      provider_file_id: "123",
    });
    const image = seeded("jimmy");
    await recordResult(gw.DB, owner, video, {});
    await recordResult(gw.DB, owner, mm, { purpose: "video_understanding" });
    await recordResult(gw.DB, owner, image, {});
    const list = async (q: string) => {
      const res = await call(
        new Request(`http://gw/v1/files?${q}`, { headers: { authorization: `Bearer ${key}` } }),
        { GATEWAY_API_KEYS: key },
      );
      const body = (await res.json()) as FileList;
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body.data.map((r) => r.id);
    };
    expect(await list("kind=video")).toEqual([mm.id, video.id]);
    expect(await list("provider=jimmy")).toEqual([image.id]);
    expect(await list(`sha256=${"EF".repeat(32)}`)).toEqual([mm.id]);
    expect(await list("status=expired")).toEqual([video.id]);
    expect(await list("status=uploaded")).toEqual([image.id, mm.id]);
    // MiniMax keeps video_understanding uploads 7 days: the record says when.
    const res = await call(
      new Request(`http://gw/v1/files/${mm.id}`, { headers: { authorization: `Bearer ${key}` } }),
      { GATEWAY_API_KEYS: key },
    );
    const record = (await res.json()) as FileRecord;
    expect(Date.parse(record.expires_at ?? "") - Date.now()).toBeGreaterThan(6.9 * 86400_000);
  });

  it("bad parameters are 400 invalid_field", async () => {
    for (const q of [
      "limit=101",
      "limit=0",
      "limit=x",
      "cursor=nope",
      "kind=smell",
      "status=gone",
      "provider=x",
      "sha256=12",
      "colour=red",
      "limit=1&limit=2",
    ]) {
      await problemOf(await get(`/v1/files?${q}`), 400, "invalid_field");
    }
    await problemOf(await call(new Request("http://gw/v1/files")), 401, "unauthorized");
  });
});

describe("DELETE /v1/files/{id}", () => {
  it("MiniMax: POST /v1/files/delete with the file_id and purpose; the record reads deleted", async () => {
    const mark = marker("mmdel");
    const result = await resultOf(
      await call(
        await multipartRequest("minimax", {
          filename: `${mark}.mp3`,
          type: "audio/mpeg",
          fields: { purpose: "voice_clone" },
        }),
      ),
    );
    const deleted = await recordOf(await del(`/v1/files/${result.id}`));
    expect(deleted).toMatchObject({ id: result.id, status: "deleted", provider_deleted: true });
    expect(deleted.deleted_at).not.toBeNull();
    const seen = await calls(
      (c) => c.provider === "minimax" && c.body.includes(`${result.provider_file_id}`),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", path: "/minimax/v1/files/delete", status: 200 });
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
      file_id: Number(result.provider_file_id),
      purpose: "voice_clone",
    });
    // Still answers GET, and a second DELETE changes nothing (and calls nobody).
    expect((await recordOf(await get(`/v1/files/${result.id}`))).status).toBe("deleted");
    expect((await recordOf(await del(`/v1/files/${result.id}`))).deleted_at).toBe(deleted.deleted_at);
    expect(await calls((c) => c.body.includes(`${result.provider_file_id}`))).toHaveLength(1);
  });

  it("MiniMax: a file_id above 2^53 goes out digit for digit", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const big = "9007199254740993123";
    const r = seeded("minimax", { provider_file_id: big, reference: big });
    await recordResult(gw.DB, await ownerOf(key), r, { purpose: "prompt_audio" });
    const res = await call(
      new Request(`http://gw/v1/files/${r.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${key}` },
      }),
      { GATEWAY_API_KEYS: key },
    );
    expect((await recordOf(res)).provider_deleted).toBe(true);
    const seen = await calls((c) => c.body.includes(big));
    expect(seen.map((c) => c.body)).toEqual([`{"file_id":${big},"purpose":"prompt_audio"}`]);
  });

  it("useapi: DELETE /v1/minimax/files/{fileID}, URL-encoded", async () => {
    const mark = marker("uadel");
    const result = await resultOf(
      await call(rawRequest("useapi", { filename: "a.png", type: "image/png", query: { account: mark } })),
    );
    expect(result.provider_file_id).toContain(":");
    expect((await recordOf(await del(`/v1/files/${result.id}`))).provider_deleted).toBe(true);
    const seen = await calls((c) => c.provider === "useapi" && c.path.includes(mark));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe("DELETE");
    expect(seen[0]?.path).toBe(
      `/useapi/v1/minimax/files/${encodeURIComponent(result.provider_file_id ?? "")}`,
    );
  });

  it("Jimmy (no delete API): marked deleted, provider_deleted false, no call", async () => {
    const mark = marker("jdel");
    const result = await resultOf(await call(await multipartRequest("jimmy", { filename: `${mark}.png` })));
    const before = (await calls(() => true)).length;
    expect(await recordOf(await del(`/v1/files/${result.id}`))).toMatchObject({
      status: "deleted",
      provider_deleted: false,
    });
    expect((await calls(() => true)).length).toBe(before);
  });

  it("a provider failure answers 502 and leaves the record as it was", async () => {
    const mark = marker("mmfail");
    const result = await resultOf(
      await call(
        await multipartRequest("minimax", {
          filename: `${mark}.mp3`,
          type: "audio/mpeg",
          fields: { purpose: "voice_clone" },
        }),
      ),
    );
    const before = await recordOf(await get(`/v1/files/${result.id}`));
    const failed = await del(`/v1/files/${result.id}`, KEY, { MINIMAX_API_KEY: "wrong-key" });
    const problem = await problemOf(failed, 502, "provider_auth_failed");
    expect(problem).toMatchObject({
      provider: "minimax",
      detail: expect.stringContaining("failed the delete"),
    });
    expect(await recordOf(await get(`/v1/files/${result.id}`))).toEqual(before);
  });

  it("a staged record's R2 copy is deleted with it", async () => {
    const key = `k-${crypto.randomUUID()}`;
    const r = seeded("wavespeed", {
      status: "staged",
      provider_file_id: null,
      expires_at: new Date(Date.now() + 86400_000).toISOString(),
    });
    await gw.STAGING.put(stagedKey(r.id), randomBytes(100));
    await recordResult(gw.DB, await ownerOf(key), r, {});
    const res = await call(
      new Request(`http://gw/v1/files/${r.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${key}` },
      }),
      { GATEWAY_API_KEYS: key },
    );
    expect(await recordOf(res)).toMatchObject({ status: "deleted", provider_deleted: false });
    expect(await gw.STAGING.head(stagedKey(r.id))).toBeNull();
  });

  it("unknown ids are 404; other methods 405", async () => {
    await problemOf(await del(`/v1/files/${crypto.randomUUID()}`), 404, "not_found");
    const res = await call(
      new Request("http://gw/v1/files/x", { method: "PUT", headers: { authorization: `Bearer ${KEY}` } }),
    );
    await problemOf(res, 405, "method_not_allowed");
  });
});
