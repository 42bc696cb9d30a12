// Kept originals on every path (docs/reuse.md): a resumable upload's staged object kept instead of deleted, a
// URL import's staged source, a ticket (only for the digest it binds; keep_days fixed by it), multipart.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { components } from "../generated/gateway";
import { ownerOf } from "../worker/services/registry/files";
import {
  call,
  KEY,
  marker,
  mintTicket,
  multipartRequest,
  problemOf,
  randomBytes,
  rawRequest,
  receivedWith,
  resultOf,
  sha256,
} from "./helpers";
import { b64, DB, projects, STAGING, silentBody } from "./reuse-helpers";
import { created, patch, status, stub } from "./tus/helpers";

type UploadResult = components["schemas"]["UploadResult"];

describe("kept originals on every path", () => {
  it("tus: keep_days in Upload-Metadata keeps the staged object as the original instead of deleting it", async () => {
    const mark = marker("keeptus");
    const bytes = randomBytes(6000);
    const hex = await sha256(bytes);
    const meta = { provider: "jimmy", filename: `${mark}.png`, filetype: "image/png", keep_days: "1" };
    const { location, id } = await created(meta, bytes.length);
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    expect((await status(id)).status).toBe("completed");
    const row = await DB.prepare("SELECT upload_id, kept_until FROM originals WHERE owner = ? AND sha256 = ?")
      .bind(await ownerOf(KEY), hex)
      .first<{ upload_id: string; kept_until: string }>();
    expect(row?.upload_id).toBe(id);
    // The resumable upload's own retention passes (its alarm's discard): the original stays.
    await runInDurableObject(stub(id), async (_instance, state) => {
      const stored = (await state.storage.get("upload")) as { tus: { stagedAt: number } };
      stored.tus.stagedAt = Date.now() - 8 * 86400_000;
      await state.storage.put("upload", stored);
    });
    await runDurableObjectAlarm(stub(id));
    expect(await STAGING.head(`uploads/${id}`)).not.toBeNull();
    const res = await call(
      new Request(`http://gw/v1/files/${id}/copies`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "useapi", account: mark }),
      }),
    );
    const copy = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(copy)).toBe(201);
    expect(copy).toMatchObject({ source: "kept", file: { sha256: hex } });
    const useapi = (await receivedWith(mark, 2)).filter((r) => r.provider === "useapi");
    expect(useapi.map((r) => r.sha256)).toEqual([hex]);
  });

  it("tus: DELETE of a finished upload whose original is kept ends the resource and leaves the original", async () => {
    const mark = marker("keepdel");
    const bytes = randomBytes(4000);
    const meta = { provider: "jimmy", filename: `${mark}.png`, filetype: "image/png", keep_days: "1" };
    const { location, id } = await created(meta, bytes.length);
    expect((await patch(location, 0, bytes, bytes.length)).status).toBe(204);
    const del = await call(
      new Request(location, {
        method: "DELETE",
        headers: { "tus-resumable": "1.0.0", authorization: `Bearer ${KEY}` },
      }),
    );
    expect(del.status).toBe(204);
    expect(await STAGING.head(`uploads/${id}`)).not.toBeNull();
    const res = await call(
      new Request(`http://gw/v1/files/${id}/copies`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ provider: "useapi", account: mark }),
      }),
    );
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as UploadResult).file.sha256).toBe(await sha256(bytes));
  });

  it("a URL import with keep_days keeps its original (a source of unknown length, staged first)", async () => {
    const p = projects();
    const mark = marker("keepimp");
    const url = `${inject("originUrl")}/media/${mark}.png?size=50000&nolength=1`;
    const res = await p.post(p.a, "/v1/providers/jimmy/files", { url, keep_days: 1 });
    const result = (await res.json()) as UploadResult;
    expect(res.status, JSON.stringify(result)).toBe(201);
    expect(result.original?.kept).toBe(true);
    expect(await STAGING.head(`uploads/${result.id}`)).not.toBeNull();
    const copy = await p.post(p.a, `/v1/files/${result.id}/copies`, { provider: "dify", user: "alice" });
    expect(copy.status).toBe(201);
    const got = await receivedWith(mark, 2);
    expect(new Set(got.map((r) => r.sha256))).toEqual(new Set([result.file.sha256]));
  });

  it("a ticket uses a kept original only for the digest it binds, and fixes keep_days", async () => {
    const mark = marker("keeptkt");
    const bytes = randomBytes(3500);
    const hex = await sha256(bytes);
    await resultOf(
      await call(
        rawRequest("jimmy", { filename: `${mark}.png`, type: "image/png", bytes, query: { keep_days: "1" } }),
      ),
    );
    const ticketPut = (url: string, body: BodyInit, headers: Record<string, string> = {}) => {
      const u = new URL(url);
      u.searchParams.set("filename", `${mark}.png`);
      const init = { "content-type": "image/png", "content-length": String(bytes.length), ...headers };
      return call(new Request(u, { method: "PUT", headers: init, body }));
    };
    // Bound digest: answered from the original, the body never read.
    const bound = await mintTicket({ provider: "useapi", account: mark, sha256: hex });
    const hit = (await (await ticketPut(bound.upload_url, silentBody())).json()) as UploadResult;
    expect(hit).toMatchObject({ provider: "useapi", source: "kept", file: { sha256: hex } });
    // Unbound: the app's own declared digest looks nothing up; its bytes are sent as its own upload.
    const other = await mintTicket({ provider: "useapi", account: `${mark}-2`, keep_days: 2 });
    const own = await ticketPut(other.upload_url, bytes, { "repr-digest": `sha-256=:${b64(hex)}:` });
    const result = (await own.json()) as UploadResult;
    expect(own.status, JSON.stringify(result)).toBe(201);
    expect(result.source).toBeUndefined();
    // The ticket's keep_days holds: the app may not change it.
    const fixed = await mintTicket({ provider: "useapi", account: `${mark}-3`, keep_days: 2 });
    const u = new URL(fixed.upload_url);
    u.searchParams.set("keep_days", "9");
    await problemOf(await ticketPut(u.href, bytes), 400, "invalid_field");
    // Nor choose one where the ticket fixes none: storage is the project's cost.
    const unfixed = await mintTicket({ provider: "useapi", account: `${mark}-4` });
    const v = new URL(unfixed.upload_url);
    v.searchParams.set("keep_days", "30");
    await problemOf(await ticketPut(v.href, bytes), 400, "invalid_field");
  });

  it("multipart: a keep_days field before the file keeps it (a body ending in CRLF, as clients send it)", async () => {
    const mark = marker("keepmp");
    const bytes = randomBytes(2200);
    const spec = { filename: `${mark}.png`, bytes, fields: { keep_days: "1" } };
    const result = await resultOf(await call(await multipartRequest("jimmy", spec)));
    expect(result.file).toMatchObject({ size: bytes.length, sha256: await sha256(bytes) });
    expect(result.original?.kept).toBe(true);
    // A body with nothing after its closing boundary (workerd's FormData) cannot be stored at its exact
    // length before its end: refused as a problem, never kept short (docs/reuse.md).
    const bare = await call(
      await multipartRequest("jimmy", { ...spec, bytes: randomBytes(2200), epilogue: "none" }),
    );
    await problemOf(bare, 400, "malformed_body");
  });
});
